/*  test_row - query rows as protobuf messages, on results built in memory  */

#include "ht_test.h"
#include "ht_row.h"
#include "hetao/v1/registry.pb-c.h"

#include <string.h>

//  A result with `columns` text columns named c0, c1, ... and `rows` rows of
//  `cells` (row-major; NULL is SQL NULL). Caller PQclears it.
static PGresult *
s_result (int columns, int rows, const char *const *cells)
{
    PGresult *result = PQmakeEmptyPGresult (NULL, PGRES_TUPLES_OK);
    PGresAttDesc attributes [16];
    char names [16][8];
    memset (attributes, 0, sizeof attributes);
    for (int c = 0; c < columns; c++) {
        snprintf (names [c], sizeof names [c], "c%d", c);
        attributes [c].name = names [c];
        attributes [c].typid = 25;          //  text
        attributes [c].typlen = -1;
        attributes [c].atttypmod = -1;
    }
    ASSERT_TRUE (PQsetResultAttrs (result, columns, attributes));
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < columns; c++) {
            const char *cell = cells [r * columns + c];
            ASSERT_TRUE (PQsetvalue (result, r, c, (char *) cell, cell? (int) strlen (cell): -1));
        }
    return result;
}

static void
test_columns_fill_the_fields_in_field_number_order (void)
{
    const char *cells [] = {
        "0190f0c0-0000-7000-8000-000000000001", "0190f0c0-0000-7000-8000-000000000002", "A-101", NULL, "3",
        "1000.50", "laboratory", "available", NULL, "4", "1812988800000000", "-5"
    };
    PGresult *result = s_result (12, 1, cells);
    ht_arena_t *arena = ht_arena_new ();
    Hetao__V1__Unit *unit = (Hetao__V1__Unit *) ht_row_message (arena, &hetao__v1__unit__descriptor, result, 0);
    ASSERT_STR_EQ (unit->id, "0190f0c0-0000-7000-8000-000000000001");
    ASSERT_STR_EQ (unit->park_id, "0190f0c0-0000-7000-8000-000000000002");
    ASSERT_STR_EQ (unit->code, "A-101");
    ASSERT_PTR_EQ (unit->building, NULL);
    ASSERT_STR_EQ (unit->floor, "3");
    ASSERT_STR_EQ (unit->area_m2, "1000.50");
    ASSERT_TRUE (unit->has_use);
    ASSERT_INT_EQ (unit->use, HETAO__V1__UNIT_USE__UNIT_USE_LABORATORY);
    ASSERT_INT_EQ (unit->status, HETAO__V1__UNIT_STATUS__UNIT_STATUS_AVAILABLE);
    ASSERT_PTR_EQ (unit->status_reason, NULL);
    ASSERT_TRUE (unit->has_version);
    ASSERT_INT_EQ (unit->version, 4);
    ASSERT_INT_EQ (unit->created_at_us, 1812988800000000LL);
    ASSERT_INT_EQ (unit->updated_at_us, -5);
    ht_arena_destroy (&arena);
    PQclear (result);
}

static void
test_null_leaves_a_scalar_field_absent (void)
{
    const char *cells [] = { "x", NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    PGresult *result = s_result (8, 1, cells);
    ht_arena_t *arena = ht_arena_new ();
    Hetao__V1__ParkSpace *space = (Hetao__V1__ParkSpace *) ht_row_message (arena, &hetao__v1__park_space__descriptor,
                                                                           result, 0);
    ASSERT_STR_EQ (space->park_id, "x");
    ASSERT_PTR_EQ (space->allocated_percent, NULL);
    const char *count [] = { "org", "1.00", NULL };
    PGresult *counted = s_result (3, 1, count);
    Hetao__V1__OrganizationSpace *org = (Hetao__V1__OrganizationSpace *)
        ht_row_message (arena, &hetao__v1__organization_space__descriptor, counted, 0);
    ASSERT_FALSE (org->has_allocations);
    ht_arena_destroy (&arena);
    PQclear (counted);
    PQclear (result);
}

static void
test_rows_fill_a_repeated_field (void)
{
    const char *cells [] = { "a", "1.00", "2", "b", "3.50", "1" };
    PGresult *result = s_result (3, 2, cells);
    ht_arena_t *arena = ht_arena_new ();
    Hetao__V1__ParkOccupancyReply reply = HETAO__V1__PARK_OCCUPANCY_REPLY__INIT;
    ht_row_messages (arena, &reply.base, "organizations", result, 2);
    ASSERT_INT_EQ (reply.n_organizations, 2);
    ASSERT_STR_EQ (reply.organizations [1]->organization_id, "b");
    ASSERT_STR_EQ (reply.organizations [1]->allocated_m2, "3.50");
    ASSERT_TRUE (reply.organizations [0]->has_allocations);
    ASSERT_INT_EQ (reply.organizations [0]->allocations, 2);
    ht_row_messages (arena, &reply.base, "units", result, 0);
    ASSERT_INT_EQ (reply.n_units, 0);
    ht_arena_destroy (&arena);
    PQclear (result);
}

int
main (void)
{
    HT_TEST_RUN (test_columns_fill_the_fields_in_field_number_order);
    HT_TEST_RUN (test_null_leaves_a_scalar_field_absent);
    HT_TEST_RUN (test_rows_fill_a_repeated_field);
    return 0;
}

/*  allocation - unit space given to organizations for a period: add, get,
    end early, extend, list

    An allocation gives `area_m2` of one unit to one organization for the
    half-open period [from_date, until_date), open-ended without until_date.
    At no date may a unit's allocations add up to more than its area.

    Why a row lock and a sum rather than a constraint: an exclusion
    constraint can refuse overlap, not a total of overlapping areas. So a
    change that takes space locks the unit row FOR UPDATE (after the unit's
    ordering lock) and then, in a new statement and so a new snapshot, sums
    the peak over the period (unit_peak_allocated in sql/005_space.sql).
    Every writer of the unit's allocations holds that row lock until it
    commits, so sixteen clients racing for the last square metres are
    granted exactly what fits. The trigger allocation_fits_unit does the same
    for any writer; the check here tells the caller how much is free.
*/

#include "allocation.h"
#include "org.h"
#include "park.h"
#include "space_rules.h"
#include "ht_row.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>

//  Columns every allocation query returns: the fields of Allocation in order (ht_row).
#define ALLOCATION_COLUMNS \
    "a.id, a.unit_id, u.park_id, a.organization_id, a.area_m2::text, lower (a.period)::text," \
    " upper (a.period)::text, a.version, " HT_SQL_US ("a.created_at") ", " HT_SQL_US ("a.updated_at")

const ht_query_t allocation_queries [] = {
    { "allocation_insert",
      "INSERT INTO allocation (id, unit_id, organization_id, area_m2, period, version,"
      " created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::numeric, daterange ($5::date, $6::date, '[)'), 1, "
      HT_SQL_FROM_US (7) ", " HT_SQL_FROM_US (7) ")" },
    { "allocation_get",
      "SELECT " ALLOCATION_COLUMNS " FROM allocation a JOIN unit u ON u.id = a.unit_id"
      " WHERE a.id = $1::uuid" },
    { "allocation_get_for_update",
      "SELECT " ALLOCATION_COLUMNS " FROM allocation a JOIN unit u ON u.id = a.unit_id"
      " WHERE a.id = $1::uuid FOR UPDATE OF a" },
    //  The unit whose space is taken, locked; its park held open.
    { "allocation_unit_lock",
      "SELECT u.code, (u.area_m2 * 100)::bigint, u.status, p.status, u.park_id FROM unit u"
      " JOIN park p ON p.id = u.park_id WHERE u.id = $1::uuid FOR UPDATE OF u FOR SHARE OF p" },
    //  The most allocated from unit $1 on a day of [$2, $3), leaving out
    //  allocation $4; run after allocation_unit_lock, so in a new snapshot.
    { "allocation_peak_centi",
      "SELECT (unit_peak_allocated ($1::uuid, daterange ($2::date, $3::date, '[)'), $4::uuid)"
      " * 100)::bigint" },
    { "allocation_store",
      "UPDATE allocation SET period = daterange (lower (period), $2::date, '[)'),"
      " version = $3::bigint, updated_at = " HT_SQL_FROM_US (4) " WHERE id = $1::uuid" },
    { "allocation_list",
      "SELECT " ALLOCATION_COLUMNS " FROM allocation a JOIN unit u ON u.id = a.unit_id"
      " WHERE ($1::uuid IS NULL OR a.unit_id = $1::uuid)"
      "   AND ($2::uuid IS NULL OR u.park_id = $2::uuid)"
      "   AND ($3::uuid IS NULL OR a.organization_id = $3::uuid)"
      "   AND ($4::date IS NULL OR a.period @> $4::date)"
      "   AND ($5::uuid IS NULL OR a.id > $5::uuid)"
      " ORDER BY a.id LIMIT $6::int" },
    { NULL, NULL }
};

const ht_constraint_t allocation_constraints [] = {
    { "allocation_within_unit_area", HT_FAILED_PRECONDITION, "area_m2",
      "the unit's allocations would add up to more than its area" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Allocation *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    return (Hetao__V1__Allocation *) ht_row_message (ht_call_arena (call), &hetao__v1__allocation__descriptor,
                                                     result, row);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Allocation *allocation,
        const char *previous_until)
{
    Hetao__V1__AllocationEvent event = HETAO__V1__ALLOCATION_EVENT__INIT;
    event.allocation = allocation;
    event.previous_until_date = (char *) previous_until;
    ht_call_emit (call, type, allocation->id, &event.base);
    ht_row_reply (call, &hetao__v1__allocation_reply__descriptor, &allocation->base);
}

static Hetao__V1__Allocation *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find (call, query, "allocation", id);
    return result? s_from_row (call, result, 0): NULL;
}

//  Loads the allocation `id` locked for a change at `expected` version.
static Hetao__V1__Allocation *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "allocation", id))
        return NULL;
    Hetao__V1__Allocation *allocation = s_load (call, id, "allocation_get_for_update");
    if (allocation
    &&  !ht_row_check_version (call, "allocation", allocation->version, has_expected, expected))
        return NULL;
    return allocation;
}

//  Locks the unit `unit_id` and checks that `centi` more can be allocated
//  from it over [from, until) (until NULL: open-ended), leaving out the
//  allocation `except` (NULL: none), and sets `park_id` to its park's.
//  `field` is what a missing or closed unit is reported on. False with the
//  call failed otherwise.
static bool
s_unit_has_room (ht_call_t *call, const char *field, const char *unit_id, int64_t centi,
                 const char *from, const char *until, const char *except, char **park_id)
{
    PGresult *result = ht_row_find_as (call, "allocation_unit_lock", field, "unit", unit_id);
    if (!result)
        return false;
    const char *code = PQgetvalue (result, 0, 0);
    int64_t unit_centi = ht_row_int (result, 0, 1);
    *park_id = PQgetvalue (result, 0, 4);
    if (strcmp (PQgetvalue (result, 0, 2), "available")) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "unit %s is %s", code,
                      PQgetvalue (result, 0, 2));
        return false;
    }
    if (!strcmp (PQgetvalue (result, 0, 3), "closed")) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "the park of unit %s is closed", code);
        return false;
    }
    result = ht_call_query (call, "allocation_peak_centi", HT_ARGS (unit_id, from, until, except));
    if (!result)
        return false;
    int64_t peak = ht_row_int (result, 0, 0);
    if (peak + centi > unit_centi) {
        char room [24], area [24], wanted [24];
        space_area_format (unit_centi - peak, room, sizeof room);
        space_area_format (unit_centi, area, sizeof area);
        space_area_format (centi, wanted, sizeof wanted);
        ht_call_fail (call, HT_FAILED_PRECONDITION, "area_m2", "unit %s (%s m2) has only %s m2 free "
                      "on its fullest day from %s %s %s; %s m2 asked", code, area, room, from,
                      until? "until": "on,", until? until: "open-ended", wanted);
        return false;
    }
    return true;
}

//  The organization `id` that `field` names is registered and not withdrawn,
//  and stays so until the call commits (org_refer).
static bool
s_refer (ht_call_t *call, const char *field, const char *id)
{
    return org_refer (call, 1, &id, &field);
}

//  ---------------------------------------------------------------------------
//  Methods

void
allocation_add (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AddAllocationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "unit_id", request->unit_id);
    ht_call_check_uuid (call, "organization_id", request->organization_id);
    int64_t centi;
    const char *area = park_check_area (call, "area_m2", request->area_m2, &centi);
    bool from_ok = park_check_date (call, "from_date", request->from_date);
    if (request->until_date && park_check_date (call, "until_date", request->until_date)
    &&  from_ok && strcmp (request->until_date, request->from_date) <= 0)
        ht_call_violation (call, "until_date", "must be after from_date (%s); the period is "
                           "[from_date, until_date)", request->from_date);
    if (ht_call_failed (call))
        return;

    //  The unit's ordering lock first, then its row: see the file's header.
    char *park_id;
    if (!ht_call_lock (call, "unit", request->unit_id)
    ||  !s_unit_has_room (call, "unit_id", request->unit_id, centi, request->from_date,
                          request->until_date, NULL, &park_id)
    ||  !s_refer (call, "organization_id", request->organization_id))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Allocation allocation = HETAO__V1__ALLOCATION__INIT;
    allocation.id = id;
    allocation.unit_id = (char *) ht_row_uuid (call, request->unit_id);
    allocation.park_id = park_id;
    allocation.organization_id = (char *) ht_row_uuid (call, request->organization_id);
    allocation.area_m2 = (char *) area;
    allocation.from_date = request->from_date;
    allocation.until_date = request->until_date;
    allocation.has_version = allocation.has_created_at_us = allocation.has_updated_at_us = true;
    allocation.version = 1;
    allocation.created_at_us = allocation.updated_at_us = now;
    ht_call_write (call, "allocation_insert", HT_ARGS (
        id, allocation.unit_id, allocation.organization_id, allocation.area_m2,
        allocation.from_date, allocation.until_date, ht_call_int (call, now)));
    s_emit (call, "registry.allocation.added", &allocation, NULL);
}

void
allocation_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetAllocationRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Allocation *allocation = s_load (call, request->id, "allocation_get");
    if (allocation && ht_call_acts_for (call, "id", allocation->organization_id))
        ht_row_reply (call, &hetao__v1__allocation_reply__descriptor, &allocation->base);
}

//  Writes the allocation's new until date (NULL: open-ended) with the next version.
static void
s_store (ht_call_t *call, Hetao__V1__Allocation *allocation, const char *until, const char *event)
{
    const char *previous = allocation->until_date;
    allocation->until_date = (char *) until;
    allocation->version++;
    allocation->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "allocation_store", HT_ARGS (
        allocation->id, until,
        ht_call_int (call, allocation->version),
        ht_call_int (call, allocation->updated_at_us)));
    s_emit (call, event, allocation, previous);
}

void
allocation_end (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__EndAllocationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    park_check_date (call, "until_date", request->until_date);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Allocation *allocation = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!allocation)
        return;
    if (strcmp (request->until_date, allocation->from_date) <= 0)
        ht_call_fail (call, HT_FAILED_PRECONDITION, "until_date", "must be after the allocation's "
                      "from_date (%s)", allocation->from_date);
    else
    if (allocation->until_date && strcmp (request->until_date, allocation->until_date) >= 0)
        ht_call_fail (call, HT_FAILED_PRECONDITION, "until_date", "must be before the allocation's "
                      "until_date (%s): a later date extends it", allocation->until_date);
    else
        s_store (call, allocation, request->until_date, "registry.allocation.ended");
}

void
allocation_extend (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ExtendAllocationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->until_date)
        park_check_date (call, "until_date", request->until_date);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Allocation *allocation = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!allocation)
        return;
    if (!allocation->until_date) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "until_date", "the allocation is already "
                      "open-ended");
        return;
    }
    if (request->until_date && strcmp (request->until_date, allocation->until_date) <= 0) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "until_date", "must be after the allocation's "
                      "until_date (%s): an earlier date ends it", allocation->until_date);
        return;
    }
    //  The added days must fit the unit like a new allocation of the same area.
    int64_t centi;
    char error [200];
    space_area_parse (allocation->area_m2, &centi, error, sizeof error);
    char *park_id;
    if (s_unit_has_room (call, "id", allocation->unit_id, centi, allocation->until_date,
                         request->until_date, allocation->id, &park_id))
        s_store (call, allocation, request->until_date, "registry.allocation.extended");
}

void
allocation_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListAllocationsRequest *request = (const void *) message;
    if (!ht_call_acts_for (call, "organization_id", request->organization_id))
        return;
    if (request->unit_id)
        ht_call_check_uuid (call, "unit_id", request->unit_id);
    if (request->park_id)
        ht_call_check_uuid (call, "park_id", request->park_id);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->at)
        park_check_date (call, "at", request->at);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "allocation_list", HT_ARGS (
        request->unit_id, request->park_id, request->organization_id, request->at,
        request->page_token, ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    ht_row_reply_page (call, &hetao__v1__list_allocations_reply__descriptor, result, page_size);
}

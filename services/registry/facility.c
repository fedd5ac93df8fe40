/*  facility - large facilities: register, get, update, list

    A facility (the China Spallation Neutron Source) is run by an operator
    organization, which must be registered and not withdrawn when it is
    named. Its instruments are in instrument.c; time on them in access.c.
*/

#include "facility.h"
#include "ht_row.h"
#include "org.h"
#include "ht_text.h"

#include <string.h>
#include <strings.h>

#define NAME_MAX_CHARS         200
#define DESCRIPTION_MAX_CHARS  2000

//  Columns every query returns, in this order (see s_facility_from_row).
#define FACILITY_COLUMNS \
    "id, name, operator_organization_id, description, version, " \
    HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t facility_queries [] = {
    { "facility_insert",
      "INSERT INTO facility (id, name, operator_organization_id, description, version,"
      " created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3::uuid, $4, 1, " HT_SQL_FROM_US (5) ", "
      HT_SQL_FROM_US (5) ")" },
    { "facility_get",
      "SELECT " FACILITY_COLUMNS " FROM facility WHERE id = $1::uuid" },
    { "facility_get_for_update",
      "SELECT " FACILITY_COLUMNS " FROM facility WHERE id = $1::uuid FOR UPDATE" },
    { "facility_store",
      "UPDATE facility SET name = $2, operator_organization_id = $3::uuid, description = $4,"
      " version = $5::bigint, updated_at = " HT_SQL_FROM_US (6) " WHERE id = $1::uuid" },
    { "facility_list",
      "SELECT " FACILITY_COLUMNS " FROM facility"
      " WHERE ($1::uuid IS NULL OR operator_organization_id = $1::uuid)"
      "   AND ($2::text IS NULL OR name ILIKE $2)"
      "   AND ($3::uuid IS NULL OR id > $3::uuid)"
      " ORDER BY id LIMIT $4::int" },
    { NULL, NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Facility *
s_facility_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Facility *facility = ht_arena_alloc (ht_call_arena (call), sizeof *facility);
    hetao__v1__facility__init (facility);
    facility->id = PQgetvalue (result, row, 0);
    facility->name = PQgetvalue (result, row, 1);
    facility->operator_organization_id = PQgetvalue (result, row, 2);
    facility->description = ht_row_text (result, row, 3);
    facility->has_version = facility->has_created_at_us = facility->has_updated_at_us = true;
    facility->version = ht_row_int (result, row, 4);
    facility->created_at_us = ht_row_int (result, row, 5);
    facility->updated_at_us = ht_row_int (result, row, 6);
    return facility;
}

//  Replies with `facility` and, when `event` is set, emits it as that event.
static void
s_done (ht_call_t *call, Hetao__V1__Facility *facility, const char *event)
{
    if (event)
        ht_row_emit (call, event, &hetao__v1__facility_event__descriptor, &facility->base, 0);
    ht_row_reply (call, &hetao__v1__facility_reply__descriptor, &facility->base);
}

//  Loads the facility `id` with `query`; NULL when the call failed or it does
//  not exist (then the call is NOT_FOUND naming `field`).
static Hetao__V1__Facility *
s_load (ht_call_t *call, const char *field, const char *id, const char *query)
{
    PGresult *result = ht_row_find_as (call, query, field, "facility", id);
    return result? s_facility_from_row (call, result, 0): NULL;
}

//  True when the organization `id` may operate a facility: registered and
//  not withdrawn, and kept so until the change commits.
static bool
s_operator_usable (ht_call_t *call, const char *id)
{
    const char *field = "operator_organization_id";
    return org_refer (call, 1, &id, &field);
}

//  ---------------------------------------------------------------------------
//  Methods

void
facility_register (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RegisterFacilityRequest *request = (const void *) message;
    ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    if (request->description)
        ht_call_check_text (call, "description", request->description, 1, DESCRIPTION_MAX_CHARS);
    if (ht_call_failed (call)
    ||  !s_operator_usable (call, request->operator_organization_id))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Facility facility = HETAO__V1__FACILITY__INIT;
    facility.id = id;
    facility.name = request->name;
    facility.operator_organization_id = (char *) ht_row_uuid (call, request->operator_organization_id);
    facility.description = request->description;
    facility.has_version = facility.has_created_at_us = facility.has_updated_at_us = true;
    facility.version = 1;
    facility.created_at_us = facility.updated_at_us = now;
    ht_call_write (call, "facility_insert", HT_ARGS (
        id, facility.name, facility.operator_organization_id, facility.description,
        ht_call_int (call, now)));
    s_done (call, &facility, "registry.facility.registered");
}

void
facility_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetFacilityRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Facility *facility = s_load (call, "id", request->id, "facility_get");
    if (facility)
        s_done (call, facility, NULL);
}

void
facility_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateFacilityRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->name)
        ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    if (request->operator_organization_id)
        ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    //  An empty description clears it.
    if (request->description && *request->description)
        ht_call_check_text (call, "description", request->description, 1, DESCRIPTION_MAX_CHARS);
    if (!request->name && !request->operator_organization_id && !request->description)
        ht_call_violation (call, "id", "the update changes nothing: set name, "
                           "operator_organization_id or description");
    if (ht_call_failed (call) || !ht_call_lock (call, "facility", request->id))
        return;
    Hetao__V1__Facility *facility = s_load (call, "id", request->id, "facility_get_for_update");
    if (!facility || !ht_row_check_version (call, "facility", facility->version,
                                          request->has_expected_version, request->expected_version))
        return;
    if (request->operator_organization_id
    &&  strcasecmp (request->operator_organization_id, facility->operator_organization_id)) {
        if (!s_operator_usable (call, request->operator_organization_id))
            return;
        facility->operator_organization_id = (char *) ht_row_uuid (call, request->operator_organization_id);
    }
    if (request->name)
        facility->name = request->name;
    if (request->description)
        facility->description = *request->description? request->description: NULL;
    facility->version++;
    facility->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "facility_store", HT_ARGS (
        facility->id, facility->name, facility->operator_organization_id, facility->description,
        ht_call_int (call, facility->version), ht_call_int (call, facility->updated_at_us)));
    s_done (call, facility, "registry.facility.updated");
}

void
facility_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListFacilitiesRequest *request = (const void *) message;
    if (request->operator_organization_id)
        ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    if (request->name_contains)
        ht_call_check_text (call, "name_contains", request->name_contains, 1, NAME_MAX_CHARS);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "facility_list", HT_ARGS (
        request->operator_organization_id,
        request->name_contains? ht_row_contains (call, request->name_contains): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListFacilitiesReply reply = HETAO__V1__LIST_FACILITIES_REPLY__INIT;
    reply.facilities = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.facilities [reply.n_facilities++] = s_facility_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.facilities [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

/*  park - industrial parks: register, get, update, change status, list, occupancy

    Translates between the wire (hetao.v1 messages) and the park table. A
    park's units never add up to more than its area: the units' file checks
    that when a unit grows or is added, this file when the park shrinks, and
    triggers in sql/005_space.sql hold it for every writer.
*/

#include "park.h"
#include "org.h"
#include "space_rules.h"
#include "ht_row.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS    200

//  Columns every park query returns: the fields of Park in order (ht_row).
#define PARK_COLUMNS \
    "id, name_zh, name_en, operator_organization_id, area_m2::text, operating_since::text," \
    " status, status_reason, version, " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

//  The area of the units of a park that are not retired, in hundredths.
#define UNITS_CENTI(park) \
    "(SELECT coalesce (sum (area_m2), 0) * 100 FROM unit" \
    "  WHERE park_id = " park " AND status <> 'retired')::bigint"

const ht_query_t park_queries [] = {
    { "park_insert",
      "INSERT INTO park (id, name_zh, name_en, operator_organization_id, area_m2, operating_since,"
      " status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3, $4::uuid, $5::numeric, $6::date, $7, 1, "
      HT_SQL_FROM_US (8) ", " HT_SQL_FROM_US (8) ")" },
    { "park_get",
      "SELECT " PARK_COLUMNS " FROM park WHERE id = $1::uuid" },
    { "park_get_for_update",
      "SELECT " PARK_COLUMNS " FROM park WHERE id = $1::uuid FOR UPDATE" },
    { "park_units_centi",
      "SELECT " UNITS_CENTI ("$1::uuid") },
    { "park_store",
      "UPDATE park SET name_zh = $2, name_en = $3, operator_organization_id = $4::uuid,"
      " area_m2 = $5::numeric, operating_since = $6::date, status = $7, status_reason = $8,"
      " version = $9::bigint, updated_at = " HT_SQL_FROM_US (10)
      " WHERE id = $1::uuid" },
    { "park_list",
      "SELECT " PARK_COLUMNS " FROM park"
      " WHERE ($1::text IS NULL OR status = $1)"
      "   AND ($2::uuid IS NULL OR operator_organization_id = $2::uuid)"
      "   AND ($3::text IS NULL OR name_zh ILIKE $3 OR name_en ILIKE $3)"
      "   AND ($4::uuid IS NULL OR id > $4::uuid)"
      " ORDER BY id LIMIT $5::int" },
    //  Occupancy at date $2 of park $1 (NULL: every park). Retired units
    //  count for nothing; sums keep two decimals.
    { "park_occupancy_parks",
      "WITH u AS ("
      "  SELECT u.park_id, u.area_m2,"
      "   (SELECT coalesce (sum (a.area_m2), 0) FROM allocation a"
      "     WHERE a.unit_id = u.id AND a.period @> $2::date) AS allocated"
      "   FROM unit u WHERE u.status <> 'retired' AND ($1::uuid IS NULL OR u.park_id = $1::uuid))"
      " SELECT p.id, p.name_zh, p.name_en, p.area_m2::text,"
      "  coalesce (sum (u.area_m2), 0)::numeric(16,2)::text,"
      "  coalesce (sum (u.allocated), 0)::numeric(16,2)::text,"
      "  (coalesce (sum (u.area_m2), 0) - coalesce (sum (u.allocated), 0))::numeric(16,2)::text,"
      "  (round (sum (u.allocated) * 100 / nullif (sum (u.area_m2), 0), 2))::numeric(16,2)::text"
      " FROM park p LEFT JOIN u ON u.park_id = p.id"
      " WHERE $1::uuid IS NULL OR p.id = $1::uuid"
      " GROUP BY p.id ORDER BY p.id" },
    { "park_occupancy_units",
      "SELECT u.id, u.park_id, u.code, u.area_m2::text, x.allocated::numeric(16,2)::text,"
      "  (u.area_m2 - x.allocated)::numeric(16,2)::text"
      " FROM unit u, LATERAL (SELECT coalesce (sum (a.area_m2), 0) AS allocated FROM allocation a"
      "   WHERE a.unit_id = u.id AND a.period @> $2::date) x"
      " WHERE u.park_id = $1::uuid AND u.status <> 'retired'"
      " ORDER BY u.code" },
    { "park_occupancy_organizations",
      "SELECT a.organization_id, sum (a.area_m2)::numeric(16,2)::text, count (*)"
      " FROM allocation a JOIN unit u ON u.id = a.unit_id"
      " WHERE a.period @> $2::date AND u.status <> 'retired'"
      "   AND ($1::uuid IS NULL OR u.park_id = $1::uuid)"
      " GROUP BY a.organization_id ORDER BY a.organization_id" },
    { NULL, NULL }
};

const ht_constraint_t park_constraints [] = {
    { "park_holds_its_units", HT_FAILED_PRECONDITION, "area_m2",
      "the units of the park add up to more than this area" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Checks shared with units and allocations

const char *
park_check_area (ht_call_t *call, const char *field, const char *text, int64_t *centi)
{
    char error [200];
    if (!text) {
        ht_call_violation (call, field, "is required");
        return NULL;
    }
    if (!space_area_parse (text, centi, error, sizeof error)) {
        ht_call_violation (call, field, "%s", error);
        return NULL;
    }
    char *canonical = ht_arena_alloc (ht_call_arena (call), 24);
    space_area_format (*centi, canonical, 24);
    return canonical;
}

bool
park_check_date (ht_call_t *call, const char *field, const char *text)
{
    char error [200];
    if (!text) {
        ht_call_violation (call, field, "is required");
        return false;
    }
    if (!ht_date_check (text, error, sizeof error)) {
        ht_call_violation (call, field, "%s", error);
        return false;
    }
    return true;
}

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Park *
s_park_from_row (ht_call_t *call, const PGresult *result, int row)
{
    return (Hetao__V1__Park *) ht_row_message (ht_call_arena (call), &hetao__v1__park__descriptor, result, row);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Park *park, Hetao__V1__ParkStatus previous)
{
    ht_row_emit (call, type, &hetao__v1__park_event__descriptor, &park->base, (int) previous);
    ht_row_reply (call, &hetao__v1__park_reply__descriptor, &park->base);
}

Hetao__V1__Park *
park_load (ht_call_t *call, const char *field, const char *id, const char *query)
{
    PGresult *result = ht_row_find_as (call, query, field, "park", id);
    return result? s_park_from_row (call, result, 0): NULL;
}

//  Loads the park `id` locked for a change at `expected` version (when given).
static Hetao__V1__Park *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "park", id))
        return NULL;
    Hetao__V1__Park *park = park_load (call, "id", id, "park_get_for_update");
    if (park && !ht_row_check_version (call, "park", park->version, has_expected, expected))
        return NULL;
    return park;
}

//  Writes `park` back with the next version, emits `event` and replies.
static void
s_store (ht_call_t *call, Hetao__V1__Park *park, const char *event, Hetao__V1__ParkStatus previous)
{
    park->version++;
    park->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "park_store", HT_ARGS (
        park->id, park->name_zh, park->name_en, park->operator_organization_id, park->area_m2,
        park->operating_since,
        ht_row_key (call, &hetao__v1__park_status__descriptor, park->status),
        park->status_reason,
        ht_call_int (call, park->version),
        ht_call_int (call, park->updated_at_us)));
    s_emit (call, event, park, previous);
}

//  A park has been operating since a date that has come: today's in the
//  park's time zone at the latest.
static void
s_check_opened (ht_call_t *call, const char *date)
{
    char today [16];
    space_date_from_us (ht_call_now_us (call), today, sizeof today);
    if (park_check_date (call, "operating_since", date) && strcmp (date, today) > 0)
        ht_call_violation (call, "operating_since", "%s is after today (%s in Asia/Shanghai): a "
                           "park that has not opened yet is planned", date, today);
}

static void
s_check_name (ht_call_t *call, const char *field, const char *name)
{
    if (name)
        ht_call_check_text (call, field, name, 1, NAME_MAX_CHARS);
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
park_register (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RegisterParkRequest *request = (const void *) message;
    if (!request->name_zh && !request->name_en)
        ht_call_violation (call, "name_en", "a park needs a Chinese or an English name");
    s_check_name (call, "name_zh", request->name_zh);
    s_check_name (call, "name_en", request->name_en);
    ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    int64_t centi;
    const char *area = park_check_area (call, "area_m2", request->area_m2, &centi);
    if (request->operating_since)
        s_check_opened (call, request->operating_since);
    if (ht_call_failed (call)
    ||  !s_refer (call, "operator_organization_id", request->operator_organization_id))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Park park = HETAO__V1__PARK__INIT;
    park.id = id;
    park.name_zh = request->name_zh;
    park.name_en = request->name_en;
    park.operator_organization_id = (char *) ht_row_uuid (call, request->operator_organization_id);
    park.area_m2 = (char *) area;
    park.operating_since = request->operating_since;
    park.has_status = true;
    park.status = request->operating_since? HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING
                                          : HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED;
    park.has_version = park.has_created_at_us = park.has_updated_at_us = true;
    park.version = 1;
    park.created_at_us = park.updated_at_us = now;
    ht_call_write (call, "park_insert", HT_ARGS (
        id, park.name_zh, park.name_en, park.operator_organization_id, park.area_m2,
        park.operating_since, ht_row_key (call, &hetao__v1__park_status__descriptor, park.status),
        ht_call_int (call, now)));
    s_emit (call, "registry.park.registered", &park, 0);
}

void
park_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetParkRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Park *park = park_load (call, "id", request->id, "park_get");
    if (park)
        ht_row_reply (call, &hetao__v1__park_reply__descriptor, &park->base);
}

void
park_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateParkRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->name_zh && *request->name_zh)
        s_check_name (call, "name_zh", request->name_zh);
    if (request->name_en && *request->name_en)
        s_check_name (call, "name_en", request->name_en);
    if (request->operator_organization_id)
        ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    int64_t centi = 0;
    const char *area = request->area_m2? park_check_area (call, "area_m2", request->area_m2, &centi)
                                       : NULL;
    if (request->operating_since)
        s_check_opened (call, request->operating_since);
    if (!request->name_zh && !request->name_en && !request->operator_organization_id
    &&  !request->area_m2 && !request->operating_since)
        ht_call_violation (call, "id", "the update changes nothing: set name_zh, name_en, "
                           "operator_organization_id, area_m2 or operating_since");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Park *park = s_lock (call, request->id, request->has_expected_version,
                                    request->expected_version);
    if (!park)
        return;
    if (park->status == HETAO__V1__PARK_STATUS__PARK_STATUS_CLOSED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the park is closed and can no longer change");
        return;
    }
    if (request->operating_since && !park->operating_since) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "operating_since", "the park is not operating "
                      "yet: it starts with SetParkStatus OPERATING");
        return;
    }
    if (request->operator_organization_id
    &&  !s_refer (call, "operator_organization_id", request->operator_organization_id))
        return;
    if (area) {
        //  The park row is locked, and every unit that grows locks it too:
        //  the units' total cannot change under us.
        PGresult *result = ht_call_query (call, "park_units_centi", HT_ARGS (park->id));
        if (!result)
            return;
        int64_t units = ht_row_int (result, 0, 0);
        if (units > centi) {
            char total [24];
            space_area_format (units, total, sizeof total);
            ht_call_fail (call, HT_FAILED_PRECONDITION, "area_m2", "the units of the park add up to "
                          "%s m2; the park cannot be smaller", total);
            return;
        }
        park->area_m2 = (char *) area;
    }
    if (request->name_zh)
        park->name_zh = *request->name_zh? request->name_zh: NULL;
    if (request->name_en)
        park->name_en = *request->name_en? request->name_en: NULL;
    if (!park->name_zh && !park->name_en)
        ht_call_violation (call, "name_en", "a park needs a Chinese or an English name");
    if (request->operator_organization_id)
        park->operator_organization_id = (char *) ht_row_uuid (call, request->operator_organization_id);
    if (request->operating_since)
        park->operating_since = request->operating_since;
    if (!ht_call_failed (call))
        s_store (call, park, "registry.park.updated", 0);
}

void
park_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetParkStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__park_status__descriptor);
    ht_row_check_reason (call, space_park_status_needs_reason (request->status), request->reason);
    if (request->status == HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING)
        s_check_opened (call, request->operating_since);
    else
    if (request->operating_since)
        ht_call_violation (call, "operating_since", "is given only when the park starts operating");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Park *park = s_lock (call, request->id, request->has_expected_version,
                                    request->expected_version);
    if (!park)
        return;
    if (!ht_lifecycle_check (call, &hetao__v1__park_status__descriptor, "park", space_park_transitions,
                             space_park_transitions_count, park->status, request->status))
        return;
    Hetao__V1__ParkStatus previous = park->status;
    park->status = request->status;
    park->status_reason = request->reason && *request->reason? request->reason: NULL;
    if (request->operating_since)
        park->operating_since = request->operating_since;
    s_store (call, park, "registry.park.status_changed", previous);
}

void
park_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListParksRequest *request = (const void *) message;
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__park_status__descriptor);
    if (request->operator_organization_id)
        ht_call_check_uuid (call, "operator_organization_id", request->operator_organization_id);
    if (request->name_contains)
        ht_call_check_text (call, "name_contains", request->name_contains, 1, NAME_MAX_CHARS);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "park_list", HT_ARGS (
        request->has_status? ht_row_key (call, &hetao__v1__park_status__descriptor, request->status): NULL,
        request->operator_organization_id,
        request->name_contains? ht_row_contains (call, request->name_contains): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    ht_row_reply_page (call, &hetao__v1__list_parks_reply__descriptor, result, page_size);
}

//  ---------------------------------------------------------------------------
//  Occupancy

void
park_occupancy (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ParkOccupancyRequest *request = (const void *) message;
    if (request->park_id)
        ht_call_check_uuid (call, "park_id", request->park_id);
    if (request->at)
        park_check_date (call, "at", request->at);
    if (ht_call_failed (call))
        return;
    char today [16];
    space_date_from_us (ht_call_now_us (call), today, sizeof today);
    const char *at = request->at? request->at: ht_arena_strdup (ht_call_arena (call), today);
    if (request->park_id && !park_load (call, "park_id", request->park_id, "park_get"))
        return;

    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ParkOccupancyReply reply = HETAO__V1__PARK_OCCUPANCY_REPLY__INIT;
    reply.at = (char *) at;
    //  Parks, units and organizations as of one moment: their totals agree.
    if (!ht_call_snapshot (call))
        return;
    PGresult *result = ht_call_query (call, "park_occupancy_parks", HT_ARGS (request->park_id, at));
    if (!result)
        return;
    ht_row_messages (arena, &reply.base, "parks", result, PQntuples (result));
    if (request->park_id) {
        result = ht_call_query (call, "park_occupancy_units", HT_ARGS (request->park_id, at));
        if (!result)
            return;
        ht_row_messages (arena, &reply.base, "units", result, PQntuples (result));
    }
    result = ht_call_query (call, "park_occupancy_organizations", HT_ARGS (request->park_id, at));
    if (!result)
        return;
    ht_row_messages (arena, &reply.base, "organizations", result, PQntuples (result));
    ht_call_reply (call, &reply.base);
}

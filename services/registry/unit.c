/*  unit - units of a park: add, get, update, change status, list

    A unit is part of a park's area with a code unique in the park. The
    units of a park (but retired ones) never add up to more than the park's
    area, and a unit never holds less than what is allocated from it at any
    date. Adding or growing a unit locks the park row FOR UPDATE before
    summing, so two units cannot both take the last of a park's room; the
    triggers of sql/005_space.sql hold the same rules for every writer. Lock
    order: unit, then park, never the reverse.
*/

#include "unit.h"
#include "park.h"
#include "space_rules.h"
#include "ht_row.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>

#define PLACE_MAX_CHARS   100

//  Columns every unit query returns: the fields of Unit in order (ht_row).
#define UNIT_COLUMNS \
    "id, park_id, code, building, floor, area_m2::text, use, status, status_reason, version, " \
    HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t unit_queries [] = {
    { "unit_insert",
      "INSERT INTO unit (id, park_id, code, building, floor, area_m2, use, status, version,"
      " created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::numeric, $7, 'available', 1, "
      HT_SQL_FROM_US (8) ", " HT_SQL_FROM_US (8) ")" },
    { "unit_get",
      "SELECT " UNIT_COLUMNS " FROM unit WHERE id = $1::uuid" },
    { "unit_get_for_update",
      "SELECT " UNIT_COLUMNS " FROM unit WHERE id = $1::uuid FOR UPDATE" },
    { "unit_store",
      "UPDATE unit SET code = $2, building = $3, floor = $4, area_m2 = $5::numeric, use = $6,"
      " status = $7, status_reason = $8, version = $9::bigint, updated_at = " HT_SQL_FROM_US (10)
      " WHERE id = $1::uuid" },
    //  Hundredths of a square metre of park $1 taken by its other units
    //  (but $2); run after the park row is locked, so in a new snapshot.
    { "unit_others_centi",
      "SELECT (coalesce (sum (area_m2), 0) * 100)::bigint FROM unit"
      " WHERE park_id = $1::uuid AND status <> 'retired' AND id IS DISTINCT FROM $2::uuid" },
    { "unit_peak_centi",
      "SELECT (unit_peak_allocated ($1::uuid, '(,)'::daterange, NULL) * 100)::bigint" },
    { "unit_allocations_not_ended",
      "SELECT count (*) FROM allocation WHERE unit_id = $1::uuid"
      " AND (upper_inf (period) OR upper (period) > $2::date)" },
    { "unit_list",
      "SELECT " UNIT_COLUMNS " FROM unit"
      " WHERE ($1::uuid IS NULL OR park_id = $1::uuid)"
      "   AND ($2::text IS NULL OR use = $2)"
      "   AND ($3::text IS NULL OR status = $3)"
      "   AND ($4::uuid IS NULL OR id > $4::uuid)"
      " ORDER BY id LIMIT $5::int" },
    { NULL, NULL }
};

const ht_constraint_t unit_constraints [] = {
    { "unit_code_key", HT_ALREADY_EXISTS, "code",
      "the park already has a unit with this code" },
    { "unit_within_park_area", HT_FAILED_PRECONDITION, "area_m2",
      "the units of the park would add up to more than the park's area" },
    { "unit_holds_its_allocations", HT_FAILED_PRECONDITION, "area_m2",
      "more than this area is allocated from the unit at some date" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Unit *
s_unit_from_row (ht_call_t *call, const PGresult *result, int row)
{
    return (Hetao__V1__Unit *) ht_row_message (ht_call_arena (call), &hetao__v1__unit__descriptor, result, row);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Unit *unit, Hetao__V1__UnitStatus previous)
{
    ht_row_emit (call, type, &hetao__v1__unit_event__descriptor, &unit->base, (int) previous);
    ht_row_reply (call, &hetao__v1__unit_reply__descriptor, &unit->base);
}

static Hetao__V1__Unit *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find (call, query, "unit", id);
    return result? s_unit_from_row (call, result, 0): NULL;
}

//  Loads the unit `id` locked for a change at `expected` version (when given).
static Hetao__V1__Unit *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "unit", id))
        return NULL;
    Hetao__V1__Unit *unit = s_load (call, id, "unit_get_for_update");
    if (unit && !ht_row_check_version (call, "unit", unit->version, has_expected, expected))
        return NULL;
    return unit;
}

static void
s_store (ht_call_t *call, Hetao__V1__Unit *unit, const char *event, Hetao__V1__UnitStatus previous)
{
    unit->version++;
    unit->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "unit_store", HT_ARGS (
        unit->id, unit->code, unit->building, unit->floor, unit->area_m2,
        ht_row_key (call, &hetao__v1__unit_use__descriptor, unit->use),
        ht_row_key (call, &hetao__v1__unit_status__descriptor, unit->status),
        unit->status_reason,
        ht_call_int (call, unit->version),
        ht_call_int (call, unit->updated_at_us)));
    s_emit (call, event, unit, previous);
}

//  ---------------------------------------------------------------------------
//  Checks

static void
s_check_code (ht_call_t *call, const char *code)
{
    char error [200];
    if (!code)
        ht_call_violation (call, "code", "is required");
    else
    if (!space_code_check (code, error, sizeof error))
        ht_call_violation (call, "code", "%s", error);
}

//  Building and floor are optional; an empty one clears it in an update.
static void
s_check_place (ht_call_t *call, const char *field, const char *text)
{
    if (text && *text)
        ht_call_check_text (call, field, text, 1, PLACE_MAX_CHARS);
}

//  True when a unit of `centi` hundredths, replacing `unit_id` (NULL: a new
//  unit), fits the park `park_id`. Locks the park row first: every unit that
//  grows does the same, so the sum that follows cannot change until commit.
static bool
s_fits_park (ht_call_t *call, const char *park_id, const char *unit_id, int64_t centi)
{
    Hetao__V1__Park *park = park_load (call, "park_id", park_id, "park_get_for_update");
    if (!park)
        return false;
    if (park->status == HETAO__V1__PARK_STATUS__PARK_STATUS_CLOSED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "park_id", "the park is closed");
        return false;
    }
    PGresult *result = ht_call_query (call, "unit_others_centi", HT_ARGS (park_id, unit_id));
    if (!result)
        return false;
    int64_t park_centi = 0, others = ht_row_int (result, 0, 0);
    char error [200];
    space_area_parse (park->area_m2, &park_centi, error, sizeof error);
    if (others + centi > park_centi) {
        char room [24], total [24];
        space_area_format (park_centi - others, room, sizeof room);
        space_area_format (park_centi, total, sizeof total);
        ht_call_fail (call, HT_FAILED_PRECONDITION, "area_m2", "the park's units may add up to "
                      "%s m2; %s m2 are left for this unit", total, room);
        return false;
    }
    return true;
}

//  ---------------------------------------------------------------------------
//  Methods

void
unit_add (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AddUnitRequest *request = (const void *) message;
    ht_call_check_uuid (call, "park_id", request->park_id);
    s_check_code (call, request->code);
    s_check_place (call, "building", request->building);
    s_check_place (call, "floor", request->floor);
    int64_t centi;
    const char *area = park_check_area (call, "area_m2", request->area_m2, &centi);
    ht_call_check_enum (call, "use", request->has_use, request->use, &hetao__v1__unit_use__descriptor);
    if (ht_call_failed (call) || !s_fits_park (call, request->park_id, NULL, centi))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Unit unit = HETAO__V1__UNIT__INIT;
    unit.id = id;
    unit.park_id = (char *) ht_row_uuid (call, request->park_id);
    unit.code = request->code;
    unit.building = request->building && *request->building? request->building: NULL;
    unit.floor = request->floor && *request->floor? request->floor: NULL;
    unit.area_m2 = (char *) area;
    unit.has_use = unit.has_status = true;
    unit.use = request->use;
    unit.status = HETAO__V1__UNIT_STATUS__UNIT_STATUS_AVAILABLE;
    unit.has_version = unit.has_created_at_us = unit.has_updated_at_us = true;
    unit.version = 1;
    unit.created_at_us = unit.updated_at_us = now;
    ht_call_write (call, "unit_insert", HT_ARGS (
        id, unit.park_id, unit.code, unit.building, unit.floor, unit.area_m2,
        ht_row_key (call, &hetao__v1__unit_use__descriptor, unit.use),
        ht_call_int (call, now)));
    s_emit (call, "registry.unit.added", &unit, 0);
}

void
unit_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetUnitRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Unit *unit = s_load (call, request->id, "unit_get");
    if (unit)
        ht_row_reply (call, &hetao__v1__unit_reply__descriptor, &unit->base);
}

void
unit_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateUnitRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->code)
        s_check_code (call, request->code);
    s_check_place (call, "building", request->building);
    s_check_place (call, "floor", request->floor);
    int64_t centi = 0;
    const char *area = request->area_m2? park_check_area (call, "area_m2", request->area_m2, &centi)
                                       : NULL;
    if (request->has_use)
        ht_call_check_enum (call, "use", true, request->use, &hetao__v1__unit_use__descriptor);
    if (!request->code && !request->building && !request->floor && !request->area_m2
    &&  !request->has_use)
        ht_call_violation (call, "id", "the update changes nothing: set code, building, floor, "
                           "area_m2 or use");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Unit *unit = s_lock (call, request->id, request->has_expected_version,
                                    request->expected_version);
    if (!unit)
        return;
    if (unit->status == HETAO__V1__UNIT_STATUS__UNIT_STATUS_RETIRED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the unit is retired and can no longer change");
        return;
    }
    if (area) {
        //  Smaller: it must still hold its allocations (the unit row is
        //  locked, and every allocation locks it). Larger: it must fit the park.
        PGresult *result = ht_call_query (call, "unit_peak_centi", HT_ARGS (unit->id));
        if (!result)
            return;
        int64_t peak = ht_row_int (result, 0, 0);
        if (peak > centi) {
            char text [24];
            space_area_format (peak, text, sizeof text);
            ht_call_fail (call, HT_FAILED_PRECONDITION, "area_m2", "%s m2 of the unit are allocated "
                          "at some date; it cannot be smaller", text);
            return;
        }
        if (!s_fits_park (call, unit->park_id, unit->id, centi))
            return;
        unit->area_m2 = (char *) area;
    }
    if (request->code)
        unit->code = request->code;
    if (request->building)
        unit->building = *request->building? request->building: NULL;
    if (request->floor)
        unit->floor = *request->floor? request->floor: NULL;
    if (request->has_use)
        unit->use = request->use;
    s_store (call, unit, "registry.unit.updated", 0);
}

void
unit_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetUnitStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__unit_status__descriptor);
    ht_row_check_reason (call, space_unit_status_needs_reason (request->status), request->reason);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Unit *unit = s_lock (call, request->id, request->has_expected_version,
                                    request->expected_version);
    if (!unit)
        return;
    if (!ht_lifecycle_check (call, &hetao__v1__unit_status__descriptor, "unit", space_unit_transitions,
                             space_unit_transitions_count, unit->status, request->status))
        return;
    if (request->status == HETAO__V1__UNIT_STATUS__UNIT_STATUS_RETIRED) {
        char today [16];
        space_date_from_us (ht_call_now_us (call), today, sizeof today);
        PGresult *result = ht_call_query (call, "unit_allocations_not_ended", HT_ARGS (unit->id, today));
        if (!result)
            return;
        int64_t open = ht_row_int (result, 0, 0);
        if (open > 0) {
            ht_call_fail (call, HT_FAILED_PRECONDITION, "status", "the unit has %lld allocation(s) "
                          "that have not ended; end them first", (long long) open);
            return;
        }
    }
    Hetao__V1__UnitStatus previous = unit->status;
    unit->status = request->status;
    unit->status_reason = request->reason && *request->reason? request->reason: NULL;
    s_store (call, unit, "registry.unit.status_changed", previous);
}

void
unit_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListUnitsRequest *request = (const void *) message;
    if (request->park_id)
        ht_call_check_uuid (call, "park_id", request->park_id);
    if (request->has_use)
        ht_call_check_enum (call, "use", true, request->use, &hetao__v1__unit_use__descriptor);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__unit_status__descriptor);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "unit_list", HT_ARGS (
        request->park_id,
        request->has_use? ht_row_key (call, &hetao__v1__unit_use__descriptor, request->use): NULL,
        request->has_status? ht_row_key (call, &hetao__v1__unit_status__descriptor, request->status): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    ht_row_reply_page (call, &hetao__v1__list_units_reply__descriptor, result, page_size);
}

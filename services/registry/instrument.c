/*  instrument - the bookable instruments of a facility: add, get, update,
    retire or reactivate, list

    A retired instrument keeps its bookings but takes no new access requests
    and no new bookings: access.c reads it FOR SHARE, so a retirement waits
    for a booking being made and the booking sees a retirement that committed.
*/

#include "instrument.h"
#include "ht_row.h"
#include "ht_text.h"

#include <string.h>

#define NAME_MAX_CHARS         200
#define DESCRIPTION_MAX_CHARS  2000
#define REASON_MAX_CHARS       500

#define RETIRED HETAO__V1__INSTRUMENT_STATUS__INSTRUMENT_STATUS_RETIRED

//  Columns every query returns, in this order (see s_instrument_from_row).
#define INSTRUMENT_COLUMNS \
    "id, facility_id, name, description, status, status_reason, version, " \
    HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t instrument_queries [] = {
    { "instrument_facility_exists",
      "SELECT 1 FROM facility WHERE id = $1::uuid FOR KEY SHARE" },
    { "instrument_insert",
      "INSERT INTO instrument (id, facility_id, name, description, status, version,"
      " created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3, $4, 'active', 1, " HT_SQL_FROM_US (5) ", "
      HT_SQL_FROM_US (5) ")" },
    { "instrument_get",
      "SELECT " INSTRUMENT_COLUMNS " FROM instrument WHERE id = $1::uuid" },
    { "instrument_get_for_update",
      "SELECT " INSTRUMENT_COLUMNS " FROM instrument WHERE id = $1::uuid FOR UPDATE" },
    { "instrument_store",
      "UPDATE instrument SET name = $2, description = $3, status = $4, status_reason = $5,"
      " version = $6::bigint, updated_at = " HT_SQL_FROM_US (7) " WHERE id = $1::uuid" },
    { "instrument_list",
      "SELECT " INSTRUMENT_COLUMNS " FROM instrument"
      " WHERE ($1::uuid IS NULL OR facility_id = $1::uuid)"
      "   AND ($2::text IS NULL OR status = $2)"
      "   AND ($3::uuid IS NULL OR id > $3::uuid)"
      " ORDER BY id LIMIT $4::int" },
    { NULL, NULL }
};

const ht_constraint_t instrument_constraints [] = {
    { "instrument_name_key", HT_ALREADY_EXISTS, "name",
      "the facility already has an instrument of this name" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Instrument *
s_instrument_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Instrument *instrument = ht_arena_alloc (ht_call_arena (call), sizeof *instrument);
    hetao__v1__instrument__init (instrument);
    instrument->id = PQgetvalue (result, row, 0);
    instrument->facility_id = PQgetvalue (result, row, 1);
    instrument->name = PQgetvalue (result, row, 2);
    instrument->description = ht_row_text (result, row, 3);
    instrument->has_status = true;
    instrument->status = ht_row_enum (&hetao__v1__instrument_status__descriptor, PQgetvalue (result, row, 4));
    instrument->status_reason = ht_row_text (result, row, 5);
    instrument->has_version = instrument->has_created_at_us = instrument->has_updated_at_us = true;
    instrument->version = ht_row_int (result, row, 6);
    instrument->created_at_us = ht_row_int (result, row, 7);
    instrument->updated_at_us = ht_row_int (result, row, 8);
    return instrument;
}

//  Replies with `instrument` and, when `event` is set, emits it as that event.
static void
s_done (ht_call_t *call, Hetao__V1__Instrument *instrument, const char *event,
        Hetao__V1__InstrumentStatus previous)
{
    if (event)
        ht_row_emit (call, event, &hetao__v1__instrument_event__descriptor, &instrument->base,
                     (int) previous);
    ht_row_reply (call, &hetao__v1__instrument_reply__descriptor, &instrument->base);
}

static Hetao__V1__Instrument *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find_as (call, query, "id", "instrument", id);
    return result? s_instrument_from_row (call, result, 0): NULL;
}

//  Loads the instrument `id` locked for a change; NULL when the call failed,
//  it does not exist, or it is not at `expected` (when given).
static Hetao__V1__Instrument *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "instrument", id))
        return NULL;
    Hetao__V1__Instrument *instrument = s_load (call, id, "instrument_get_for_update");
    if (instrument && !ht_row_check_version (call, "instrument", instrument->version, has_expected, expected))
        return NULL;
    return instrument;
}

//  Writes `instrument` back with the next version and emits `event`.
static void
s_store (ht_call_t *call, Hetao__V1__Instrument *instrument, const char *event,
         Hetao__V1__InstrumentStatus previous)
{
    instrument->version++;
    instrument->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "instrument_store", HT_ARGS (
        instrument->id, instrument->name, instrument->description,
        ht_row_key (call, &hetao__v1__instrument_status__descriptor, instrument->status),
        instrument->status_reason,
        ht_call_int (call, instrument->version), ht_call_int (call, instrument->updated_at_us)));
    s_done (call, instrument, event, previous);
}

//  ---------------------------------------------------------------------------
//  Methods

void
instrument_add (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AddInstrumentRequest *request = (const void *) message;
    ht_call_check_uuid (call, "facility_id", request->facility_id);
    ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    if (request->description)
        ht_call_check_text (call, "description", request->description, 1, DESCRIPTION_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    if (!ht_row_find_as (call, "instrument_facility_exists", "facility_id", "facility", request->facility_id))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Instrument instrument = HETAO__V1__INSTRUMENT__INIT;
    instrument.id = id;
    instrument.facility_id = (char *) ht_row_uuid (call, request->facility_id);
    instrument.name = request->name;
    instrument.description = request->description;
    instrument.has_status = true;
    instrument.status = HETAO__V1__INSTRUMENT_STATUS__INSTRUMENT_STATUS_ACTIVE;
    instrument.has_version = instrument.has_created_at_us = instrument.has_updated_at_us = true;
    instrument.version = 1;
    instrument.created_at_us = instrument.updated_at_us = now;
    ht_call_write (call, "instrument_insert", HT_ARGS (
        id, instrument.facility_id, instrument.name, instrument.description, ht_call_int (call, now)));
    s_done (call, &instrument, "registry.instrument.added", 0);
}

void
instrument_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetInstrumentRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Instrument *instrument = s_load (call, request->id, "instrument_get");
    if (instrument)
        s_done (call, instrument, NULL, 0);
}

void
instrument_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateInstrumentRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->name)
        ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    //  An empty description clears it.
    if (request->description && *request->description)
        ht_call_check_text (call, "description", request->description, 1, DESCRIPTION_MAX_CHARS);
    if (!request->name && !request->description)
        ht_call_violation (call, "id", "the update changes nothing: set name or description");
    if (ht_call_failed (call))
        return;
    Hetao__V1__Instrument *instrument = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!instrument)
        return;
    if (request->name)
        instrument->name = request->name;
    if (request->description)
        instrument->description = *request->description? request->description: NULL;
    s_store (call, instrument, "registry.instrument.updated", 0);
}

void
instrument_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetInstrumentStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__instrument_status__descriptor);
    ht_call_check_text (call, "reason", request->reason, request->status == RETIRED? 1: 0,
                        REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Instrument *instrument = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!instrument)
        return;
    if (instrument->status == request->status) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "status", "the instrument is already %s",
                      ht_row_key (call, &hetao__v1__instrument_status__descriptor, request->status));
        return;
    }
    Hetao__V1__InstrumentStatus previous = instrument->status;
    instrument->status = request->status;
    instrument->status_reason = request->reason && *request->reason? request->reason: NULL;
    s_store (call, instrument, "registry.instrument.status_changed", previous);
}

void
instrument_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListInstrumentsRequest *request = (const void *) message;
    if (request->facility_id)
        ht_call_check_uuid (call, "facility_id", request->facility_id);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__instrument_status__descriptor);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "instrument_list", HT_ARGS (
        request->facility_id,
        request->has_status? ht_row_key (call, &hetao__v1__instrument_status__descriptor, request->status): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListInstrumentsReply reply = HETAO__V1__LIST_INSTRUMENTS_REPLY__INIT;
    reply.instruments = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.instruments [reply.n_instruments++] = s_instrument_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.instruments [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

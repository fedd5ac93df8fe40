/*  funding_call - calls for applications: rounds within a programme with open and close times

    A call accepts applications while opens_at <= now < closes_at, judged
    by the time of the request that applies (ht_call_now_us).
*/

#include "funding_call.h"
#include "programme.h"
#include "wire.h"

#define NAME_MAX_CHARS 200

#define CALL_COLUMNS \
    "id, programme_id, name, " HT_SQL_US ("opens_at") ", " HT_SQL_US ("closes_at") ", " \
    HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t funding_call_queries [] = {
    { "funding_call_insert",
      "INSERT INTO funding_call (id, programme_id, name, opens_at, closes_at, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3, " HT_SQL_FROM_US (4) ", " HT_SQL_FROM_US (5) ", "
      HT_SQL_FROM_US (6) ", " HT_SQL_FROM_US (6) ")" },
    { "funding_call_get",
      "SELECT " CALL_COLUMNS " FROM funding_call WHERE id = $1::uuid" },
    { "funding_call_get_for_update",
      "SELECT " CALL_COLUMNS " FROM funding_call WHERE id = $1::uuid FOR UPDATE" },
    { "funding_call_list",
      "SELECT " CALL_COLUMNS " FROM funding_call WHERE $1::uuid IS NULL OR programme_id = $1::uuid"
      " ORDER BY opens_at, id LIMIT 500" },
    { "funding_call_close",
      "UPDATE funding_call SET closes_at = " HT_SQL_FROM_US (2) ", updated_at = " HT_SQL_FROM_US (2)
      " WHERE id = $1::uuid" },
    { NULL, NULL }
};

const ht_constraint_t funding_call_constraints [] = {
    { "funding_call_name_key", HT_ALREADY_EXISTS, "name",
      "the programme already has a call with this name" },
    { "funding_call_period", HT_INVALID_ARGUMENT, "closes_at_us", "must be after opens_at_us" },
    { NULL }
};

static Hetao__V1__FundingCall *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__FundingCall *round = ht_arena_alloc (ht_call_arena (call), sizeof *round);
    hetao__v1__funding_call__init (round);
    round->id = PQgetvalue (result, row, 0);
    round->programme_id = PQgetvalue (result, row, 1);
    round->name = PQgetvalue (result, row, 2);
    round->has_opens_at_us = round->has_closes_at_us = true;
    round->has_created_at_us = round->has_updated_at_us = true;
    round->opens_at_us = ht_row_int (result, row, 3);
    round->closes_at_us = ht_row_int (result, row, 4);
    round->created_at_us = ht_row_int (result, row, 5);
    round->updated_at_us = ht_row_int (result, row, 6);
    return round;
}

static Hetao__V1__FundingCall *
s_load (ht_call_t *call, const char *field, const char *id, const char *query)
{
    PGresult *result = ht_row_find_as (call, query, field, "call", id);
    return result? s_from_row (call, result, 0): NULL;
}

Hetao__V1__FundingCall *
funding_call_load (ht_call_t *call, const char *field, const char *id)
{
    return s_load (call, field, id, "funding_call_get");
}

static void
s_reply_and_emit (ht_call_t *call, const char *type, Hetao__V1__FundingCall *round)
{
    Hetao__V1__CallEvent event = HETAO__V1__CALL_EVENT__INIT;
    event.call = round;
    if (type)
        ht_call_emit (call, type, round->id, &event.base);
    ht_row_reply (call, &hetao__v1__call_reply__descriptor, &round->base);
}

void
funding_call_open (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__OpenCallRequest *request = (const void *) message;
    ht_call_check_uuid (call, "programme_id", request->programme_id);
    ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    if (!request->has_opens_at_us)
        ht_call_violation (call, "opens_at_us", "is required: microseconds since the epoch");
    if (!request->has_closes_at_us)
        ht_call_violation (call, "closes_at_us", "is required: microseconds since the epoch");
    else
    if (request->has_opens_at_us && request->closes_at_us <= request->opens_at_us)
        ht_call_violation (call, "closes_at_us", "must be after opens_at_us");
    if (ht_call_failed (call))
        return;
    Hetao__V1__Programme *programme = programme_load (call, "programme_id", request->programme_id, false);
    if (!programme)
        return;
    if (programme->status != HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_OPEN) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "programme_id", "the programme is closed");
        return;
    }
    Hetao__V1__FundingCall round = HETAO__V1__FUNDING_CALL__INIT;
    int64_t now = ht_call_now_us (call);
    round.id = (char *) wire_uuid (call);
    round.programme_id = request->programme_id;
    round.name = request->name;
    round.has_opens_at_us = round.has_closes_at_us = true;
    round.has_created_at_us = round.has_updated_at_us = true;
    round.opens_at_us = request->opens_at_us;
    round.closes_at_us = request->closes_at_us;
    round.created_at_us = round.updated_at_us = now;
    ht_call_write (call, "funding_call_insert", HT_ARGS (
        round.id, round.programme_id, round.name, ht_call_int (call, round.opens_at_us),
        ht_call_int (call, round.closes_at_us), ht_call_int (call, now)));
    s_reply_and_emit (call, "funding.call.opened", &round);
}

void
funding_call_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetCallRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__FundingCall *round = funding_call_load (call, "id", request->id);
    if (round)
        s_reply_and_emit (call, NULL, round);
}

void
funding_call_close (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CloseCallRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id) || !ht_call_lock (call, "call", request->id))
        return;
    Hetao__V1__FundingCall *round = s_load (call, "id", request->id, "funding_call_get_for_update");
    if (!round)
        return;
    int64_t now = ht_call_now_us (call);
    if (round->closes_at_us <= now) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the call is already closed");
        return;
    }
    if (round->opens_at_us >= now) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the call has not opened yet");
        return;
    }
    round->closes_at_us = round->updated_at_us = now;
    ht_call_write (call, "funding_call_close", HT_ARGS (round->id, ht_call_int (call, now)));
    s_reply_and_emit (call, "funding.call.closed", round);
}

void
funding_call_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListCallsRequest *request = (const void *) message;
    if (request->programme_id && !ht_call_check_uuid (call, "programme_id", request->programme_id))
        return;
    PGresult *result = ht_call_query (call, "funding_call_list", HT_ARGS (request->programme_id));
    if (!result)
        return;
    Hetao__V1__ListCallsReply reply = HETAO__V1__LIST_CALLS_REPLY__INIT;
    int rows = PQntuples (result);
    reply.calls = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.calls [reply.n_calls++] = s_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

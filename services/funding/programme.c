/*  programme - funding programmes: create, get, list, adjust the budget, open and close

    A programme holds its budget split into available, committed and paid;
    the three always sum to the budget (a CHECK), and available never goes
    below zero (a CHECK), so no interleaving of awards can overspend it.
    Every change of the budget is a journal entry against the `source`
    account.
*/

#include "programme.h"
#include "funding_rules.h"
#include "ledger.h"
#include "parties.h"
#include "wire.h"

#include <string.h>

#define NAME_MAX_CHARS   200
#define REASON_MAX_CHARS 500
#define LIST_MAX         500

#define PROGRAMME_COLUMNS \
    "id, name, agency_id, budget, available, committed, paid, starts_on::text, ends_on::text," \
    " status, version, " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t programme_queries [] = {
    { "programme_insert",
      "INSERT INTO programme (id, name, agency_id, currency, budget, available, committed, paid,"
      " starts_on, ends_on, status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3::uuid, 'CNY', $4::bigint, $4::bigint, 0, 0, $5::date, $6::date,"
      " 'open', 1, " HT_SQL_FROM_US (7) ", " HT_SQL_FROM_US (7) ")" },
    { "programme_get",
      "SELECT " PROGRAMME_COLUMNS " FROM programme WHERE id = $1::uuid" },
    { "programme_get_for_update",
      "SELECT " PROGRAMME_COLUMNS " FROM programme WHERE id = $1::uuid FOR UPDATE" },
    { "programme_list",
      "SELECT " PROGRAMME_COLUMNS " FROM programme WHERE $1::text IS NULL OR status = $1"
      " ORDER BY created_at, id LIMIT 500" },
    { "programme_move",
      "UPDATE programme SET budget = budget + $2::bigint, available = available + $3::bigint,"
      " committed = committed + $4::bigint, paid = paid + $5::bigint,"
      " updated_at = " HT_SQL_FROM_US (6) " WHERE id = $1::uuid" },
    { "programme_store",
      "UPDATE programme SET status = $2, status_reason = $3, version = $4::bigint,"
      " updated_at = " HT_SQL_FROM_US (5) " WHERE id = $1::uuid" },
    { "programme_version",
      "UPDATE programme SET version = $2::bigint WHERE id = $1::uuid" },
    { NULL, NULL }
};

const ht_constraint_t programme_constraints [] = {
    { "programme_available_not_negative", HT_FAILED_PRECONDITION, "amount",
      "the programme's available budget is not enough" },
    { "programme_period", HT_INVALID_ARGUMENT, "ends_on", "must be after starts_on" },
    { NULL }
};

//  ---------------------------------------------------------------------------

static Hetao__V1__Programme *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Programme *programme = ht_arena_alloc (ht_call_arena (call), sizeof *programme);
    hetao__v1__programme__init (programme);
    programme->id = PQgetvalue (result, row, 0);
    programme->name = PQgetvalue (result, row, 1);
    programme->agency_id = PQgetvalue (result, row, 2);
    programme->budget = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 3));
    programme->available = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 4));
    programme->committed = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 5));
    programme->paid = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 6));
    programme->starts_on = PQgetvalue (result, row, 7);
    programme->ends_on = PQgetvalue (result, row, 8);
    programme->has_status = true;
    programme->status = ht_row_enum (&hetao__v1__programme_status__descriptor, PQgetvalue (result, row, 9));
    programme->has_version = programme->has_created_at_us = programme->has_updated_at_us = true;
    programme->version = ht_row_int (result, row, 10);
    programme->created_at_us = ht_row_int (result, row, 11);
    programme->updated_at_us = ht_row_int (result, row, 12);
    return programme;
}

Hetao__V1__Programme *
programme_load (ht_call_t *call, const char *field, const char *id, bool lock)
{
    if (lock && !ht_call_lock (call, "programme", id))
        return NULL;
    PGresult *result = ht_row_find_as (call, lock? "programme_get_for_update": "programme_get",
                                       field, "programme", id);
    return result? s_from_row (call, result, 0): NULL;
}

void
programme_shift (ht_call_t *call, const char *id,
                 int64_t budget, int64_t available, int64_t committed, int64_t paid)
{
    ht_call_write (call, "programme_move", HT_ARGS (
        id, ht_call_int (call, budget), ht_call_int (call, available),
        ht_call_int (call, committed), ht_call_int (call, paid),
        ht_call_int (call, ht_call_now_us (call))));
}

void
programme_move (ht_call_t *call, Hetao__V1__Programme *programme,
                int64_t budget, int64_t available, int64_t committed, int64_t paid)
{
    programme->budget->minor_units += budget;
    programme->available->minor_units += available;
    programme->committed->minor_units += committed;
    programme->paid->minor_units += paid;
    programme->updated_at_us = ht_call_now_us (call);
    programme_shift (call, programme->id, budget, available, committed, paid);
}

static void
s_reply (ht_call_t *call, Hetao__V1__Programme *programme)
{
    ht_row_reply (call, &hetao__v1__programme_reply__descriptor, &programme->base);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Programme *programme,
        Hetao__V1__Money *delta, const char *reason)
{
    Hetao__V1__ProgrammeEvent event = HETAO__V1__PROGRAMME_EVENT__INIT;
    event.programme = programme;
    event.delta = delta;
    event.reason = (char *) reason;
    ht_call_emit (call, type, programme->id, &event.base);
}

//  ---------------------------------------------------------------------------
//  Methods

void
programme_create (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CreateProgrammeRequest *request = (const void *) message;
    ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    bool agency_ok = ht_call_check_uuid (call, "agency_id", request->agency_id);
    int64_t budget = 0;
    wire_check_money (call, "budget", request->budget, FUNDING_CURRENCY, false, &budget);
    bool dates_ok = wire_check_date (call, "starts_on", request->starts_on);
    dates_ok = wire_check_date (call, "ends_on", request->ends_on) && dates_ok;
    if (dates_ok && strcmp (request->ends_on, request->starts_on) <= 0)
        ht_call_violation (call, "ends_on", "must be after starts_on (%s)", request->starts_on);
    if (ht_call_failed (call) || !agency_ok)
        return;
    ht_regview_org_t agency;
    if (!party_organization (call, "agency_id", request->agency_id, &agency))
        return;

    Hetao__V1__Programme programme = HETAO__V1__PROGRAMME__INIT;
    int64_t now = ht_call_now_us (call);
    programme.id = (char *) wire_uuid (call);
    programme.name = request->name;
    programme.agency_id = request->agency_id;
    programme.budget = wire_money (call, FUNDING_CURRENCY, budget);
    programme.available = wire_money (call, FUNDING_CURRENCY, budget);
    programme.committed = wire_money (call, FUNDING_CURRENCY, 0);
    programme.paid = wire_money (call, FUNDING_CURRENCY, 0);
    programme.starts_on = request->starts_on;
    programme.ends_on = request->ends_on;
    programme.has_status = true;
    programme.status = HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_OPEN;
    programme.has_version = programme.has_created_at_us = programme.has_updated_at_us = true;
    programme.version = 1;
    programme.created_at_us = programme.updated_at_us = now;
    ht_call_write (call, "programme_insert", HT_ARGS (
        programme.id, programme.name, programme.agency_id, ht_call_int (call, budget),
        programme.starts_on, programme.ends_on, ht_call_int (call, now)));
    ledger_post (call, programme.id, "budget", programme.id, NULL,
                 LEDGER_SOURCE, LEDGER_AVAILABLE, budget);
    s_emit (call, "funding.programme.created", &programme, programme.budget, NULL);
    s_reply (call, &programme);
}

void
programme_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetProgrammeRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Programme *programme = programme_load (call, "id", request->id, false);
    if (programme)
        s_reply (call, programme);
}

void
programme_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListProgrammesRequest *request = (const void *) message;
    if (request->has_status
    &&  !ht_call_check_enum (call, "status", true, request->status, &hetao__v1__programme_status__descriptor))
        return;
    PGresult *result = ht_call_query (call, "programme_list", HT_ARGS (
        request->has_status? ht_row_key (call, &hetao__v1__programme_status__descriptor, request->status): NULL));
    if (!result)
        return;
    Hetao__V1__ListProgrammesReply reply = HETAO__V1__LIST_PROGRAMMES_REPLY__INIT;
    int rows = PQntuples (result);
    reply.programmes = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows && row < LIST_MAX; row++)
        reply.programmes [reply.n_programmes++] = s_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

void
programme_adjust_budget (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AdjustProgrammeBudgetRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    int64_t delta = 0;
    wire_check_money (call, "delta", request->delta, FUNDING_CURRENCY, true, &delta);
    ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Programme *programme = programme_load (call, "id", request->id, true);
    if (!programme)
        return;
    int64_t budget;
    if (!ht_money_add (programme->budget->minor_units, delta, &budget)) {
        ht_call_violation (call, "delta", "the budget would overflow");
        return;
    }
    if (delta < 0 && programme->available->minor_units < -delta) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "delta",
                      "the budget cannot go below what is committed and paid: %s is available, "
                      "the decrease is %s",
                      wire_money_text (call, FUNDING_CURRENCY, programme->available->minor_units),
                      wire_money_text (call, FUNDING_CURRENCY, -delta));
        return;
    }
    programme_move (call, programme, delta, delta, 0, 0);
    //  A new budget is a new version of the programme: followers keep an
    //  event only when its version is above the one they hold.
    programme->version++;
    ht_call_write (call, "programme_version", HT_ARGS (programme->id, ht_call_int (call, programme->version)));
    if (delta > 0)
        ledger_post (call, programme->id, "budget_adjustment", programme->id, NULL,
                     LEDGER_SOURCE, LEDGER_AVAILABLE, delta);
    else
        ledger_post (call, programme->id, "budget_adjustment", programme->id, NULL,
                     LEDGER_AVAILABLE, LEDGER_SOURCE, -delta);
    s_emit (call, "funding.programme.budget_adjusted", programme,
            wire_money (call, FUNDING_CURRENCY, delta), request->reason);
    s_reply (call, programme);
}

void
programme_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetProgrammeStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__programme_status__descriptor);
    if (request->reason)
        ht_call_check_text (call, "reason", request->reason, 0, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Programme *programme = programme_load (call, "id", request->id, true);
    if (!programme)
        return;
    if (!programme_status_allowed (programme->status, request->status)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "status", "the programme is already %s",
                      ht_row_key (call, &hetao__v1__programme_status__descriptor, programme->status));
        return;
    }
    programme->status = request->status;
    programme->version++;
    programme->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "programme_store", HT_ARGS (
        programme->id, ht_row_key (call, &hetao__v1__programme_status__descriptor, programme->status),
        request->reason && *request->reason? request->reason: NULL,
        ht_call_int (call, programme->version), ht_call_int (call, programme->updated_at_us)));
    s_emit (call, "funding.programme.status_changed", programme, NULL, request->reason);
    s_reply (call, programme);
}

/*  award - awards made from approved applications, with their tranche schedules

    Making an award reserves the programme's budget: under the programme's
    ordering lock and row lock the available balance is read, compared and
    moved to committed in the same transaction, and the CHECK that available
    never goes below zero stands behind it. However many awards race, the
    sum committed never exceeds the budget.
*/

#include "award.h"
#include "application.h"
#include "ledger.h"
#include "programme.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define TRANCHES_MAX 120

#define AWARD_COLUMNS \
    "a.id, a.application_id, a.programme_id, a.organization_id, a.project_id, a.amount," \
    " a.in_payment, a.paid, a.version, " HT_SQL_US ("a.created_at") ", " \
    HT_SQL_US ("a.updated_at") "," \
    " (SELECT string_agg(t.due_on::text || ':' || t.amount, ',' ORDER BY t.position)" \
    "  FROM tranche t WHERE t.award_id = a.id)"

const ht_query_t award_queries [] = {
    { "award_insert",
      "INSERT INTO award (id, application_id, programme_id, organization_id, project_id, currency,"
      " amount, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, 'CNY', $6::bigint, 1,"
      " " HT_SQL_FROM_US (7) ", " HT_SQL_FROM_US (7) ")" },
    { "tranche_insert",
      "INSERT INTO tranche (award_id, position, due_on, amount)"
      " VALUES ($1::uuid, $2::int, $3::date, $4::bigint)" },
    { "award_get",
      "SELECT " AWARD_COLUMNS " FROM award a WHERE a.id = $1::uuid" },
    { "award_get_for_update",
      "SELECT " AWARD_COLUMNS " FROM award a WHERE a.id = $1::uuid FOR UPDATE" },
    { "award_list",
      "SELECT " AWARD_COLUMNS " FROM award a"
      " WHERE ($1::uuid IS NULL OR a.programme_id = $1::uuid)"
      "   AND ($2::uuid IS NULL OR a.organization_id = $2::uuid)"
      " ORDER BY a.created_at, a.id LIMIT 500" },
    { "award_move",
      "UPDATE award SET in_payment = in_payment + $2::bigint, paid = paid + $3::bigint,"
      " version = version + 1, updated_at = " HT_SQL_FROM_US (4) " WHERE id = $1::uuid" },
    { NULL, NULL }
};

const ht_constraint_t award_constraints [] = {
    { "award_application_key", HT_ALREADY_EXISTS, "application_id",
      "the application already has an award" },
    { "award_not_overpaid", HT_FAILED_PRECONDITION, "amount",
      "more than the award would be paid" },
    { NULL }
};

//  ---------------------------------------------------------------------------

static Hetao__V1__Award *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__Award *award = ht_arena_alloc (arena, sizeof *award);
    hetao__v1__award__init (award);
    award->id = PQgetvalue (result, row, 0);
    award->application_id = PQgetvalue (result, row, 1);
    award->programme_id = PQgetvalue (result, row, 2);
    award->organization_id = PQgetvalue (result, row, 3);
    award->project_id = PQgetvalue (result, row, 4);
    award->amount = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 5));
    award->in_payment = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 6));
    award->paid = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 7));
    award->has_version = award->has_created_at_us = award->has_updated_at_us = true;
    award->version = ht_row_int (result, row, 8);
    award->created_at_us = ht_row_int (result, row, 9);
    award->updated_at_us = ht_row_int (result, row, 10);
    //  "2027-01-01:9250000000,2028-01-01:9250000000"
    char *list = ht_arena_strdup (arena, ht_row_text (result, row, 11)? PQgetvalue (result, row, 11): "");
    award->tranches = ht_arena_alloc (arena, sizeof (void *) * (strlen (list) / 12 + 1));
    for (char *save, *part = strtok_r (list, ",", &save); part; part = strtok_r (NULL, ",", &save)) {
        char *colon = strchr (part, ':');
        if (!colon)
            continue;
        *colon = 0;
        Hetao__V1__Tranche *tranche = ht_arena_alloc (arena, sizeof *tranche);
        hetao__v1__tranche__init (tranche);
        tranche->due_on = part;
        tranche->amount = wire_money (call, FUNDING_CURRENCY, strtoll (colon + 1, NULL, 10));
        award->tranches [award->n_tranches++] = tranche;
    }
    return award;
}

Hetao__V1__Award *
award_load (ht_call_t *call, const char *field, const char *id, bool lock)
{
    if (lock && !ht_call_lock (call, "award", id))
        return NULL;
    PGresult *result = ht_row_find_as (call, lock? "award_get_for_update": "award_get", field, "award", id);
    return result? s_from_row (call, result, 0): NULL;
}

void
award_move (ht_call_t *call, Hetao__V1__Award *award, int64_t in_payment, int64_t paid)
{
    award->in_payment->minor_units += in_payment;
    award->paid->minor_units += paid;
    award->version++;
    award->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "award_move", HT_ARGS (
        award->id, ht_call_int (call, in_payment), ht_call_int (call, paid),
        ht_call_int (call, award->updated_at_us)));
}

static void
s_reply (ht_call_t *call, Hetao__V1__Award *award)
{
    ht_row_reply (call, &hetao__v1__award_reply__descriptor, &award->base);
}

//  Checks the schedule: due dates in order, each amount in CNY and more
//  than zero, the amounts summing to `amount`.
static void
s_check_tranches (ht_call_t *call, const Hetao__V1__MakeAwardRequest *request, int64_t amount)
{
    if (request->n_tranches == 0 || request->n_tranches > TRANCHES_MAX) {
        ht_call_violation (call, "tranches", "must list 1 to %d tranches (due date, amount), "
                           "summing to the amount", TRANCHES_MAX);
        return;
    }
    int64_t *amounts = ht_arena_alloc (ht_call_arena (call), sizeof (int64_t) * request->n_tranches);
    for (size_t i = 0; i < request->n_tranches; i++) {
        const Hetao__V1__Tranche *tranche = request->tranches [i];
        if (!wire_check_date (call, "tranches.due_on", tranche->due_on)
        ||  !wire_check_money (call, "tranches.amount", tranche->amount, FUNDING_CURRENCY, false, &amounts [i]))
            return;
        if (i > 0 && strcmp (tranche->due_on, request->tranches [i - 1]->due_on) <= 0) {
            ht_call_violation (call, "tranches.due_on", "due dates must be in order, each after "
                               "the one before: %s follows %s", tranche->due_on,
                               request->tranches [i - 1]->due_on);
            return;
        }
    }
    int64_t sum;
    if (!funding_sum (amounts, request->n_tranches, &sum))
        ht_call_violation (call, "tranches", "the tranches overflow when summed");
    else
    if (amount && sum != amount)
        ht_call_violation (call, "tranches", "the tranches sum to %s, not the award's amount %s",
                           wire_money_text (call, FUNDING_CURRENCY, sum),
                           wire_money_text (call, FUNDING_CURRENCY, amount));
}

//  ---------------------------------------------------------------------------
//  Methods

void
award_make (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__MakeAwardRequest *request = (const void *) message;
    ht_call_check_uuid (call, "application_id", request->application_id);
    int64_t amount = 0;
    wire_check_money (call, "amount", request->amount, FUNDING_CURRENCY, false, &amount);
    s_check_tranches (call, request, amount);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Application *application = application_load (call, "application_id",
                                                            request->application_id, true);
    if (!application)
        return;
    if (application->status != HETAO__V1__APPLICATION_STATUS__APPLICATION_STATUS_APPROVED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "application_id", "the application is %s; "
                      "only an approved application is awarded",
                      ht_row_key (call, &hetao__v1__application_status__descriptor, application->status));
        return;
    }
    if (amount > application->amount->minor_units) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "amount", "%s is more than the %s applied for",
                      wire_money_text (call, FUNDING_CURRENCY, amount),
                      wire_money_text (call, FUNDING_CURRENCY, application->amount->minor_units));
        return;
    }
    Hetao__V1__Programme *programme = programme_load (call, "application_id",
                                                      application->programme_id, true);
    if (!programme)
        return;
    if (programme->status != HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_OPEN) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "application_id", "the programme is closed");
        return;
    }
    if (programme->available->minor_units < amount) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "amount", "the programme has %s available; "
                      "the award needs %s",
                      wire_money_text (call, FUNDING_CURRENCY, programme->available->minor_units),
                      wire_money_text (call, FUNDING_CURRENCY, amount));
        return;
    }

    Hetao__V1__Award award = HETAO__V1__AWARD__INIT;
    int64_t now = ht_call_now_us (call);
    award.id = (char *) wire_uuid (call);
    award.application_id = application->id;
    award.programme_id = programme->id;
    award.organization_id = application->organization_id;
    award.project_id = application->project_id;
    award.amount = wire_money (call, FUNDING_CURRENCY, amount);
    award.in_payment = wire_money (call, FUNDING_CURRENCY, 0);
    award.paid = wire_money (call, FUNDING_CURRENCY, 0);
    award.n_tranches = request->n_tranches;
    award.tranches = request->tranches;
    award.has_version = award.has_created_at_us = award.has_updated_at_us = true;
    award.version = 1;
    award.created_at_us = award.updated_at_us = now;
    ht_call_write (call, "award_insert", HT_ARGS (
        award.id, award.application_id, award.programme_id, award.organization_id,
        award.project_id, ht_call_int (call, amount), ht_call_int (call, now)));
    for (size_t i = 0; i < request->n_tranches; i++)
        ht_call_write (call, "tranche_insert", HT_ARGS (
            award.id, ht_call_int (call, (int64_t) i + 1), request->tranches [i]->due_on,
            ht_call_int (call, request->tranches [i]->amount->minor_units)));
    programme_move (call, programme, 0, -amount, amount, 0);
    ledger_post (call, programme->id, "award", award.id, award.id,
                 LEDGER_AVAILABLE, LEDGER_COMMITTED, amount);
    Hetao__V1__AwardEvent event = HETAO__V1__AWARD_EVENT__INIT;
    event.award = &award;
    ht_call_emit (call, "funding.award.made", award.id, &event.base);
    s_reply (call, &award);
}

void
award_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetAwardRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Award *award = award_load (call, "id", request->id, false);
    if (award && ht_call_acts_for (call, "id", award->organization_id))
        s_reply (call, award);
}

void
award_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListAwardsRequest *request = (const void *) message;
    if (request->programme_id)
        ht_call_check_uuid (call, "programme_id", request->programme_id);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (ht_call_failed (call) || !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;
    PGresult *result = ht_call_query (call, "award_list", HT_ARGS (request->programme_id,
                                                                    request->organization_id));
    if (!result)
        return;
    Hetao__V1__ListAwardsReply reply = HETAO__V1__LIST_AWARDS_REPLY__INIT;
    int rows = PQntuples (result);
    reply.awards = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.awards [reply.n_awards++] = s_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

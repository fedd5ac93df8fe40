/*  disbursement - payments against an award: request, approve, pay or fail

    A request reserves its amount on the award (in payment) under the
    award's ordering lock and row lock, so racing requests never reserve
    more than the award; the award's CHECK (in_payment + paid <= amount)
    stands behind it. Paying moves the amount from in payment to paid;
    failing releases it. A payee in Hong Kong or Macao is paid in HKD or
    MOP at the exact rate given with the request, the converted amount
    rounded half-even to the payee currency's minor unit; the award and the
    ledger stay in CNY.
*/

#include "disbursement.h"
#include "award.h"
#include "funding_rules.h"
#include "ledger.h"
#include "parties.h"
#include "programme.h"
#include "wire.h"

#include <string.h>

#define REASON_MAX_CHARS 500

#define D(name) HETAO__V1__DISBURSEMENT_STATUS__DISBURSEMENT_STATUS_ ## name

#define DISBURSEMENT_COLUMNS \
    "id, award_id, programme_id, amount, payee_currency, rate_text, payee_amount, status," \
    " status_reason, version, " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t disbursement_queries [] = {
    { "disbursement_insert",
      "INSERT INTO disbursement (id, award_id, programme_id, currency, amount, payee_currency, rate,"
      " rate_text, payee_amount, status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, 'CNY', $4::bigint, $5, $6::numeric, $6, $7::bigint,"
      " 'requested', 1, " HT_SQL_FROM_US (8) ", " HT_SQL_FROM_US (8) ")" },
    { "disbursement_get",
      "SELECT " DISBURSEMENT_COLUMNS " FROM disbursement WHERE id = $1::uuid" },
    { "disbursement_get_for_update",
      "SELECT " DISBURSEMENT_COLUMNS " FROM disbursement WHERE id = $1::uuid FOR UPDATE" },
    { "disbursement_list",
      "SELECT " DISBURSEMENT_COLUMNS " FROM disbursement WHERE award_id = $1::uuid"
      " ORDER BY created_at, id" },
    { "disbursement_store",
      "UPDATE disbursement SET status = $2, status_reason = $3, version = $4::bigint,"
      " updated_at = " HT_SQL_FROM_US (5) " WHERE id = $1::uuid" },
    { NULL, NULL }
};

const ht_constraint_t disbursement_constraints [] = {
    { NULL }
};

//  ---------------------------------------------------------------------------

static Hetao__V1__Disbursement *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Disbursement *d = ht_arena_alloc (ht_call_arena (call), sizeof *d);
    hetao__v1__disbursement__init (d);
    d->id = PQgetvalue (result, row, 0);
    d->award_id = PQgetvalue (result, row, 1);
    d->programme_id = PQgetvalue (result, row, 2);
    d->amount = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 3));
    d->payee_currency = PQgetvalue (result, row, 4);
    d->rate = PQgetvalue (result, row, 5);
    d->payee_amount = wire_money (call, d->payee_currency, ht_row_int (result, row, 6));
    d->has_status = true;
    d->status = ht_row_enum (&hetao__v1__disbursement_status__descriptor, PQgetvalue (result, row, 7));
    d->status_reason = ht_row_text (result, row, 8);
    d->has_version = d->has_created_at_us = d->has_updated_at_us = true;
    d->version = ht_row_int (result, row, 9);
    d->created_at_us = ht_row_int (result, row, 10);
    d->updated_at_us = ht_row_int (result, row, 11);
    return d;
}

static void
s_reply_and_emit (ht_call_t *call, Hetao__V1__Disbursement *d, Hetao__V1__DisbursementStatus previous)
{
    const char *status = ht_row_key (call, &hetao__v1__disbursement_status__descriptor, d->status);
    ht_row_emit (call, ht_arena_printf (ht_call_arena (call), "funding.disbursement.%s", status),
                 &hetao__v1__disbursement_event__descriptor, &d->base, (int) previous);
    ht_row_reply (call, &hetao__v1__disbursement_reply__descriptor, &d->base);
}

//  Decides the payee currency and rate for a payee in `region`, and the
//  converted amount. False (with a violation) when the request does not fit.
static bool
s_payee (ht_call_t *call, const Hetao__V1__RequestDisbursementRequest *request, const char *region,
         int64_t amount, const char **currency, const char **rate_text, int64_t *payee_amount)
{
    //  Hong Kong and Macao payees are paid in their own currency; a payee
    //  elsewhere in CNY unless the request names another currency and a rate.
    const char *expected = funding_payee_currency (region);
    bool fixed = expected && strcmp (expected, FUNDING_CURRENCY);
    const char *given = request->payee_currency;
    if (given && !ht_money_currency_known (given)) {
        char known [64];
        ht_money_currencies (known, sizeof known);
        ht_call_violation (call, "payee_currency", "'%s' is not one of %s", given, known);
        return false;
    }
    if (fixed && given && strcmp (expected, given)) {
        ht_call_violation (call, "payee_currency", "a payee in %s is paid in %s, not %s",
                           region, expected, given);
        return false;
    }
    *currency = given? given: expected? expected: FUNDING_CURRENCY;
    if (!strcmp (*currency, FUNDING_CURRENCY)) {
        if (request->rate && strcmp (request->rate, "1")) {
            ht_call_violation (call, "rate", "a payee paid in %s takes no exchange rate", FUNDING_CURRENCY);
            return false;
        }
        *rate_text = "1";
        *payee_amount = amount;
        return true;
    }
    if (!request->rate) {
        ht_call_violation (call, "rate", "is required for a payment in %s: %s per %s, exact decimal "
                           "text such as 1.0856", *currency, *currency, FUNDING_CURRENCY);
        return false;
    }
    ht_rate_t rate;
    ht_money_status_t status = ht_rate_parse (request->rate, &rate);
    if (status != HT_MONEY_OK) {
        ht_call_violation (call, "rate", "'%s': %s (a positive decimal, at most %d decimals)",
                           request->rate, ht_money_status_text (status), HT_RATE_DECIMALS_MAX);
        return false;
    }
    if (ht_money_convert (amount, FUNDING_CURRENCY, &rate, *currency, payee_amount) != HT_MONEY_OK) {
        ht_call_violation (call, "amount", "the converted amount is out of range");
        return false;
    }
    *rate_text = request->rate;
    return true;
}

//  ---------------------------------------------------------------------------
//  Methods

void
disbursement_request (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RequestDisbursementRequest *request = (const void *) message;
    ht_call_check_uuid (call, "award_id", request->award_id);
    int64_t amount = 0;
    wire_check_money (call, "amount", request->amount, FUNDING_CURRENCY, false, &amount);
    if (request->rate)
        ht_call_check_text (call, "rate", request->rate, 1, 40);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Award *award = award_load (call, "award_id", request->award_id, true);
    if (!award)
        return;
    int64_t left = award->amount->minor_units - award->in_payment->minor_units - award->paid->minor_units;
    if (amount > left) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "amount", "the award has %s left to pay "
                      "(%s paid, %s in payment); %s is more",
                      wire_money_text (call, FUNDING_CURRENCY, left),
                      wire_money_text (call, FUNDING_CURRENCY, award->paid->minor_units),
                      wire_money_text (call, FUNDING_CURRENCY, award->in_payment->minor_units),
                      wire_money_text (call, FUNDING_CURRENCY, amount));
        return;
    }
    ht_regview_org_t payee;
    if (!party_organization (call, "award_id", award->organization_id, &payee))
        return;
    const char *currency, *rate_text;
    int64_t payee_amount;
    if (!s_payee (call, request, party_region (call, &payee), amount, &currency, &rate_text, &payee_amount))
        return;

    Hetao__V1__Disbursement d = HETAO__V1__DISBURSEMENT__INIT;
    int64_t now = ht_call_now_us (call);
    d.id = (char *) wire_uuid (call);
    d.award_id = award->id;
    d.programme_id = award->programme_id;
    d.amount = wire_money (call, FUNDING_CURRENCY, amount);
    d.payee_currency = (char *) currency;
    d.rate = (char *) rate_text;
    d.payee_amount = wire_money (call, currency, payee_amount);
    d.has_status = true;
    d.status = D(REQUESTED);
    d.has_version = d.has_created_at_us = d.has_updated_at_us = true;
    d.version = 1;
    d.created_at_us = d.updated_at_us = now;
    ht_call_write (call, "disbursement_insert", HT_ARGS (
        d.id, d.award_id, d.programme_id, ht_call_int (call, amount), currency, rate_text,
        ht_call_int (call, payee_amount), ht_call_int (call, now)));
    award_move (call, award, amount, 0);
    ledger_post (call, award->programme_id, "disbursement_requested", d.id, award->id,
                 LEDGER_COMMITTED, LEDGER_IN_PAYMENT, amount);
    s_reply_and_emit (call, &d, 0);
}

//  Approve, pay, fail: one move along the table, with its money.
static void
s_act (ht_call_t *call, const ProtobufCMessage *message, disbursement_action_t action)
{
    const Hetao__V1__DisbursementActionRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (action == DISBURSEMENT_FAIL)
        ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    else
    if (request->reason)
        ht_call_check_text (call, "reason", request->reason, 0, REASON_MAX_CHARS);
    if (ht_call_failed (call) || !ht_call_lock (call, "disbursement", request->id))
        return;
    PGresult *result = ht_row_find (call, "disbursement_get_for_update", "disbursement", request->id);
    if (!result)
        return;
    Hetao__V1__Disbursement *d = s_from_row (call, result, 0);
    Hetao__V1__DisbursementStatus previous = d->status;
    Hetao__V1__DisbursementStatus next = disbursement_next (previous, action);
    if (!next) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "a disbursement that is %s cannot %s",
                      ht_row_key (call, &hetao__v1__disbursement_status__descriptor, previous),
                      disbursement_action_name (action));
        return;
    }
    int64_t amount = d->amount->minor_units;
    if (action != DISBURSEMENT_APPROVE) {
        Hetao__V1__Award *award = award_load (call, "id", d->award_id, true);
        if (!award)
            return;
        if (action == DISBURSEMENT_PAY) {
            award_move (call, award, -amount, amount);
            programme_shift (call, award->programme_id, 0, 0, -amount, amount);
            ledger_post (call, award->programme_id, "disbursement_paid", d->id, award->id,
                         LEDGER_IN_PAYMENT, LEDGER_PAID, amount);
        }
        else {
            award_move (call, award, -amount, 0);
            ledger_post (call, award->programme_id, "disbursement_failed", d->id, award->id,
                         LEDGER_IN_PAYMENT, LEDGER_COMMITTED, amount);
        }
    }
    d->status = next;
    if (request->reason)
        d->status_reason = *request->reason? request->reason: NULL;
    d->version++;
    d->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "disbursement_store", HT_ARGS (
        d->id, ht_row_key (call, &hetao__v1__disbursement_status__descriptor, next), d->status_reason,
        ht_call_int (call, d->version), ht_call_int (call, d->updated_at_us)));
    s_reply_and_emit (call, d, previous);
}

void
disbursement_approve (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, DISBURSEMENT_APPROVE);
}

void
disbursement_pay (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, DISBURSEMENT_PAY);
}

void
disbursement_fail (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, DISBURSEMENT_FAIL);
}

void
disbursement_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetDisbursementRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    PGresult *result = ht_row_find (call, "disbursement_get", "disbursement", request->id);
    if (!result)
        return;
    ht_row_reply (call, &hetao__v1__disbursement_reply__descriptor, &s_from_row (call, result, 0)->base);
}

void
disbursement_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListDisbursementsRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "award_id", request->award_id))
        return;
    PGresult *result = ht_call_query (call, "disbursement_list", HT_ARGS (request->award_id));
    if (!result)
        return;
    Hetao__V1__ListDisbursementsReply reply = HETAO__V1__LIST_DISBURSEMENTS_REPLY__INIT;
    int rows = PQntuples (result);
    reply.disbursements = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.disbursements [reply.n_disbursements++] = s_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

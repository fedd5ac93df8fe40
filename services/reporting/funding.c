/*  funding - programme budgets, awards committed, disbursements paid

    Follows the funding stream: a programme's budget, each award's amount
    (committed) and each disbursement's amount once paid, in the programme's
    currency's minor units; a disbursement whose payee currency differs from
    its amount's was paid across the boundary. The figures sum CNY only.
*/

#include "funding.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_text.h"
#include "hetao/v1/funding.pb-c.h"

#include <string.h>

const ht_query_t funding_queries [] = {
    { "funding_programme_store",
      "INSERT INTO report_programme AS p (id, currency, budget_minor, version)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::bigint)"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, budget_minor = EXCLUDED.budget_minor,"
      " version = EXCLUDED.version WHERE p.version < EXCLUDED.version" },
    { "funding_award_store",
      "INSERT INTO report_award AS a (id, currency, amount_minor, version)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::bigint)"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, amount_minor = EXCLUDED.amount_minor,"
      " version = EXCLUDED.version WHERE a.version < EXCLUDED.version" },
    { "funding_disbursement_store",
      "INSERT INTO report_disbursement AS d (id, currency, amount_minor, paid, cross_boundary, version)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::boolean, $5::boolean, $6::bigint)"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, amount_minor = EXCLUDED.amount_minor,"
      " paid = EXCLUDED.paid, cross_boundary = EXCLUDED.cross_boundary, version = EXCLUDED.version"
      " WHERE d.version < EXCLUDED.version" },
    { NULL, NULL }
};

static bool
s_money_valid (const Hetao__V1__Money *money)
{
    return money && money->currency && strlen (money->currency) == 3 && money->has_minor_units;
}

static bool
s_programme_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__ProgrammeEvent *payload = hetao__v1__programme_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Programme *p = payload? payload->programme: NULL;
    if (!p || !p->id || !ht_uuid_valid (p->id) || !p->has_version || !s_money_valid (p->budget))
        return stream_unreadable (event, "programme");
    return ht_consumer_tx_write (tx, "funding_programme_store", HT_ARGS (
        p->id, p->budget->currency, ht_consumer_tx_int (tx, p->budget->minor_units),
        ht_consumer_tx_int (tx, p->version)));
}

static bool
s_award_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__AwardEvent *payload = hetao__v1__award_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Award *a = payload? payload->award: NULL;
    if (!a || !a->id || !ht_uuid_valid (a->id) || !a->has_version || !s_money_valid (a->amount))
        return stream_unreadable (event, "award");
    return ht_consumer_tx_write (tx, "funding_award_store", HT_ARGS (
        a->id, a->amount->currency, ht_consumer_tx_int (tx, a->amount->minor_units),
        ht_consumer_tx_int (tx, a->version)));
}

static bool
s_disbursement_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__DisbursementEvent *payload = hetao__v1__disbursement_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Disbursement *d = payload? payload->disbursement: NULL;
    if (!d || !d->id || !ht_uuid_valid (d->id) || !d->has_version || !s_money_valid (d->amount))
        return stream_unreadable (event, "disbursement");
    bool paid = d->has_status && d->status == HETAO__V1__DISBURSEMENT_STATUS__DISBURSEMENT_STATUS_PAID;
    bool cross = d->payee_currency && *d->payee_currency && strcmp (d->payee_currency, d->amount->currency);
    return ht_consumer_tx_write (tx, "funding_disbursement_store", HT_ARGS (
        d->id, d->amount->currency, ht_consumer_tx_int (tx, d->amount->minor_units),
        stream_bool (paid), stream_bool (cross), ht_consumer_tx_int (tx, d->version)));
}

bool
funding_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    const char *type = event->type? event->type: "";
    if (!strncmp (type, "funding.programme.", 18))
        return s_programme_apply (tx, event);
    if (!strncmp (type, "funding.award.", 14))
        return s_award_apply (tx, event);
    if (!strncmp (type, "funding.disbursement.", 21))
        return s_disbursement_apply (tx, event);
    return true;                    //  calls, applications, reviews: not counted here
}

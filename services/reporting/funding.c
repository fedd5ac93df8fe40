/*  funding - programme budgets, awards committed, disbursements paid

    Follows the funding stream: a programme's budget, each award's amount
    (committed) and each disbursement's amount once paid, in the programme's
    currency's minor units; a disbursement whose payee currency differs from
    its amount's was paid across the boundary. The figures sum CNY only.
*/

#include "funding.h"
#include "stream.h"
#include "window.h"
#include "ht_row.h"
#include "hetao/v1/reporting.pb-c.h"
#include "ht_call.h"
#include "ht_text.h"
#include "hetao/v1/funding.pb-c.h"

#include <string.h>

const ht_query_t funding_queries [] = {
    { "funding_programme_store",
      "INSERT INTO report_programme AS p (id, currency, budget_minor, version, name)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::bigint, coalesce ($5, ''))"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, budget_minor = EXCLUDED.budget_minor,"
      " version = EXCLUDED.version, name = EXCLUDED.name WHERE p.version < EXCLUDED.version" },
    { "funding_award_store",
      "INSERT INTO report_award AS a (id, currency, amount_minor, version, programme_id, committed_on)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::bigint, $5::uuid, report_park_day ($6::bigint))"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, amount_minor = EXCLUDED.amount_minor,"
      " version = EXCLUDED.version, programme_id = EXCLUDED.programme_id, committed_on = EXCLUDED.committed_on"
      " WHERE a.version < EXCLUDED.version" },
    { "funding_disbursement_store",
      "INSERT INTO report_disbursement AS d (id, currency, amount_minor, paid, cross_boundary, version,"
      " programme_id, paid_on)"
      " VALUES ($1::uuid, $2, $3::bigint, $4::boolean, $5::boolean, $6::bigint, $7::uuid,"
      " CASE WHEN $4::boolean THEN report_park_day ($8::bigint) END)"
      " ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, amount_minor = EXCLUDED.amount_minor,"
      " paid = EXCLUDED.paid, cross_boundary = EXCLUDED.cross_boundary, version = EXCLUDED.version,"
      " programme_id = EXCLUDED.programme_id,"
      //  Paid on the day it first became paid; no longer once it is not.
      " paid_on = CASE WHEN EXCLUDED.paid THEN coalesce (d.paid_on, EXCLUDED.paid_on) END"
      " WHERE d.version < EXCLUDED.version" },
    { NULL, NULL }
};

static bool
s_money_valid (const Hetao__V1__Money *money)
{
    return money && money->currency && strlen (money->currency) == 3 && money->has_minor_units;
}

//  A programme id as a parameter: NULL (not counted per programme) unless a UUID.
static const char *
s_uuid_or_null (const char *id)
{
    return id && ht_uuid_valid (id)? id: NULL;
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
        ht_consumer_tx_int (tx, p->version), p->name));
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
        ht_consumer_tx_int (tx, a->version), s_uuid_or_null (a->programme_id),
        ht_consumer_tx_int (tx, a->has_created_at_us? a->created_at_us: event->occurred_at_us)));
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
        stream_bool (paid), stream_bool (cross), ht_consumer_tx_int (tx, d->version),
        s_uuid_or_null (d->programme_id),
        //  The event that makes it paid is its last change until then.
        ht_consumer_tx_int (tx, d->has_updated_at_us? d->updated_at_us: event->occurred_at_us)));
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

//  ---------------------------------------------------------------------------
//  reporting.FundingByProgramme: per programme, from the per-day amounts
//  (report_funding_day): up to the end of the window, and within it.

#define S_SUM(column, condition) \
    "coalesce (sum (f." column ") FILTER (WHERE " condition "), 0)::bigint"
#define S_UNTIL  "f.day < report_window_until ($2::bigint)"
#define S_INSIDE "f.day >= report_window_from ($1::bigint) AND " S_UNTIL

const ht_query_t funding_report_queries [] = {
    { "funding_by_programme",
      "SELECT p.id::text, p.name, p.currency, p.budget_minor,"
      " " S_SUM ("committed_minor", S_UNTIL) ", " S_SUM ("paid_minor", S_UNTIL) ","
      " " S_SUM ("paid_cross_boundary_minor", S_UNTIL) ","
      " " S_SUM ("committed_minor", S_INSIDE) ", " S_SUM ("paid_minor", S_INSIDE) ","
      " " S_SUM ("paid_cross_boundary_minor", S_INSIDE)
      " FROM report_programme p LEFT JOIN report_funding_day f ON f.programme_id = p.id"
      " GROUP BY p.id ORDER BY p.name, p.id" },
    { NULL, NULL }
};

void
funding_by_programme (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__FundingByProgrammeRequest *request = (const Hetao__V1__FundingByProgrammeRequest *) message;
    window_t window;
    if (!window_read (call, request->has_from_us, request->from_us, request->has_until_us, request->until_us,
                      &window))
        return;
    if (!ht_call_snapshot (call))           //  the figures and their "as of" agree
        return;
    PGresult *rows = ht_call_query (call, "funding_by_programme", HT_ARGS (window.from, window.until));
    if (!rows)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__FundingByProgrammeReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__funding_by_programme_reply__init (reply);
    reply->programmes = ht_arena_alloc (arena, ((size_t) PQntuples (rows) + 1) * sizeof (void *));
    for (int row = 0; row < PQntuples (rows); row++) {
        Hetao__V1__ProgrammeFunding *p = ht_arena_alloc (arena, sizeof *p);
        hetao__v1__programme_funding__init (p);
        p->programme_id = PQgetvalue (rows, row, 0);
        p->name = PQgetvalue (rows, row, 1);
        p->currency = PQgetvalue (rows, row, 2);
        int64_t *amounts [] = { &p->budget_minor, &p->committed_minor, &p->paid_minor,
                                &p->paid_cross_boundary_minor, &p->window_committed_minor,
                                &p->window_paid_minor, &p->window_paid_cross_boundary_minor };
        protobuf_c_boolean *present [] = { &p->has_budget_minor, &p->has_committed_minor, &p->has_paid_minor,
                                           &p->has_paid_cross_boundary_minor, &p->has_window_committed_minor,
                                           &p->has_window_paid_minor, &p->has_window_paid_cross_boundary_minor };
        for (int i = 0; i < 7; i++) {
            *amounts [i] = ht_row_int (rows, row, 3 + i);
            *present [i] = true;
        }
        reply->programmes [reply->n_programmes++] = p;
    }
    reply->has_from_us = reply->has_until_us = true;
    reply->from_us = request->has_from_us? request->from_us: 0;
    reply->until_us = request->has_until_us? request->until_us: 0;
    if (stream_as_of (call, &reply->as_of, &reply->n_as_of))
        ht_call_reply (call, &reply->base);
}

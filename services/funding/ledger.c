/*  ledger - the double-entry journal under every movement of money, and its check

    Each movement is an entry of two lines, +amount into one account and
    -amount out of another, written by the same transaction as the state
    change it records (programme and award balances) and its event. The
    balances on programme and award rows are what handlers reserve against
    under row locks; the journal is the independent record LedgerCheck holds
    them to.
*/

#include "ledger.h"
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ht_query_t ledger_queries [] = {
    { "ledger_post",
      "WITH entry AS ("
      "  INSERT INTO journal_entry (id, programme_id, kind, reference_id, currency, created_at)"
      "  VALUES ($1::uuid, $2::uuid, $3, $4::uuid, 'CNY', " HT_SQL_FROM_US (9) ") RETURNING id)"
      " INSERT INTO journal_line (entry_id, line, programme_id, account, award_id, amount)"
      " SELECT entry.id, line.n, $2::uuid, line.account, $5::uuid, line.amount"
      " FROM entry, (VALUES (1, $6, -$8::bigint), (2, $7, $8::bigint)) AS line (n, account, amount)" },
    //  Stored balances beside the journal's, per programme, in one snapshot.
    { "ledger_programmes",
      "SELECT p.id, p.budget, p.available, p.committed, p.paid,"
      " coalesce(-sum(l.amount) FILTER (WHERE l.account = 'source'), 0),"
      " coalesce(sum(l.amount) FILTER (WHERE l.account = 'available'), 0),"
      " coalesce(sum(l.amount) FILTER (WHERE l.account IN ('committed', 'in_payment')), 0),"
      " coalesce(sum(l.amount) FILTER (WHERE l.account = 'paid'), 0)"
      " FROM programme p LEFT JOIN journal_line l ON l.programme_id = p.id"
      " WHERE $1::uuid IS NULL OR p.id = $1::uuid"
      " GROUP BY p.id ORDER BY p.created_at, p.id" },
    //  Awards whose figures break a rule, with the journal's view of them.
    { "ledger_awards",
      "SELECT a.id, a.amount, a.in_payment, a.paid, j.committed, j.in_payment, j.paid"
      " FROM award a CROSS JOIN LATERAL ("
      "   SELECT coalesce(sum(amount) FILTER (WHERE account = 'committed'), 0) AS committed,"
      "          coalesce(sum(amount) FILTER (WHERE account = 'in_payment'), 0) AS in_payment,"
      "          coalesce(sum(amount) FILTER (WHERE account = 'paid'), 0) AS paid"
      "   FROM journal_line WHERE award_id = a.id) j"
      " WHERE ($1::uuid IS NULL OR a.programme_id = $1::uuid)"
      "   AND (a.paid > a.amount OR j.paid > a.amount OR a.in_payment + a.paid > a.amount"
      "        OR j.paid <> a.paid OR j.in_payment <> a.in_payment"
      "        OR j.committed <> a.amount - a.in_payment - a.paid)"
      " ORDER BY a.id" },
    //  Entries whose lines do not sum to zero, and how many entries there are.
    { "ledger_entries",
      "SELECT e.id, coalesce(sum(l.amount), 0), count(l.entry_id)"
      " FROM journal_entry e LEFT JOIN journal_line l ON l.entry_id = e.id"
      " WHERE $1::uuid IS NULL OR e.programme_id = $1::uuid"
      " GROUP BY e.id HAVING coalesce(sum(l.amount), 0) <> 0 OR count(l.entry_id) < 2" },
    { "ledger_entry_count",
      "SELECT count(*) FROM journal_entry WHERE $1::uuid IS NULL OR programme_id = $1::uuid" },
    { NULL, NULL }
};

void
ledger_post (ht_call_t *call, const char *programme_id, const char *kind,
             const char *reference_id, const char *award_id,
             const char *from, const char *to, int64_t amount)
{
    ht_call_write (call, "ledger_post", HT_ARGS (
        wire_uuid (call), programme_id, kind, reference_id, award_id, from, to,
        ht_call_int (call, amount), ht_call_int (call, ht_call_now_us (call))));
}

//  ---------------------------------------------------------------------------
//  LedgerCheck

typedef struct {
    Hetao__V1__LedgerBreach **items;
    size_t count, size;
} s_breaches_t;

static void
s_breach (ht_call_t *call, s_breaches_t *breaches, const char *rule, const char *subject,
          const char *format, ...) __attribute__ ((format (printf, 5, 6)));

static void
s_breach (ht_call_t *call, s_breaches_t *breaches, const char *rule, const char *subject,
          const char *format, ...)
{
    ht_arena_t *arena = ht_call_arena (call);
    if (breaches->count == breaches->size) {
        size_t size = breaches->size? breaches->size * 2: 16;
        Hetao__V1__LedgerBreach **items = ht_arena_alloc (arena, size * sizeof *items);
        for (size_t i = 0; i < breaches->count; i++)
            items [i] = breaches->items [i];
        breaches->items = items;
        breaches->size = size;
    }
    char detail [512];
    va_list args;
    va_start (args, format);
    vsnprintf (detail, sizeof detail, format, args);
    va_end (args);
    Hetao__V1__LedgerBreach *breach = ht_arena_alloc (arena, sizeof *breach);
    hetao__v1__ledger_breach__init (breach);
    breach->rule = ht_arena_strdup (arena, rule);
    breach->subject_id = ht_arena_strdup (arena, subject);
    breach->detail = ht_arena_strdup (arena, detail);
    breaches->items [breaches->count++] = breach;
}

static const char *
s_money (ht_call_t *call, int64_t minor)
{
    return wire_money_text (call, FUNDING_CURRENCY, minor);
}

static void
s_check_programmes (ht_call_t *call, const char *programme_id, Hetao__V1__LedgerCheckReply *reply,
                    s_breaches_t *breaches)
{
    PGresult *result = ht_call_query (call, "ledger_programmes", HT_ARGS (programme_id));
    if (!result)
        return;
    int rows = PQntuples (result);
    reply->programmes = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        const char *id = PQgetvalue (result, row, 0);
        int64_t budget = ht_row_int (result, row, 1), available = ht_row_int (result, row, 2);
        int64_t committed = ht_row_int (result, row, 3), paid = ht_row_int (result, row, 4);
        int64_t j_budget = ht_row_int (result, row, 5), j_available = ht_row_int (result, row, 6);
        int64_t j_committed = ht_row_int (result, row, 7), j_paid = ht_row_int (result, row, 8);

        Hetao__V1__ProgrammeBalance *balance = ht_arena_alloc (ht_call_arena (call), sizeof *balance);
        hetao__v1__programme_balance__init (balance);
        balance->programme_id = (char *) id;
        balance->budget = wire_money (call, FUNDING_CURRENCY, budget);
        balance->available = wire_money (call, FUNDING_CURRENCY, available);
        balance->committed = wire_money (call, FUNDING_CURRENCY, committed);
        balance->paid = wire_money (call, FUNDING_CURRENCY, paid);
        reply->programmes [reply->n_programmes++] = balance;

        int64_t sum;
        if (!ht_money_add (available, committed, &sum) || !ht_money_add (sum, paid, &sum) || sum != budget)
            s_breach (call, breaches, "programme_balance", id,
                      "available %s + committed %s + paid %s is not the budget %s",
                      s_money (call, available), s_money (call, committed), s_money (call, paid),
                      s_money (call, budget));
        if (j_budget != budget || j_available != available || j_committed != committed || j_paid != paid)
            s_breach (call, breaches, "programme_balance", id,
                      "the journal says budget %s, available %s, committed %s, paid %s; "
                      "the programme says %s, %s, %s, %s",
                      s_money (call, j_budget), s_money (call, j_available),
                      s_money (call, j_committed), s_money (call, j_paid),
                      s_money (call, budget), s_money (call, available),
                      s_money (call, committed), s_money (call, paid));
    }
}

static void
s_check_awards (ht_call_t *call, const char *programme_id, s_breaches_t *breaches)
{
    PGresult *result = ht_call_query (call, "ledger_awards", HT_ARGS (programme_id));
    if (!result)
        return;
    for (int row = 0; row < PQntuples (result); row++) {
        const char *id = PQgetvalue (result, row, 0);
        int64_t amount = ht_row_int (result, row, 1), in_payment = ht_row_int (result, row, 2);
        int64_t paid = ht_row_int (result, row, 3), j_committed = ht_row_int (result, row, 4);
        int64_t j_in_payment = ht_row_int (result, row, 5), j_paid = ht_row_int (result, row, 6);
        if (paid > amount || j_paid > amount)
            s_breach (call, breaches, "award_overpaid", id, "paid %s (journal %s) exceeds the award %s",
                      s_money (call, paid), s_money (call, j_paid), s_money (call, amount));
        if (j_paid != paid || j_in_payment != in_payment || j_committed != amount - in_payment - paid)
            s_breach (call, breaches, "award_balance", id,
                      "the journal says committed %s, in payment %s, paid %s; the award says "
                      "amount %s, in payment %s, paid %s",
                      s_money (call, j_committed), s_money (call, j_in_payment), s_money (call, j_paid),
                      s_money (call, amount), s_money (call, in_payment), s_money (call, paid));
    }
}

static uint64_t
s_check_entries (ht_call_t *call, const char *programme_id, s_breaches_t *breaches)
{
    PGresult *result = ht_call_query (call, "ledger_entries", HT_ARGS (programme_id));
    if (!result)
        return 0;
    for (int row = 0; row < PQntuples (result); row++) {
        const char *sum = PQgetvalue (result, row, 1);
        int64_t lines = ht_row_int (result, row, 2);
        s_breach (call, breaches, "entry_unbalanced", PQgetvalue (result, row, 0),
                      "%lld line(s) summing to %s minor units, not zero", (long long) lines, sum);
    }
    result = ht_call_query (call, "ledger_entry_count", HT_ARGS (programme_id));
    return result? (uint64_t) ht_row_int (result, 0, 0): 0;
}

void
ledger_check (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__LedgerCheckRequest *request = (const void *) message;
    if (request->programme_id && !ht_call_check_uuid (call, "programme_id", request->programme_id))
        return;
    Hetao__V1__LedgerCheckReply reply = HETAO__V1__LEDGER_CHECK_REPLY__INIT;
    s_breaches_t breaches = { NULL, 0, 0 };
    //  Programmes, awards and entries as of one moment.
    if (!ht_call_snapshot (call))
        return;
    s_check_programmes (call, request->programme_id, &reply, &breaches);
    s_check_awards (call, request->programme_id, &breaches);
    reply.has_entries_checked = true;
    reply.entries_checked = s_check_entries (call, request->programme_id, &breaches);
    if (ht_call_failed (call))
        return;
    reply.breaches = breaches.items;
    reply.n_breaches = breaches.count;
    reply.has_balanced = true;
    reply.balanced = breaches.count == 0;
    ht_call_reply (call, &reply.base);
}

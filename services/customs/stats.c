/*  stats - figures of assistance cases per category and period

    Over the cases opened in [from, until) (dates in Asia/Shanghai): how many
    were opened, are still open, were resolved, how many deadlines they
    breached, and the median time to first response and to resolution.
*/

#include "stats.h"
#include "settings.h"
#include "wire.h"

#include <string.h>

const ht_query_t stats_queries [] = {
    { "stats_period",
      "SELECT coalesce($1::date, " US_TO_DATE (3) " - 29)::text,"
      " coalesce($2::date, " US_TO_DATE (3) " + 1)::text" },
    { "stats_cases",
      "SELECT c.category, count(*),"
      " count(*) FILTER (WHERE c.status NOT IN ('resolved', 'closed')),"
      " count(*) FILTER (WHERE c.resolved_at IS NOT NULL),"
      " coalesce(sum(b.n), 0),"
      " round(percentile_cont(0.5) WITHIN GROUP"
      "   (ORDER BY extract(epoch FROM c.first_response_at - c.created_at)))::bigint,"
      " round(percentile_cont(0.5) WITHIN GROUP"
      "   (ORDER BY extract(epoch FROM c.resolved_at - c.created_at)))::bigint"
      " FROM assistance_case c"
      " CROSS JOIN LATERAL (SELECT count(*) AS n FROM case_deadline d"
      "   WHERE d.case_id = c.id AND d.breached_at IS NOT NULL) b"
      " WHERE c.created_at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')"
      "   AND c.created_at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')"
      "   AND ($3::text IS NULL OR c.category = $3)"
      " GROUP BY c.category ORDER BY c.category" },
    { NULL, NULL }
};

void
stats_cases (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CaseStatsRequest *request = (const void *) message;
    if (request->from)
        wire_check_date (call, "from", request->from);
    if (request->until)
        wire_check_date (call, "until", request->until);
    if (request->has_category)
        ht_call_check_enum (call, "category", true, request->category, &hetao__v1__case_category__descriptor);
    if (ht_call_failed (call))
        return;
    PGresult *period = ht_call_query (call, "stats_period", HT_ARGS (
        request->from, request->until, ht_call_int (call, customs_now_us (call))));
    if (!period)
        return;
    const char *from = PQgetvalue (period, 0, 0), *until = PQgetvalue (period, 0, 1);
    if (strcmp (until, from) <= 0) {
        ht_call_violation (call, "until", "must be after from (%s)", from);
        return;
    }
    PGresult *result = ht_call_query (call, "stats_cases", HT_ARGS (
        from, until,
        request->has_category? ht_row_key (call, &hetao__v1__case_category__descriptor, request->category): NULL));
    if (!result)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__CaseStatsReply reply = HETAO__V1__CASE_STATS_REPLY__INIT;
    reply.from = (char *) from;
    reply.until = (char *) until;
    int rows = PQntuples (result);
    reply.categories = ht_arena_alloc (arena, sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__CategoryStats *stats = ht_arena_alloc (arena, sizeof *stats);
        hetao__v1__category_stats__init (stats);
        stats->has_category = stats->has_opened = stats->has_open = stats->has_resolved = true;
        stats->has_breaches = true;
        stats->category = ht_row_enum (&hetao__v1__case_category__descriptor, PQgetvalue (result, row, 0));
        stats->opened = (uint64_t) ht_row_int (result, row, 1);
        stats->open = (uint64_t) ht_row_int (result, row, 2);
        stats->resolved = (uint64_t) ht_row_int (result, row, 3);
        stats->breaches = (uint64_t) ht_row_int (result, row, 4);
        wire_opt_int (result, row, 5, &stats->has_median_first_response_s, &stats->median_first_response_s);
        wire_opt_int (result, row, 6, &stats->has_median_resolution_s, &stats->median_resolution_s);
        reply.categories [reply.n_categories++] = stats;
    }
    ht_call_reply (call, &reply.base);
}

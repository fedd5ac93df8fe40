/*  projects - the registry's projects as the figures count them

    Keeps each project's sector, origin, status and high-end mark
    (report_project); the table's trigger moves projects_total,
    projects_by_sector, projects_by_status, projects_high_end and
    hk_university_projects by the difference between the old and new row.
    A row is replaced only by a higher version.
*/

#include "projects.h"
#include "stream.h"
#include "window.h"
#include "ht_row.h"
#include "hetao/v1/reporting.pb-c.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

const ht_query_t projects_queries [] = {
    { "projects_store",
      "INSERT INTO report_project AS p (id, sector, origin, status, high_end, version, registered_on)"
      " VALUES ($1::uuid, $2, $3, $4, $5::boolean, $6::bigint, report_park_day ($7::bigint))"
      " ON CONFLICT (id) DO UPDATE SET sector = EXCLUDED.sector, origin = EXCLUDED.origin,"
      " status = EXCLUDED.status, high_end = EXCLUDED.high_end, version = EXCLUDED.version,"
      " registered_on = EXCLUDED.registered_on"
      " WHERE p.version < EXCLUDED.version" },
    { NULL, NULL }
};

bool
projects_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__ProjectEvent *payload = hetao__v1__project_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Project *project = payload? payload->project: NULL;
    if (!project || !project->id || !ht_uuid_valid (project->id) || !project->has_version
    ||  !project->has_status) {
        ht_error ("reporting: %s #%llu carries no complete project; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_write (tx, "projects_store", HT_ARGS (
        project->id,
        stream_key (tx, &hetao__v1__sector__descriptor, project->has_sector, project->sector, "none"),
        stream_key (tx, &hetao__v1__project_origin__descriptor, project->has_origin, project->origin, "none"),
        stream_key (tx, &hetao__v1__project_status__descriptor, project->has_status, project->status, "none"),
        stream_bool (project->has_high_end && project->high_end),
        ht_consumer_tx_int (tx, project->version),
        //  Registered when it was made; an event without the time: when it happened.
        ht_consumer_tx_int (tx, project->has_created_at_us? project->created_at_us: event->occurred_at_us)));
}

//  ---------------------------------------------------------------------------
//  reporting.ProjectsBySector: registrations per period and sector, from the
//  per-day counts (report_project_day), with running totals that include
//  everything before the window.

const ht_query_t projects_report_queries [] = {
    { "projects_by_sector",
      "WITH inside AS ("
      "  SELECT date_trunc ($3, d.day::timestamp)::date AS period, d.sector,"
      "         sum (d.registered)::bigint AS registered, sum (d.high_end)::bigint AS high_end"
      "    FROM report_project_day d"
      "   WHERE d.day >= report_window_from ($1::bigint) AND d.day < report_window_until ($2::bigint)"
      "   GROUP BY 1, 2 HAVING sum (d.registered) <> 0 OR sum (d.high_end) <> 0),"
      " before AS ("
      "  SELECT d.sector, sum (d.registered)::bigint AS registered, sum (d.high_end)::bigint AS high_end"
      "    FROM report_project_day d WHERE d.day < report_window_from ($1::bigint) GROUP BY 1)"
      " SELECT i.period::text, i.sector, i.registered,"
      "        (coalesce (b.registered, 0) + sum (i.registered) OVER s)::bigint,"
      "        i.high_end, (coalesce (b.high_end, 0) + sum (i.high_end) OVER s)::bigint"
      "   FROM inside i LEFT JOIN before b USING (sector)"
      " WINDOW s AS (PARTITION BY i.sector ORDER BY i.period)"
      "  ORDER BY i.period, i.sector" },
    { NULL, NULL }
};

void
projects_by_sector (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ProjectsBySectorRequest *request = (const Hetao__V1__ProjectsBySectorRequest *) message;
    window_t window;
    bool ok = window_read (call, request->has_from_us, request->from_us, request->has_until_us,
                           request->until_us, &window);
    static const char *const s_units [] = {
        [HETAO__V1__REPORT_INTERVAL__REPORT_INTERVAL_UNSPECIFIED] = "month",
        [HETAO__V1__REPORT_INTERVAL__REPORT_INTERVAL_MONTH] = "month",
        [HETAO__V1__REPORT_INTERVAL__REPORT_INTERVAL_QUARTER] = "quarter",
        [HETAO__V1__REPORT_INTERVAL__REPORT_INTERVAL_YEAR] = "year",
    };
    int interval = request->has_interval? (int) request->interval: 0;
    if (interval < 0 || interval >= (int) (sizeof s_units / sizeof s_units [0])) {
        ht_call_violation (call, "interval", "%d is not an interval: month (1), quarter (2) or year (3)",
                           interval);
        ok = false;
    }
    if (!ok)
        return;
    if (!ht_call_snapshot (call))           //  the figures and their "as of" agree
        return;
    PGresult *rows = ht_call_query (call, "projects_by_sector", HT_ARGS (window.from, window.until,
                                                                       s_units [interval]));
    if (!rows)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ProjectsBySectorReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__projects_by_sector_reply__init (reply);
    reply->periods = ht_arena_alloc (arena, ((size_t) PQntuples (rows) + 1) * sizeof (void *));
    for (int row = 0; row < PQntuples (rows); row++) {
        Hetao__V1__SectorPeriod *period = ht_arena_alloc (arena, sizeof *period);
        hetao__v1__sector_period__init (period);
        period->period = PQgetvalue (rows, row, 0);
        period->sector = PQgetvalue (rows, row, 1);
        period->has_registered = period->has_registered_total = true;
        period->has_high_end = period->has_high_end_total = true;
        period->registered = ht_row_int (rows, row, 2);
        period->registered_total = ht_row_int (rows, row, 3);
        period->high_end = ht_row_int (rows, row, 4);
        period->high_end_total = ht_row_int (rows, row, 5);
        reply->periods [reply->n_periods++] = period;
    }
    reply->has_from_us = reply->has_until_us = reply->has_interval = true;
    reply->from_us = request->has_from_us? request->from_us: 0;
    reply->until_us = request->has_until_us? request->until_us: 0;
    reply->interval = interval? (Hetao__V1__ReportInterval) interval: HETAO__V1__REPORT_INTERVAL__REPORT_INTERVAL_MONTH;
    if (stream_as_of (call, &reply->as_of, &reply->n_as_of))
        ht_call_reply (call, &reply->base);
}

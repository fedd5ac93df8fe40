/*  window - the time window of a report, and the "as of" every report states

    A window is [from_us, until_us) counted in whole days of the park's time
    zone (report_window_from / report_window_until in sql/006); either end
    may be open. Every report also says how far each followed stream is
    applied (report_stream): its last sequence, when the source committed
    it, when reporting applied it, and the lag between the two.
*/

#include "window.h"
#include "stream.h"
#include "ht_row.h"

#include <string.h>

const ht_query_t window_queries [] = {
    { "window_streams",
      "SELECT stream, last_sequence, occurred_at_us, " HT_SQL_US ("applied_at")
      " FROM report_stream" },
    { NULL, NULL }
};

bool
window_read (ht_call_t *call, bool has_from, int64_t from_us, bool has_until, int64_t until_us,
             window_t *window)
{
    bool ok = true;
    if (has_from && from_us < 0) {
        ht_call_violation (call, "from_us", "must be a time after 1970-01-01 (microseconds since the epoch)");
        ok = false;
    }
    if (has_until && until_us < 0) {
        ht_call_violation (call, "until_us", "must be a time after 1970-01-01 (microseconds since the epoch)");
        ok = false;
    }
    if (ok && has_from && has_until && until_us <= from_us) {
        ht_call_violation (call, "until_us", "must be after from_us: the window would end before it begins");
        ok = false;
    }
    window->from = has_from? ht_call_int (call, from_us): NULL;
    window->until = has_until? ht_call_int (call, until_us): NULL;
    return ok;
}

//  The stream's position, 0 throughout before its first event.
static Hetao__V1__StreamAsOf *
s_as_of (ht_call_t *call, const char *stream, const PGresult *streams)
{
    Hetao__V1__StreamAsOf *as_of = ht_arena_alloc (ht_call_arena (call), sizeof *as_of);
    hetao__v1__stream_as_of__init (as_of);
    as_of->stream = (char *) stream;
    as_of->has_last_sequence = as_of->has_occurred_at_us = true;
    as_of->has_applied_at_us = as_of->has_lag_ms = true;
    for (int row = 0; row < PQntuples (streams); row++)
        if (!strcmp (PQgetvalue (streams, row, 0), stream)) {
            as_of->last_sequence = (uint64_t) ht_row_int (streams, row, 1);
            as_of->occurred_at_us = ht_row_int (streams, row, 2);
            as_of->applied_at_us = ht_row_int (streams, row, 3);
            int64_t lag = as_of->applied_at_us - as_of->occurred_at_us;
            as_of->lag_ms = lag > 0? lag / 1000: 0;
        }
    return as_of;
}

Hetao__V1__StreamAsOf **
window_as_of (ht_call_t *call, size_t *count)
{
    PGresult *streams = ht_call_query (call, "window_streams", 0, NULL);
    if (!streams)
        return NULL;
    size_t n_streams = 0;
    while (stream_consumers [n_streams])
        n_streams++;
    Hetao__V1__StreamAsOf **list = ht_arena_alloc (ht_call_arena (call), (n_streams + 1) * sizeof (void *));
    for (size_t i = 0; i < n_streams; i++)
        list [i] = s_as_of (call, stream_consumers [i]->stream, streams);
    *count = n_streams;
    return list;
}

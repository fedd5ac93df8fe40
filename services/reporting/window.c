/*  window - the time window of a report over time

    A window is [from_us, until_us) counted in whole days of the park's time
    zone (report_window_from / report_window_until in sql/006); either end
    may be open. (How far each stream is applied, the "as of" every report
    states, is stream_as_of.)
*/

#include "window.h"

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

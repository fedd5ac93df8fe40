/*  space_rules - the registry's rules for parks, units and allocations that
    need no database
*/

#include "space_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
space_area_parse (const char *text, int64_t *centi, char *error, size_t error_size)
{
    const char *p = text;
    int64_t whole = 0;
    int digits = 0;
    while (isdigit ((unsigned char) *p)) {
        if (++digits > 10) {
            snprintf (error, error_size, "must be at most 9999999999.99 square metres");
            return false;
        }
        whole = whole * 10 + (*p++ - '0');
    }
    int64_t fraction = 0;
    int places = 0;
    if (*p == '.' && digits) {
        p++;
        while (isdigit ((unsigned char) *p)) {
            if (++places > 2) {
                snprintf (error, error_size, "has more than two decimal places; areas are exact "
                          "to the hundredth of a square metre (e.g. 1000.25)");
                return false;
            }
            fraction = fraction * 10 + (*p++ - '0');
        }
        if (places == 0)
            digits = 0;         //  "12." is not a number we accept
    }
    if (!digits || *p) {
        snprintf (error, error_size, "must be square metres as digits with at most two decimal "
                  "places (e.g. 1000 or 1000.25)");
        return false;
    }
    if (places == 1)
        fraction *= 10;
    if (whole == 0 && fraction == 0) {
        snprintf (error, error_size, "must be more than zero");
        return false;
    }
    *centi = whole * 100 + fraction;
    return true;
}

void
space_area_format (int64_t centi, char *out, size_t size)
{
    snprintf (out, size, "%lld.%02lld", (long long) (centi / 100), (long long) (centi % 100));
}

void
space_date_from_us (int64_t us, char *out, size_t size)
{
    //  Days since 1970-01-01 in UTC+8, then the civil date (H. Hinnant's
    //  days_from_civil inverse), which needs no time zone database.
    int64_t seconds = us / 1000000 + 8 * 3600;
    int64_t days = (seconds >= 0? seconds: seconds - 86399) / 86400;
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10? mp + 3: mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    snprintf (out, size, "%04lld-%02lld-%02lld", (long long) year, (long long) month, (long long) day);
}

bool
space_code_check (const char *text, char *error, size_t error_size)
{
    size_t length = strlen (text);
    bool ok = length >= 1 && length <= 32 && isalnum ((unsigned char) text [0]);
    for (size_t i = 0; ok && i < length; i++)
        ok = isalnum ((unsigned char) text [i]) || strchr ("-._/", text [i]);
    if (!ok)
        snprintf (error, error_size, "must be 1 to 32 of A-Z, a-z, 0-9 and '-', '.', '_', '/', "
                  "starting with a letter or digit");
    return ok;
}

//  ---------------------------------------------------------------------------
//  Lifecycles: every allowed move (from, to); anything else is refused.

#define PLANNED     HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED
#define OPERATING   HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING
#define CLOSED      HETAO__V1__PARK_STATUS__PARK_STATUS_CLOSED

//  CLOSED is final.
const ht_transition_t space_park_transitions [] = {
    { PLANNED,   OPERATING },
    { PLANNED,   CLOSED },
    { OPERATING, CLOSED },
};
const size_t space_park_transitions_count = sizeof space_park_transitions / sizeof space_park_transitions [0];

#define AVAILABLE   HETAO__V1__UNIT_STATUS__UNIT_STATUS_AVAILABLE
#define UNAVAILABLE HETAO__V1__UNIT_STATUS__UNIT_STATUS_UNAVAILABLE
#define RETIRED     HETAO__V1__UNIT_STATUS__UNIT_STATUS_RETIRED

//  RETIRED is final.
const ht_transition_t space_unit_transitions [] = {
    { AVAILABLE,   UNAVAILABLE },
    { UNAVAILABLE, AVAILABLE },
    { AVAILABLE,   RETIRED },
    { UNAVAILABLE, RETIRED },
};
const size_t space_unit_transitions_count = sizeof space_unit_transitions / sizeof space_unit_transitions [0];

bool
space_park_status_needs_reason (Hetao__V1__ParkStatus to)
{
    return to == CLOSED;
}

bool
space_unit_status_needs_reason (Hetao__V1__UnitStatus to)
{
    return to == UNAVAILABLE || to == RETIRED;
}

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

static bool
s_leap (int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (int year, int month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && s_leap (year)? 29: days [month - 1];
}

bool
space_date_check (const char *text, char *error, size_t error_size)
{
    bool shape = strlen (text) == 10 && text [4] == '-' && text [7] == '-';
    for (int i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7)
            shape = isdigit ((unsigned char) text [i]);
    if (!shape) {
        snprintf (error, error_size, "must be a date written YYYY-MM-DD");
        return false;
    }
    int year, month, day;
    sscanf (text, "%4d-%2d-%2d", &year, &month, &day);
    if (year < 1900) {
        snprintf (error, error_size, "year %d is before 1900", year);
        return false;
    }
    if (month < 1 || month > 12 || day < 1 || day > s_days_in_month (year, month)) {
        snprintf (error, error_size, "%s is not a day of the calendar", text);
        return false;
    }
    return true;
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

typedef struct {
    int from, to;
} s_move_t;

static space_transition_t
s_transition (const s_move_t *moves, size_t count, int from, int to)
{
    if (from == to)
        return SPACE_TRANSITION_SAME;
    for (size_t i = 0; i < count; i++)
        if (moves [i].from == from && moves [i].to == to)
            return SPACE_TRANSITION_OK;
    return SPACE_TRANSITION_FORBIDDEN;
}

#define PLANNED     HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED
#define OPERATING   HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING
#define CLOSED      HETAO__V1__PARK_STATUS__PARK_STATUS_CLOSED

//  CLOSED is final.
static const s_move_t s_park_moves [] = {
    { PLANNED,   OPERATING },
    { PLANNED,   CLOSED },
    { OPERATING, CLOSED },
};

#define AVAILABLE   HETAO__V1__UNIT_STATUS__UNIT_STATUS_AVAILABLE
#define UNAVAILABLE HETAO__V1__UNIT_STATUS__UNIT_STATUS_UNAVAILABLE
#define RETIRED     HETAO__V1__UNIT_STATUS__UNIT_STATUS_RETIRED

//  RETIRED is final.
static const s_move_t s_unit_moves [] = {
    { AVAILABLE,   UNAVAILABLE },
    { UNAVAILABLE, AVAILABLE },
    { AVAILABLE,   RETIRED },
    { UNAVAILABLE, RETIRED },
};

space_transition_t
space_park_transition (Hetao__V1__ParkStatus from, Hetao__V1__ParkStatus to)
{
    return s_transition (s_park_moves, sizeof s_park_moves / sizeof s_park_moves [0], from, to);
}

space_transition_t
space_unit_transition (Hetao__V1__UnitStatus from, Hetao__V1__UnitStatus to)
{
    return s_transition (s_unit_moves, sizeof s_unit_moves / sizeof s_unit_moves [0], from, to);
}

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

/*  project_rules - the registry's rules for projects that need no database  */

#include "project_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
project_date_check (const char *text, char *error, size_t size)
{
    bool shape = strlen (text) == 10 && text [4] == '-' && text [7] == '-';
    for (int i = 0; shape && i < 10; i++)
        shape = i == 4 || i == 7 || isdigit ((unsigned char) text [i]);
    if (!shape) {
        snprintf (error, size, "must be a date written YYYY-MM-DD, like 2027-01-31");
        return false;
    }
    int year, month, day;
    sscanf (text, "%4d-%2d-%2d", &year, &month, &day);
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1000) {
        snprintf (error, size, "year %d is out of range (1000 to 9999)", year);
        return false;
    }
    if (month < 1 || month > 12) {
        snprintf (error, size, "month %02d does not exist", month);
        return false;
    }
    int last = days [month - 1] + (month == 2 && leap);
    if (day < 1 || day > last) {
        snprintf (error, size, "%04d-%02d has days 01 to %02d, not %02d", year, month, last, day);
        return false;
    }
    return true;
}

#define PROPOSED   HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_PROPOSED
#define ACTIVE     HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_ACTIVE
#define COMPLETED  HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_COMPLETED
#define TERMINATED HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_TERMINATED

//  Every allowed move; anything else is refused. COMPLETED and TERMINATED are final.
const ht_transition_t project_transitions [] = {
    { PROPOSED, ACTIVE },
    { PROPOSED, TERMINATED },
    { ACTIVE,   COMPLETED },
    { ACTIVE,   TERMINATED },
};
const size_t project_transitions_count = sizeof project_transitions / sizeof project_transitions [0];

bool
project_status_needs_reason (Hetao__V1__ProjectStatus to)
{
    return to == TERMINATED;
}

bool
project_status_final (Hetao__V1__ProjectStatus status)
{
    return status == COMPLETED || status == TERMINATED;
}

/*  project_rules - the registry's rules for projects that need no database

    Calendar dates as the wire carries them, and the status transition table.
    Pure functions; unit-tested in tests/unit/test_project_rules.c.
*/
#ifndef PROJECT_RULES_H_INCLUDED
#define PROJECT_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "hetao/v1/registry.pb-c.h"

//  True when `text` is a calendar date "YYYY-MM-DD" (years 1000 to 9999,
//  leap years counted). Otherwise writes what is wrong into `error`.
bool project_date_check (const char *text, char *error, size_t error_size);

typedef enum {
    PROJECT_TRANSITION_OK,
    PROJECT_TRANSITION_SAME,        //  already in that status
    PROJECT_TRANSITION_FORBIDDEN    //  not an allowed move (e.g. out of COMPLETED)
} project_transition_t;

//  Whether a project in status `from` may move to `to`.
project_transition_t project_status_transition (Hetao__V1__ProjectStatus from,
                                                Hetao__V1__ProjectStatus to);

//  True when moving to `to` needs a reason (TERMINATED).
bool project_status_needs_reason (Hetao__V1__ProjectStatus to);

//  True for COMPLETED and TERMINATED: a project there no longer changes.
bool project_status_final (Hetao__V1__ProjectStatus status);

#endif

/*  project_rules - the registry's rules for projects that need no database

    Calendar dates as the wire carries them, and the status transition table.
    Pure functions; unit-tested in tests/unit/test_project_rules.c.
*/
#ifndef PROJECT_RULES_H_INCLUDED
#define PROJECT_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "ht_lifecycle.h"
#include "hetao/v1/registry.pb-c.h"

//  True when `text` is a calendar date "YYYY-MM-DD" (years 1000 to 9999,
//  leap years counted). Otherwise writes what is wrong into `error`.
bool project_date_check (const char *text, char *error, size_t error_size);

//  The project lifecycle: every allowed move between ProjectStatus values.
extern const ht_transition_t project_transitions [];
extern const size_t project_transitions_count;

//  True when moving to `to` needs a reason (TERMINATED).
bool project_status_needs_reason (Hetao__V1__ProjectStatus to);

//  True for COMPLETED and TERMINATED: a project there no longer changes.
bool project_status_final (Hetao__V1__ProjectStatus status);

#endif

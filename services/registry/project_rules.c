/*  project_rules - the registry's rules for projects that need no database  */

#include "project_rules.h"
#include "ht_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
project_date_check (const char *text, char *error, size_t size)
{
    return ht_date_check (text, error, size);
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

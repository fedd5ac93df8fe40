/*  org_rules - the registry's rules for organizations that need no database

    Registration identifiers by type, and the status transition table.
    Pure functions; unit-tested in tests/unit/test_org_rules.c.
*/
#ifndef ORG_RULES_H_INCLUDED
#define ORG_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "hetao/v1/registry.pb-c.h"

//  Checks `id` as a registration identifier of `type` and writes its
//  canonical form (USCC upper-cased) into `canonical` (at least 65 bytes).
//  On failure writes into `error` what is wrong, for a person.
bool org_registration_check (Hetao__V1__RegistrationType type, const char *id,
                             char *canonical, char *error, size_t error_size);

//  The region that issues identifiers of `type`, or REGION_UNSPECIFIED when
//  any region may (OTHER).
Hetao__V1__Region org_registration_region (Hetao__V1__RegistrationType type);

typedef enum {
    ORG_TRANSITION_OK,
    ORG_TRANSITION_SAME,            //  already in that status
    ORG_TRANSITION_FORBIDDEN        //  not an allowed move (e.g. out of WITHDRAWN)
} org_transition_t;

//  Whether an organization in status `from` may move to `to`.
org_transition_t org_status_transition (Hetao__V1__OrganizationStatus from,
                                        Hetao__V1__OrganizationStatus to);

//  True when moving to `to` needs a reason.
bool org_status_needs_reason (Hetao__V1__OrganizationStatus to);

#endif

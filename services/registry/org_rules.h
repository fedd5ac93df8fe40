/*  org_rules - the registry's rules for organizations that need no database

    Registration identifiers by type, and the status transition table.
    Pure functions; unit-tested in tests/unit/test_org_rules.c.
*/
#ifndef ORG_RULES_H_INCLUDED
#define ORG_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "ht_lifecycle.h"
#include "hetao/v1/registry.pb-c.h"

//  Checks `id` as a registration identifier of `type` and writes its
//  canonical form (USCC upper-cased) into `canonical` (at least 65 bytes).
//  On failure writes into `error` what is wrong, for a person.
bool org_registration_check (Hetao__V1__RegistrationType type, const char *id,
                             char *canonical, char *error, size_t error_size);

//  The region that issues identifiers of `type`, or REGION_UNSPECIFIED when
//  any region may (OTHER).
Hetao__V1__Region org_registration_region (Hetao__V1__RegistrationType type);

//  The moves an organization's status may make (common/ht_lifecycle.h).
extern const ht_transition_t org_transitions [];
extern const size_t org_transitions_count;

//  True when moving to `to` needs a reason.
bool org_status_needs_reason (Hetao__V1__OrganizationStatus to);

#endif

/*  parties - the organizations and projects funding deals with

    Funding never reads the registry's tables: organizations and projects
    come from the registry projection (common/ht_regview), and an id it does
    not know yet is asked of the registry. Every check of an organization
    or a project goes through these functions, so the rules of what funding
    accepts live in one place.
*/
#ifndef PARTIES_H_INCLUDED
#define PARTIES_H_INCLUDED

#include <stdbool.h>

#include "ht_call.h"
#include "ht_regview.h"

//  Finds organization `id` and refuses one that is not active. On false the
//  call has failed: NOT_FOUND naming `field` when neither the projection nor
//  the registry knows it, UNAVAILABLE when the registry cannot be reached,
//  FAILED_PRECONDITION naming `field` when it is suspended or withdrawn.
bool party_organization (ht_call_t *call, const char *field, const char *id, ht_regview_org_t *org);

//  Finds project `id` (any status); fails like party_organization.
bool party_project (ht_call_t *call, const char *field, const char *id, ht_regview_project_t *project);

//  Refuses (FAILED_PRECONDITION naming `field`) a project that is completed
//  or terminated: it takes no new money.
bool party_project_live (ht_call_t *call, const char *field, const ht_regview_project_t *project);

//  True when `organization_id` takes part in `project` (lead, partner or funder).
bool party_project_has (const ht_regview_project_t *project, const char *organization_id);

//  The region key of `org` ("hong_kong"), in the call's arena.
const char *party_region (ht_call_t *call, const ht_regview_org_t *org);

#endif

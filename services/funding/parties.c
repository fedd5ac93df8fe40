/*  parties - the organizations and projects funding deals with  */

#include "parties.h"
#include "wire.h"

#define PROJECT(name) HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_ ## name

bool
party_organization (ht_call_t *call, const char *field, const char *id, ht_regview_org_t *org)
{
    if (!ht_regview_organization (call, field, id, org))
        return false;
    if (org->status == HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE)
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, field, "organization %s is %s", id,
                  ht_row_key (call, &hetao__v1__organization_status__descriptor, org->status));
    return false;
}

bool
party_project (ht_call_t *call, const char *field, const char *id, ht_regview_project_t *project)
{
    return ht_regview_project (call, field, id, project);
}

bool
party_project_live (ht_call_t *call, const char *field, const ht_regview_project_t *project)
{
    if (project->status != PROJECT (COMPLETED) && project->status != PROJECT (TERMINATED))
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, field, "project %s is %s", project->id,
                  ht_row_key (call, &hetao__v1__project_status__descriptor, project->status));
    return false;
}

bool
party_project_has (const ht_regview_project_t *project, const char *organization_id)
{
    return ht_regview_project_participant (project, organization_id, NULL);
}

const char *
party_region (ht_call_t *call, const ht_regview_org_t *org)
{
    return ht_row_key (call, &hetao__v1__region__descriptor, org->region);
}

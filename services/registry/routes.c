/*  routes - every method the registry answers, and what the registry is

    The runtime decodes each payload as `request`, requires an idempotency
    key and wraps the handler in one transaction (with the outbox write and
    the idempotency record) when `mutates` is set.
*/

#include "org.h"
#include "project.h"
#include "researcher.h"
#include "routes.h"

#define ADMIN   HT_ROLE_PARK_ADMIN
#define READERS (HT_ROLE_PARK_ADMIN | HT_ROLE_FINANCE_OFFICER | HT_ROLE_CUSTOMS_OFFICER \
                 | HT_ROLE_REPORTING_READER)
#define OWN     HT_ROLE_APPLICANT

//  method, payload type, mutates, roles for anyone's records, roles for their own, handler.
//  docs/security.md shows this table; tests/integration/test_security.py checks one against the other.
static const ht_route_t s_routes [] = {
    { "registry.RegisterOrganization",  &hetao__v1__register_organization_request__descriptor,
      true,  ADMIN,   0,   org_register },
    { "registry.GetOrganization",       &hetao__v1__get_organization_request__descriptor,
      false, READERS, OWN, org_get },
    { "registry.UpdateOrganization",    &hetao__v1__update_organization_request__descriptor,
      true,  ADMIN,   0,   org_update },
    { "registry.SetOrganizationStatus", &hetao__v1__set_organization_status_request__descriptor,
      true,  ADMIN,   0,   org_set_status },
    { "registry.ListOrganizations",     &hetao__v1__list_organizations_request__descriptor,
      false, READERS, 0,   org_list },
    //  Projects: an applicant registers and updates those its organization leads,
    //  and reads those its organization takes part in.
    { "registry.RegisterProject",       &hetao__v1__register_project_request__descriptor,
      true,  ADMIN,   OWN, project_register },
    { "registry.GetProject",            &hetao__v1__get_project_request__descriptor,
      false, READERS, OWN, project_get },
    { "registry.UpdateProject",         &hetao__v1__update_project_request__descriptor,
      true,  ADMIN,   OWN, project_update },
    { "registry.SetProjectStatus",      &hetao__v1__set_project_status_request__descriptor,
      true,  ADMIN,   0,   project_set_status },
    { "registry.ListProjects",          &hetao__v1__list_projects_request__descriptor,
      false, READERS, OWN, project_list },
    //  Researchers: an applicant reads those of its own organization.
    { "registry.RegisterResearcher",    &hetao__v1__register_researcher_request__descriptor,
      true,  ADMIN,   0,   researcher_register },
    { "registry.GetResearcher",         &hetao__v1__get_researcher_request__descriptor,
      false, READERS, OWN, researcher_get },
    { "registry.UpdateResearcher",      &hetao__v1__update_researcher_request__descriptor,
      true,  ADMIN,   0,   researcher_update },
    { "registry.SetResearcherStatus",   &hetao__v1__set_researcher_status_request__descriptor,
      true,  ADMIN,   0,   researcher_set_status },
    { "registry.ListResearchers",       &hetao__v1__list_researchers_request__descriptor,
      false, READERS, OWN, researcher_list },
    { NULL }
};

static const char *const s_streams [] = { "registry", NULL };

//  Each domain file's statements and constraint meanings.
static const ht_query_t *const s_queries [] = {
    org_queries,
    project_queries,
    researcher_queries,
    NULL
};
static const ht_constraint_t *const s_constraints [] = {
    org_constraints,
    project_constraints,
    researcher_constraints,
    NULL
};

extern const ht_migration_t registry_migrations [];

const ht_service_t registry_service = {
    .name = "registry",
    .routes = s_routes,
    .queries = s_queries,
    .migrations = registry_migrations,
    .constraints = s_constraints,
    .streams = s_streams,
    .default_port = 7101,
};

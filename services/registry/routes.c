/*  routes - every method the registry answers, and what the registry is

    The runtime decodes each payload as `request`, requires an idempotency
    key and wraps the handler in one transaction (with the outbox write and
    the idempotency record) when `mutates` is set.
*/

#include "org.h"
#include "project.h"
#include "researcher.h"
#include "routes.h"
#include "facility.h"
#include "instrument.h"
#include "access.h"
#include "park.h"
#include "unit.h"
#include "allocation.h"

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

    //  Large facilities, instruments, access requests and bookings. Applicants
    //  read the catalogue of facilities and instruments, and act on access
    //  requests of their own organization's researchers.
    { "registry.RegisterFacility",      &hetao__v1__register_facility_request__descriptor,
      true,  ADMIN,   0,   facility_register },
    { "registry.GetFacility",           &hetao__v1__get_facility_request__descriptor,
      false, READERS | OWN, 0, facility_get },
    { "registry.UpdateFacility",        &hetao__v1__update_facility_request__descriptor,
      true,  ADMIN,   0,   facility_update },
    { "registry.ListFacilities",        &hetao__v1__list_facilities_request__descriptor,
      false, READERS | OWN, 0, facility_list },
    { "registry.AddInstrument",         &hetao__v1__add_instrument_request__descriptor,
      true,  ADMIN,   0,   instrument_add },
    { "registry.GetInstrument",         &hetao__v1__get_instrument_request__descriptor,
      false, READERS | OWN, 0, instrument_get },
    { "registry.UpdateInstrument",      &hetao__v1__update_instrument_request__descriptor,
      true,  ADMIN,   0,   instrument_update },
    { "registry.SetInstrumentStatus",   &hetao__v1__set_instrument_status_request__descriptor,
      true,  ADMIN,   0,   instrument_set_status },
    { "registry.ListInstruments",       &hetao__v1__list_instruments_request__descriptor,
      false, READERS | OWN, 0, instrument_list },
    { "registry.CreateAccessRequest",   &hetao__v1__create_access_request_request__descriptor,
      true,  ADMIN,   OWN, access_create },
    { "registry.GetAccessRequest",      &hetao__v1__get_access_request_request__descriptor,
      false, READERS, OWN, access_get },
    { "registry.SubmitAccessRequest",   &hetao__v1__access_request_action_request__descriptor,
      true,  ADMIN,   OWN, access_submit },
    { "registry.ApproveAccessRequest",  &hetao__v1__access_request_action_request__descriptor,
      true,  ADMIN,   0,   access_approve },
    { "registry.RejectAccessRequest",   &hetao__v1__access_request_action_request__descriptor,
      true,  ADMIN,   0,   access_reject },
    { "registry.ScheduleAccessRequest", &hetao__v1__schedule_access_request_request__descriptor,
      true,  ADMIN,   0,   access_schedule },
    { "registry.CompleteAccessRequest", &hetao__v1__access_request_action_request__descriptor,
      true,  ADMIN,   0,   access_complete },
    { "registry.CancelAccessRequest",   &hetao__v1__access_request_action_request__descriptor,
      true,  ADMIN,   OWN, access_cancel },
    { "registry.ListAccessRequests",    &hetao__v1__list_access_requests_request__descriptor,
      false, READERS, OWN, access_list },
    { "registry.ListBookings",          &hetao__v1__list_bookings_request__descriptor,
      false, READERS, 0,   access_bookings },
    { "registry.FacilityHours",         &hetao__v1__facility_hours_request__descriptor,
      false, READERS, 0,   access_hours },
    //  Industrial parks, units, allocations (park.c, unit.c, allocation.c)
    { "registry.RegisterPark",          &hetao__v1__register_park_request__descriptor,
      true,  ADMIN,   0,   park_register },
    { "registry.GetPark",               &hetao__v1__get_park_request__descriptor,
      false, READERS, 0,   park_get },
    { "registry.UpdatePark",            &hetao__v1__update_park_request__descriptor,
      true,  ADMIN,   0,   park_update },
    { "registry.SetParkStatus",         &hetao__v1__set_park_status_request__descriptor,
      true,  ADMIN,   0,   park_set_status },
    { "registry.ListParks",             &hetao__v1__list_parks_request__descriptor,
      false, READERS, 0,   park_list },
    { "registry.ParkOccupancy",         &hetao__v1__park_occupancy_request__descriptor,
      false, READERS, 0,   park_occupancy },
    { "registry.AddUnit",               &hetao__v1__add_unit_request__descriptor,
      true,  ADMIN,   0,   unit_add },
    { "registry.GetUnit",               &hetao__v1__get_unit_request__descriptor,
      false, READERS, 0,   unit_get },
    { "registry.UpdateUnit",            &hetao__v1__update_unit_request__descriptor,
      true,  ADMIN,   0,   unit_update },
    { "registry.SetUnitStatus",         &hetao__v1__set_unit_status_request__descriptor,
      true,  ADMIN,   0,   unit_set_status },
    { "registry.ListUnits",             &hetao__v1__list_units_request__descriptor,
      false, READERS, 0,   unit_list },
    { "registry.AddAllocation",         &hetao__v1__add_allocation_request__descriptor,
      true,  ADMIN,   0,   allocation_add },
    { "registry.GetAllocation",         &hetao__v1__get_allocation_request__descriptor,
      false, READERS, OWN, allocation_get },
    { "registry.EndAllocation",         &hetao__v1__end_allocation_request__descriptor,
      true,  ADMIN,   0,   allocation_end },
    { "registry.ExtendAllocation",      &hetao__v1__extend_allocation_request__descriptor,
      true,  ADMIN,   0,   allocation_extend },
    { "registry.ListAllocations",       &hetao__v1__list_allocations_request__descriptor,
      false, READERS, OWN, allocation_list },
    { NULL }
};

static const char *const s_streams [] = { "registry", NULL };

//  Each domain file's statements and constraint meanings.
static const ht_query_t *const s_queries [] = {
    org_queries,
    project_queries,
    researcher_queries,
    facility_queries, instrument_queries, access_queries,
    park_queries, unit_queries, allocation_queries,
    NULL
};
static const ht_constraint_t *const s_constraints [] = {
    org_constraints,
    project_constraints,
    researcher_constraints,
    instrument_constraints, access_constraints,
    park_constraints, unit_constraints, allocation_constraints,
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

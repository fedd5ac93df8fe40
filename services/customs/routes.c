/*  routes - every method customs answers, and what the customs service is

    The runtime decodes each payload as `request`, requires an idempotency
    key and wraps the handler in one transaction (with the outbox write and
    the idempotency record) when `mutates` is set.
*/

#include "case.h"
#include "declaration.h"
#include "routes.h"
#include "routing.h"
#include "settings.h"
#include "stats.h"
#include "whitelist.h"
#include "ht_regview.h"

#define OFFICER HT_ROLE_CUSTOMS_OFFICER
#define READERS (HT_ROLE_CUSTOMS_OFFICER | HT_ROLE_REPORTING_READER)
#define OWN     HT_ROLE_APPLICANT

#define R(name) &hetao__v1__##name##__descriptor

//  method, payload type, mutates, roles for anyone's records, roles for their own, handler.
//  docs/security.md shows this table; tests/integration/test_customs_security.py checks one against the other.
static const ht_route_t s_routes [] = {
    { "customs.OpenCase",                R (open_case_request),                 true,  OFFICER, OWN, case_open },
    { "customs.GetCase",                 R (get_case_request),                  false, READERS, OWN, case_get },
    { "customs.ListCases",               R (list_cases_request),                false, READERS, OWN, case_list },
    { "customs.ChangeCaseStatus",        R (change_case_status_request),        true,  OFFICER, OWN, case_change_status },
    { "customs.ReassignCase",            R (reassign_case_request),             true,  OFFICER, 0,   case_reassign },
    { "customs.AddCaseNote",             R (add_case_note_request),             true,  OFFICER, OWN, case_note_add },
    { "customs.ListCaseNotes",           R (list_case_notes_request),           false, OFFICER, OWN, case_notes_list },
    { "customs.CaseStats",               R (case_stats_request),                false, READERS, 0,   stats_cases },
    { "customs.SetOfficer",              R (set_officer_request),               true,  OFFICER, 0,   routing_set_officer },
    { "customs.SetRoutingRule",          R (set_routing_rule_request),          true,  OFFICER, 0,   routing_set_rule },
    { "customs.ListRouting",             R (list_routing_request),              false, READERS, 0,   routing_list },
    { "customs.AddWhitelist",            R (add_whitelist_request),             true,  OFFICER, 0,   whitelist_add },
    { "customs.RevokeWhitelist",         R (revoke_whitelist_request),          true,  OFFICER, 0,   whitelist_revoke },
    { "customs.CheckWhitelist",          R (check_whitelist_request),           false, READERS, OWN, whitelist_check },
    { "customs.CreateDeclaration",       R (create_declaration_request),        true,  OFFICER, OWN, declaration_create },
    { "customs.GetDeclaration",          R (get_declaration_request),           false, READERS, OWN, declaration_get },
    { "customs.ChangeDeclarationStatus", R (change_declaration_status_request), true,  OFFICER, OWN, declaration_change_status },
    { "customs.RerouteDeclaration",      R (reroute_declaration_request),       true,  OFFICER, 0,   declaration_reroute },
    { "customs.SetLaneRule",             R (set_lane_rule_request),             true,  OFFICER, 0,   declaration_set_lane_rule },
    { "customs.GroupDeclarations",       R (group_declarations_request),        true,  OFFICER, OWN, declaration_group },
    { NULL }
};

static const char *const s_streams [] = { "customs", NULL };

//  Each domain file's statements and constraint meanings.
static const ht_query_t *const s_queries [] = {
    case_queries, routing_queries, whitelist_queries, declaration_queries, stats_queries, NULL
};
static const ht_constraint_t *const s_constraints [] = {
    case_constraints, routing_constraints, whitelist_constraints, declaration_constraints, NULL
};

//  Work customs does on its own: deadlines that pass unmet become breaches when they pass.
static const ht_job_t s_jobs [] = {
    { "customs.BreachDeadlines", case_breach_deadlines },
    { NULL }
};

//  Organizations come from the registry's stream, kept in a local projection.
static const ht_consumer_spec_t *const s_consumers [] = { &ht_regview_consumer, NULL };

extern const ht_migration_t customs_migrations [];

const ht_service_t customs_service = {
    .name = "customs",
    .routes = s_routes,
    .queries = s_queries,
    .migrations = customs_migrations,
    .constraints = s_constraints,
    .streams = s_streams,
    .default_port = 7301,
    .options = customs_options,
    .consumers = s_consumers,
    .jobs = s_jobs,
};

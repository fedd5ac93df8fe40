/*  routes - every method the funding service answers, and what the service is

    The runtime decodes each payload as `request`, requires an idempotency
    key and wraps the handler in one transaction (with the outbox write and
    the idempotency record) when `mutates` is set.
*/

#include "application.h"
#include "award.h"
#include "disbursement.h"
#include "funding_call.h"
#include "ledger.h"
#include "parties.h"
#include "programme.h"
#include "review.h"
#include "routes.h"
#include "ht_regview.h"

#define FINANCE  HT_ROLE_FINANCE_OFFICER
#define REVIEWER HT_ROLE_REVIEWER
#define OWN      HT_ROLE_APPLICANT
//  Programmes and calls are public within the park: applicants need them to apply.
#define READERS  (HT_ROLE_FINANCE_OFFICER | HT_ROLE_REPORTING_READER | HT_ROLE_REVIEWER | HT_ROLE_APPLICANT)
//  Records of one organization: anyone's for these, an applicant's own (OWN).
#define OVERSEERS (HT_ROLE_FINANCE_OFFICER | HT_ROLE_REPORTING_READER)

#define R(name) &hetao__v1__ ## name ## __descriptor

//  method, payload type, mutates, roles for anyone's records, roles for their own, handler.
//  docs/security.md shows this table; tests/integration/test_funding_security.py checks one against the other.
static const ht_route_t s_routes [] = {
    { "funding.CreateProgramme",       R (create_programme_request),        true,  FINANCE,   0,   programme_create },
    { "funding.GetProgramme",          R (get_programme_request),           false, READERS,   0,   programme_get },
    { "funding.ListProgrammes",        R (list_programmes_request),         false, READERS,   0,   programme_list },
    { "funding.AdjustProgrammeBudget", R (adjust_programme_budget_request), true,  FINANCE,   0,   programme_adjust_budget },
    { "funding.SetProgrammeStatus",    R (set_programme_status_request),    true,  FINANCE,   0,   programme_set_status },
    { "funding.OpenCall",              R (open_call_request),               true,  FINANCE,   0,   funding_call_open },
    { "funding.GetCall",               R (get_call_request),                false, READERS,   0,   funding_call_get },
    { "funding.CloseCall",             R (close_call_request),              true,  FINANCE,   0,   funding_call_close },
    { "funding.ListCalls",             R (list_calls_request),              false, READERS,   0,   funding_call_list },
    { "funding.CreateApplication",     R (create_application_request),      true,  FINANCE,   OWN, application_create },
    { "funding.GetApplication",        R (get_application_request),         false, OVERSEERS | REVIEWER, OWN, application_get },
    { "funding.ListApplications",      R (list_applications_request),       false, OVERSEERS | REVIEWER, OWN, application_list },
    { "funding.SubmitApplication",     R (application_action_request),      true,  FINANCE,   OWN, application_submit },
    { "funding.WithdrawApplication",   R (application_action_request),      true,  FINANCE,   OWN, application_withdraw },
    { "funding.ApproveApplication",    R (application_action_request),      true,  FINANCE,   0,   application_approve },
    { "funding.RejectApplication",     R (application_action_request),      true,  FINANCE,   0,   application_reject },
    { "funding.ReviewApplication",     R (review_application_request),      true,  REVIEWER,  0,   review_record },
    { "funding.ListReviews",           R (list_reviews_request),            false, FINANCE | REVIEWER, 0, review_list },
    { "funding.MakeAward",             R (make_award_request),              true,  FINANCE,   0,   award_make },
    { "funding.GetAward",              R (get_award_request),               false, OVERSEERS, OWN, award_get },
    { "funding.ListAwards",            R (list_awards_request),             false, OVERSEERS, OWN, award_list },
    { "funding.RequestDisbursement",   R (request_disbursement_request),    true,  FINANCE,   0,   disbursement_request },
    { "funding.ApproveDisbursement",   R (disbursement_action_request),     true,  FINANCE,   0,   disbursement_approve },
    { "funding.PayDisbursement",       R (disbursement_action_request),     true,  FINANCE,   0,   disbursement_pay },
    { "funding.FailDisbursement",      R (disbursement_action_request),     true,  FINANCE,   0,   disbursement_fail },
    { "funding.GetDisbursement",       R (get_disbursement_request),        false, OVERSEERS, 0,   disbursement_get },
    { "funding.ListDisbursements",     R (list_disbursements_request),      false, OVERSEERS, 0,   disbursement_list },
    { "funding.LedgerCheck",           R (ledger_check_request),            false, OVERSEERS, 0,   ledger_check },
    { NULL }
};

static const char *const s_streams [] = { "funding", NULL };

//  Each domain file's statements and constraint meanings.
static const ht_query_t *const s_queries [] = {
    programme_queries, funding_call_queries, application_queries, review_queries,
    award_queries, disbursement_queries, ledger_queries, NULL
};
static const ht_constraint_t *const s_constraints [] = {
    programme_constraints, funding_call_constraints, application_constraints, review_constraints,
    award_constraints, disbursement_constraints, NULL
};

//  Organizations and projects come from the registry's stream (common/ht_regview).
static const ht_consumer_spec_t *const s_consumers [] = { &ht_regview_consumer, NULL };

extern const ht_migration_t funding_migrations [];

const ht_service_t funding_service = {
    .name = "funding",
    .routes = s_routes,
    .queries = s_queries,
    .migrations = funding_migrations,
    .constraints = s_constraints,
    .streams = s_streams,
    .default_port = 7201,
    .consumers = s_consumers,
};

/*  application - hetaoctl application create|get|list|submit|withdraw|approve|reject|review  */

#include "money.h"

#include <string.h>

#define APPLICATION_COLUMNS "id,organization_id,project_id,amount,status,review_count,score_total"

static int
s_create (int argc, char **argv)
{
    Hetao__V1__CreateApplicationRequest request = HETAO__V1__CREATE_APPLICATION_REQUEST__INIT;
    const char *amount = NULL, *breakdown = NULL;
    const ctl_option_t options [] = {
        { "call", CTL_STRING, &request.call_id, .flags = CTL_REQUIRED, .help = "the call's id" },
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED, .help = "the applying organization" },
        { "project", CTL_STRING, &request.project_id, .flags = CTL_REQUIRED, .help = "its registered project" },
        { "amount", CTL_STRING, &amount, .flags = CTL_REQUIRED, .help = "amount applied for, CNY" },
        { "breakdown", CTL_STRING, &breakdown, .flags = CTL_REQUIRED,
          .help = "CATEGORY=AMOUNT,... summing to the amount (personnel, equipment, consumables, travel, other)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl application create --call ID --org ID "
                          "--project ID --amount AMOUNT --breakdown personnel=AMOUNT,...");
    if (code)
        return code < 0? 0: code;
    char **categories;
    Hetao__V1__Money **amounts;
    size_t count;
    if (!(request.amount = money_flag ("amount", amount, "CNY", false))
    ||  !money_list_flag ("breakdown", breakdown, "CNY", &categories, &amounts, &count))
        return CTL_EXIT_USAGE;
    request.breakdown = ctl_alloc (sizeof (void *) * count);
    for (size_t i = 0; i < count; i++) {
        Hetao__V1__BudgetLine *line = ctl_alloc (sizeof *line);
        hetao__v1__budget_line__init (line);
        int category;
        if (!ht_enum_value (&hetao__v1__budget_category__descriptor, categories [i], &category)) {
            char keys [256];
            ht_enum_keys (&hetao__v1__budget_category__descriptor, keys, sizeof keys);
            return ctl_usage_error ("--breakdown: '%s' is not one of: %s", categories [i], keys);
        }
        line->has_category = true;
        line->category = category;
        line->amount = amounts [i];
        request.breakdown [request.n_breakdown++] = line;
    }
    return money_call ("funding.CreateApplication", &request.base, &hetao__v1__application_reply__descriptor,
                       "application");
}

static int
s_get (int argc, char **argv)
{
    Hetao__V1__GetApplicationRequest request = HETAO__V1__GET_APPLICATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the application's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl application get ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.GetApplication", &request.base, &hetao__v1__application_reply__descriptor,
                       "application");
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListApplicationsRequest request = HETAO__V1__LIST_APPLICATIONS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "call", CTL_STRING, &request.call_id, .help = "only this call's" },
        { "org", CTL_STRING, &request.organization_id, .help = "only this organization's (required for an applicant)" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__application_status__descriptor,
          .help = "only in this status" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl application list [--call ID] [--org ID] [--status S]");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListApplications", &request.base,
                       &hetao__v1__list_applications_reply__descriptor, "applications", APPLICATION_COLUMNS);
}

//  submit, withdraw, approve, reject: the id and an optional reason.
static int
s_act (const char *verb, const char *method, int argc, char **argv)
{
    Hetao__V1__ApplicationActionRequest request = HETAO__V1__APPLICATION_ACTION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the application's id" },
        { "reason", CTL_STRING, &request.reason, .help = "why (withdraw, reject)" },
        { NULL }
    };
    char usage [96];
    snprintf (usage, sizeof usage, "Usage: hetaoctl application %s ID [--reason R]", verb);
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    return money_call (method, &request.base, &hetao__v1__application_reply__descriptor, "application");
}

static int s_submit (int argc, char **argv) { return s_act ("submit", "funding.SubmitApplication", argc, argv); }
static int s_withdraw (int argc, char **argv) { return s_act ("withdraw", "funding.WithdrawApplication", argc, argv); }
static int s_approve (int argc, char **argv) { return s_act ("approve", "funding.ApproveApplication", argc, argv); }
static int s_reject (int argc, char **argv) { return s_act ("reject", "funding.RejectApplication", argc, argv); }

//  Reviews an application as the calling principal (reviewer role).
int
application_review (const char *usage, int argc, char **argv)
{
    Hetao__V1__ReviewApplicationRequest request = HETAO__V1__REVIEW_APPLICATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "application", CTL_STRING, &request.application_id, .flags = CTL_REQUIRED | CTL_POSITIONAL,
          .help = "the application's id" },
        { "score", CTL_UINT32, &request.score, &request.has_score, .flags = CTL_REQUIRED,
          .help = "1 to 10" },
        { "comment", CTL_STRING, &request.comment, .flags = CTL_REQUIRED, .help = "the reviewer's comment" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.ReviewApplication", &request.base, &hetao__v1__review_reply__descriptor, "review");
}

static int
s_review (int argc, char **argv)
{
    return application_review ("Usage: hetaoctl application review ID --score N --comment TEXT", argc, argv);
}

const ctl_command_t application_commands [] = {
    { "application", "create",   s_create,   "apply to a call for a project, with a budget breakdown" },
    { "application", "get",      s_get,      "show one application" },
    { "application", "list",     s_list,     "list applications" },
    { "application", "submit",   s_submit,   "submit a draft" },
    { "application", "withdraw", s_withdraw, "withdraw an application" },
    { "application", "approve",  s_approve,  "approve a reviewed application" },
    { "application", "reject",   s_reject,   "reject an application" },
    { "application", "review",   s_review,   "review an application: score 1-10 and a comment" },
    { NULL }
};

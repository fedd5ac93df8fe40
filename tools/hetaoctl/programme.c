/*  programme - hetaoctl programme create|get|list|adjust|set-status: funding programmes  */

#include "money.h"

#define PROGRAMME_COLUMNS "id,name,status,budget,available,committed,paid"

static int
s_create (int argc, char **argv)
{
    Hetao__V1__CreateProgrammeRequest request = HETAO__V1__CREATE_PROGRAMME_REQUEST__INIT;
    const char *currency = NULL, *budget = NULL;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &request.name, .flags = CTL_REQUIRED, .help = "the programme's name" },
        { "agency", CTL_STRING, &request.agency_id, .flags = CTL_REQUIRED,
          .help = "the funding agency: a registered organization's id" },
        { "currency", CTL_STRING, &currency, .fallback = "CNY", .help = "the budget's currency (CNY)" },
        { "budget", CTL_STRING, &budget, .flags = CTL_REQUIRED, .help = "total budget, e.g. 370000000.00" },
        { "from", CTL_STRING, &request.starts_on, .flags = CTL_REQUIRED, .help = "first day, YYYY-MM-DD" },
        { "until", CTL_STRING, &request.ends_on, .flags = CTL_REQUIRED, .help = "end (exclusive), YYYY-MM-DD" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl programme create --name N --agency ORG "
                          "--budget AMOUNT --from DATE --until DATE [--currency CNY]");
    if (code)
        return code < 0? 0: code;
    if (!(request.budget = money_flag ("budget", budget, currency, false)))
        return CTL_EXIT_USAGE;
    return money_call ("funding.CreateProgramme", &request.base, &hetao__v1__programme_reply__descriptor,
                       "programme");
}

static int
s_get (int argc, char **argv)
{
    Hetao__V1__GetProgrammeRequest request = HETAO__V1__GET_PROGRAMME_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the programme's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl programme get ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.GetProgramme", &request.base, &hetao__v1__programme_reply__descriptor,
                       "programme");
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListProgrammesRequest request = HETAO__V1__LIST_PROGRAMMES_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__programme_status__descriptor,
          .help = "only open or only closed programmes" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl programme list [--status S]");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListProgrammes", &request.base, &hetao__v1__list_programmes_reply__descriptor,
                       "programmes", PROGRAMME_COLUMNS);
}

static int
s_adjust (int argc, char **argv)
{
    Hetao__V1__AdjustProgrammeBudgetRequest request = HETAO__V1__ADJUST_PROGRAMME_BUDGET_REQUEST__INIT;
    const char *delta = NULL;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the programme's id" },
        { "delta", CTL_STRING, &delta, .flags = CTL_REQUIRED, .help = "increase, or decrease with '-', e.g. -1000.00" },
        { "reason", CTL_STRING, &request.reason, .flags = CTL_REQUIRED, .help = "why the budget changes" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl programme adjust ID --delta AMOUNT --reason R");
    if (code)
        return code < 0? 0: code;
    if (!(request.delta = money_flag ("delta", delta, "CNY", true)))
        return CTL_EXIT_USAGE;
    return money_call ("funding.AdjustProgrammeBudget", &request.base, &hetao__v1__programme_reply__descriptor,
                       "programme");
}

static int
s_set_status (int argc, char **argv)
{
    Hetao__V1__SetProgrammeStatusRequest request = HETAO__V1__SET_PROGRAMME_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the programme's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__programme_status__descriptor,
          .flags = CTL_REQUIRED, .help = "open or closed" },
        { "reason", CTL_STRING, &request.reason, .help = "why" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl programme set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.SetProgrammeStatus", &request.base, &hetao__v1__programme_reply__descriptor,
                       "programme");
}

const ctl_command_t programme_commands [] = {
    { "programme", "create",     s_create,     "create a funding programme with its budget" },
    { "programme", "get",        s_get,        "show one programme and its balances" },
    { "programme", "list",       s_list,       "list programmes" },
    { "programme", "adjust",     s_adjust,     "raise or lower a programme's budget, with a reason" },
    { "programme", "set-status", s_set_status, "open or close a programme" },
    { NULL }
};

/*  disbursement - hetaoctl disbursement request|approve|pay|fail|get|list: payments against awards  */

#include "money.h"

#define DISBURSEMENT_COLUMNS "id,award_id,amount,payee_currency,rate,payee_amount,status"

static int
s_request (int argc, char **argv)
{
    Hetao__V1__RequestDisbursementRequest request = HETAO__V1__REQUEST_DISBURSEMENT_REQUEST__INIT;
    const char *amount = NULL;
    const ctl_option_t options [] = {
        { "award", CTL_STRING, &request.award_id, .flags = CTL_REQUIRED, .help = "the award's id" },
        { "amount", CTL_STRING, &amount, .flags = CTL_REQUIRED, .help = "amount in the award's currency (CNY)" },
        { "payee-currency", CTL_STRING, &request.payee_currency,
          .help = "HKD for a Hong Kong payee, MOP for a Macao one" },
        { "rate", CTL_STRING, &request.rate, .help = "payee currency per CNY, exact decimal, e.g. 1.0856" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl disbursement request --award ID --amount AMOUNT "
                          "[--payee-currency HKD --rate 1.0856]");
    if (code)
        return code < 0? 0: code;
    if (!(request.amount = money_flag ("amount", amount, "CNY", false)))
        return CTL_EXIT_USAGE;
    return money_call ("funding.RequestDisbursement", &request.base, &hetao__v1__disbursement_reply__descriptor,
                       "disbursement");
}

static int
s_act (const char *verb, const char *method, int argc, char **argv)
{
    Hetao__V1__DisbursementActionRequest request = HETAO__V1__DISBURSEMENT_ACTION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the disbursement's id" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required to fail)" },
        { NULL }
    };
    char usage [96];
    snprintf (usage, sizeof usage, "Usage: hetaoctl disbursement %s ID [--reason R]", verb);
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    return money_call (method, &request.base, &hetao__v1__disbursement_reply__descriptor, "disbursement");
}

static int s_approve (int argc, char **argv) { return s_act ("approve", "funding.ApproveDisbursement", argc, argv); }
static int s_pay (int argc, char **argv) { return s_act ("pay", "funding.PayDisbursement", argc, argv); }
static int s_fail (int argc, char **argv) { return s_act ("fail", "funding.FailDisbursement", argc, argv); }

static int
s_get (int argc, char **argv)
{
    Hetao__V1__GetDisbursementRequest request = HETAO__V1__GET_DISBURSEMENT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the disbursement's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl disbursement get ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.GetDisbursement", &request.base, &hetao__v1__disbursement_reply__descriptor,
                       "disbursement");
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListDisbursementsRequest request = HETAO__V1__LIST_DISBURSEMENTS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "award", CTL_STRING, &request.award_id, .flags = CTL_REQUIRED, .help = "the award's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl disbursement list --award ID");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListDisbursements", &request.base,
                       &hetao__v1__list_disbursements_reply__descriptor, "disbursements", DISBURSEMENT_COLUMNS);
}

const ctl_command_t disbursement_commands [] = {
    { "disbursement", "request", s_request, "request a payment against an award" },
    { "disbursement", "approve", s_approve, "approve a requested payment" },
    { "disbursement", "pay",     s_pay,     "record an approved payment as paid" },
    { "disbursement", "fail",    s_fail,    "record a payment as failed, releasing its amount" },
    { "disbursement", "get",     s_get,     "show one disbursement" },
    { "disbursement", "list",    s_list,    "list an award's disbursements" },
    { NULL }
};

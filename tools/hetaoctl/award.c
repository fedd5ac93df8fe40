/*  award - hetaoctl award make|get|list: awards and their tranche schedules  */

#include "money.h"

#define AWARD_COLUMNS "id,application_id,organization_id,amount,in_payment,paid"

static int
s_make (int argc, char **argv)
{
    Hetao__V1__MakeAwardRequest request = HETAO__V1__MAKE_AWARD_REQUEST__INIT;
    const char *amount = NULL, *tranches = NULL;
    const ctl_option_t options [] = {
        { "application", CTL_STRING, &request.application_id, .flags = CTL_REQUIRED,
          .help = "the approved application's id" },
        { "amount", CTL_STRING, &amount, .flags = CTL_REQUIRED, .help = "amount awarded, CNY" },
        { "tranches", CTL_STRING, &tranches, .flags = CTL_REQUIRED,
          .help = "DUE-DATE=AMOUNT,... in date order, summing to the amount" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl award make --application ID --amount AMOUNT "
                          "--tranches 2027-01-01=AMOUNT,...");
    if (code)
        return code < 0? 0: code;
    char **dates;
    Hetao__V1__Money **amounts;
    size_t count;
    if (!(request.amount = money_flag ("amount", amount, "CNY", false))
    ||  !money_list_flag ("tranches", tranches, "CNY", &dates, &amounts, &count))
        return CTL_EXIT_USAGE;
    request.tranches = ctl_alloc (sizeof (void *) * count);
    for (size_t i = 0; i < count; i++) {
        Hetao__V1__Tranche *tranche = ctl_alloc (sizeof *tranche);
        hetao__v1__tranche__init (tranche);
        tranche->due_on = dates [i];
        tranche->amount = amounts [i];
        request.tranches [request.n_tranches++] = tranche;
    }
    return money_call ("funding.MakeAward", &request.base, &hetao__v1__award_reply__descriptor, "award");
}

static int
s_get (int argc, char **argv)
{
    Hetao__V1__GetAwardRequest request = HETAO__V1__GET_AWARD_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the award's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl award get ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.GetAward", &request.base, &hetao__v1__award_reply__descriptor, "award");
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListAwardsRequest request = HETAO__V1__LIST_AWARDS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "programme", CTL_STRING, &request.programme_id, .help = "only this programme's" },
        { "org", CTL_STRING, &request.organization_id, .help = "only this organization's (required for an applicant)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl award list [--programme ID] [--org ID]");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListAwards", &request.base, &hetao__v1__list_awards_reply__descriptor,
                       "awards", AWARD_COLUMNS);
}

const ctl_command_t award_commands [] = {
    { "award", "make", s_make, "award an approved application, with its tranches" },
    { "award", "get",  s_get,  "show one award" },
    { "award", "list", s_list, "list awards" },
    { NULL }
};

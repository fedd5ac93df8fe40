/*  funding_rules - the funding service's rules that need no database  */

#include "funding_rules.h"
#include "ht_money.h"

#include <string.h>

#define A(name) HETAO__V1__APPLICATION_STATUS__APPLICATION_STATUS_ ## name
#define D(name) HETAO__V1__DISBURSEMENT_STATUS__DISBURSEMENT_STATUS_ ## name
#define P(name) HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_ ## name

static const char *s_application_actions [APPLICATION_ACTIONS] = {
    "submit", "review", "approve", "reject", "withdraw"
};

static const char *s_disbursement_actions [DISBURSEMENT_ACTIONS] = {
    "approve", "pay", "fail"
};

//  Rows: the status an application is in; columns: the action. An empty
//  cell (0, UNSPECIFIED) is a refusal. Approval needs at least one review,
//  so only UNDER_REVIEW approves; a submission may be rejected unread.
static const Hetao__V1__ApplicationStatus s_application_table [][APPLICATION_ACTIONS] = {
    //                 submit        review            approve      reject       withdraw
    [A(DRAFT)]        = { A(SUBMITTED), 0,                0,           0,           A(WITHDRAWN) },
    [A(SUBMITTED)]    = { 0,            A(UNDER_REVIEW),  0,           A(REJECTED), A(WITHDRAWN) },
    [A(UNDER_REVIEW)] = { 0,            A(UNDER_REVIEW),  A(APPROVED), A(REJECTED), A(WITHDRAWN) },
    [A(APPROVED)]     = { 0 },
    [A(REJECTED)]     = { 0 },
    [A(WITHDRAWN)]    = { 0 },
};

//  Failing releases the amount; a paid disbursement is final.
static const Hetao__V1__DisbursementStatus s_disbursement_table [][DISBURSEMENT_ACTIONS] = {
    //                 approve       pay      fail
    [D(REQUESTED)] = { D(APPROVED),  0,       D(FAILED) },
    [D(APPROVED)]  = { 0,            D(PAID), D(FAILED) },
    [D(PAID)]      = { 0 },
    [D(FAILED)]    = { 0 },
};

const char *
application_action_name (application_action_t action)
{
    return action < APPLICATION_ACTIONS? s_application_actions [action]: "unknown";
}

const char *
disbursement_action_name (disbursement_action_t action)
{
    return action < DISBURSEMENT_ACTIONS? s_disbursement_actions [action]: "unknown";
}

Hetao__V1__ApplicationStatus
application_next (Hetao__V1__ApplicationStatus from, application_action_t action)
{
    size_t rows = sizeof s_application_table / sizeof s_application_table [0];
    if ((size_t) from >= rows || action >= APPLICATION_ACTIONS)
        return A(UNSPECIFIED);
    return s_application_table [from][action];
}

Hetao__V1__DisbursementStatus
disbursement_next (Hetao__V1__DisbursementStatus from, disbursement_action_t action)
{
    size_t rows = sizeof s_disbursement_table / sizeof s_disbursement_table [0];
    if ((size_t) from >= rows || action >= DISBURSEMENT_ACTIONS)
        return D(UNSPECIFIED);
    return s_disbursement_table [from][action];
}

bool
programme_status_allowed (Hetao__V1__ProgrammeStatus from, Hetao__V1__ProgrammeStatus to)
{
    return (from == P(OPEN) && to == P(CLOSED)) || (from == P(CLOSED) && to == P(OPEN));
}

bool
funding_sum (const int64_t *amounts, size_t count, int64_t *sum)
{
    int64_t total = 0;
    for (size_t i = 0; i < count; i++)
        if (!ht_money_add (total, amounts [i], &total))
            return false;
    *sum = total;
    return true;
}

const char *
funding_payee_currency (const char *region)
{
    static const struct { const char *region, *currency; } s_regions [] = {
        { "mainland",  "CNY" },
        { "hong_kong", "HKD" },
        { "macao",     "MOP" },
        { NULL, NULL }
    };
    for (size_t i = 0; region && s_regions [i].region; i++)
        if (!strcmp (s_regions [i].region, region))
            return s_regions [i].currency;
    return NULL;
}

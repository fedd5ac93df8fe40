/*  funding_rules - the funding service's rules that need no database

    The lifecycles of applications, disbursements and programmes as tables
    (state x action -> next state, or refusal), sums that must match, and
    which currency a payee in each region is paid in. Pure functions;
    unit-tested in tests/unit/test_funding_rules.c.
*/
#ifndef FUNDING_RULES_H_INCLUDED
#define FUNDING_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetao/v1/funding.pb-c.h"

typedef enum {
    APPLICATION_SUBMIT,
    APPLICATION_REVIEW,         //  a review is recorded
    APPLICATION_APPROVE,
    APPLICATION_REJECT,
    APPLICATION_WITHDRAW,
    APPLICATION_ACTIONS
} application_action_t;

typedef enum {
    DISBURSEMENT_APPROVE,
    DISBURSEMENT_PAY,
    DISBURSEMENT_FAIL,
    DISBURSEMENT_ACTIONS
} disbursement_action_t;

//  The verb of `action` for messages and event names ("submit", "approve").
const char *application_action_name (application_action_t action);
const char *disbursement_action_name (disbursement_action_t action);

//  The status an application in `from` moves to on `action`, or
//  APPLICATION_STATUS_UNSPECIFIED when the action is not allowed there.
Hetao__V1__ApplicationStatus application_next (Hetao__V1__ApplicationStatus from,
                                               application_action_t action);

//  The status a disbursement in `from` moves to on `action`, or
//  DISBURSEMENT_STATUS_UNSPECIFIED when the action is not allowed there.
Hetao__V1__DisbursementStatus disbursement_next (Hetao__V1__DisbursementStatus from,
                                                 disbursement_action_t action);

//  True when a programme may move from `from` to `to` (open <-> closed).
bool programme_status_allowed (Hetao__V1__ProgrammeStatus from, Hetao__V1__ProgrammeStatus to);

//  Sums `count` amounts into `*sum`; false on overflow.
bool funding_sum (const int64_t *amounts, size_t count, int64_t *sum);

//  The currency a payee in `region` (a registry region key: "mainland",
//  "hong_kong", "macao", "overseas") is paid in; NULL when the region does
//  not decide it (overseas: the request must name one).
const char *funding_payee_currency (const char *region);

#endif

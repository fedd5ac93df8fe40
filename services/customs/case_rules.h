/*  case_rules - the rules of assistance cases that need no database

    The status table (status x action -> next status), the deadlines of each
    priority, and the reopen window. Pure functions; unit-tested in
    tests/unit/test_customs_rules.c.
*/
#ifndef CASE_RULES_H_INCLUDED
#define CASE_RULES_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "hetao/v1/customs.pb-c.h"

//  The status a case in `from` moves to under `action`, or
//  CASE_STATUS_UNSPECIFIED (0) when the table does not allow it.
Hetao__V1__CaseStatus case_transition (Hetao__V1__CaseStatus from, Hetao__V1__CaseAction action);

//  True when `action` may be taken by the requester itself (an applicant),
//  not only by an officer.
bool case_action_by_requester (Hetao__V1__CaseAction action);

//  True when `action` needs a note saying why.
bool case_action_needs_note (Hetao__V1__CaseAction action);

//  Calendar hours from opening to the deadline of `kind` for `priority`;
//  0 for an unknown priority or kind.
int case_deadline_hours (Hetao__V1__CasePriority priority, Hetao__V1__DeadlineKind kind);

//  True when a case resolved at `resolved_us` may be reopened at `now_us`
//  with a window of `window_days`.
bool case_reopen_allowed (int64_t resolved_us, int64_t now_us, int window_days);

#endif

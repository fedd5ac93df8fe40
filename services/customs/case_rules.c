/*  case_rules - the rules of assistance cases that need no database  */

#include "case_rules.h"

#define OPEN        HETAO__V1__CASE_STATUS__CASE_STATUS_OPEN
#define TRIAGED     HETAO__V1__CASE_STATUS__CASE_STATUS_TRIAGED
#define IN_PROGRESS HETAO__V1__CASE_STATUS__CASE_STATUS_IN_PROGRESS
#define WAITING     HETAO__V1__CASE_STATUS__CASE_STATUS_WAITING_ON_REQUESTER
#define RESOLVED    HETAO__V1__CASE_STATUS__CASE_STATUS_RESOLVED
#define CLOSED      HETAO__V1__CASE_STATUS__CASE_STATUS_CLOSED

#define TRIAGE      HETAO__V1__CASE_ACTION__CASE_ACTION_TRIAGE
#define START       HETAO__V1__CASE_ACTION__CASE_ACTION_START
#define WAIT        HETAO__V1__CASE_ACTION__CASE_ACTION_WAIT
#define RESUME      HETAO__V1__CASE_ACTION__CASE_ACTION_RESUME
#define RESOLVE     HETAO__V1__CASE_ACTION__CASE_ACTION_RESOLVE
#define CLOSE       HETAO__V1__CASE_ACTION__CASE_ACTION_CLOSE
#define REOPEN      HETAO__V1__CASE_ACTION__CASE_ACTION_REOPEN

#define STATUSES    7
#define ACTIONS     8

//  The whole lifecycle: every move not listed here is refused.
static const struct {
    Hetao__V1__CaseStatus from;
    Hetao__V1__CaseAction action;
    Hetao__V1__CaseStatus to;
} s_table [] = {
    { OPEN,        TRIAGE,  TRIAGED },
    { TRIAGED,     START,   IN_PROGRESS },
    { IN_PROGRESS, WAIT,    WAITING },
    { WAITING,     RESUME,  IN_PROGRESS },
    { IN_PROGRESS, RESOLVE, RESOLVED },
    { WAITING,     RESOLVE, RESOLVED },
    { RESOLVED,    CLOSE,   CLOSED },
    { RESOLVED,    REOPEN,  IN_PROGRESS },
};

Hetao__V1__CaseStatus
case_transition (Hetao__V1__CaseStatus from, Hetao__V1__CaseAction action)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table [0]; i++)
        if (s_table [i].from == from && s_table [i].action == action)
            return s_table [i].to;
    return HETAO__V1__CASE_STATUS__CASE_STATUS_UNSPECIFIED;
}

bool
case_action_by_requester (Hetao__V1__CaseAction action)
{
    //  The requester answers (resume), accepts (close) or disputes (reopen).
    return action == RESUME || action == CLOSE || action == REOPEN;
}

bool
case_action_needs_note (Hetao__V1__CaseAction action)
{
    return action == RESOLVE || action == REOPEN;
}

int
case_deadline_hours (Hetao__V1__CasePriority priority, Hetao__V1__DeadlineKind kind)
{
    //  Calendar hours: first response, resolution.
    static const int hours [5][2] = {
        { 0, 0 }, { 4, 24 }, { 8, 72 }, { 24, 120 }, { 72, 240 }
    };
    if (priority < 1 || priority > 4 || kind < 1 || kind > 2)
        return 0;
    return hours [priority][kind - 1];
}

bool
case_reopen_allowed (int64_t resolved_us, int64_t now_us, int window_days)
{
    return now_us - resolved_us <= (int64_t) window_days * 86400 * 1000000;
}

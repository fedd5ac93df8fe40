/*  application - applications to a call: create, submit, withdraw, approve, reject, get, list

    An organization applies, for one of its registered projects, while the
    call is open, with a budget breakdown whose lines sum to the amount.
    The lifecycle is the table in funding_rules.c; every move emits
    funding.application.<new status>.
*/

#include "application.h"
#include "funding_call.h"
#include "parties.h"
#include "programme.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define REASON_MAX_CHARS 500

#define A(name) HETAO__V1__APPLICATION_STATUS__APPLICATION_STATUS_ ## name

#define APPLICATION_COLUMNS \
    "a.id, a.call_id, a.programme_id, a.organization_id, a.project_id, a.amount, a.status," \
    " a.status_reason, a.review_count, a.score_total, a.version, " \
    HT_SQL_US ("a.created_at") ", " HT_SQL_US ("a.updated_at") "," \
    " (SELECT string_agg(l.category || ':' || l.amount, ',' ORDER BY l.category)" \
    "  FROM application_line l WHERE l.application_id = a.id)"

const ht_query_t application_queries [] = {
    { "application_insert",
      "INSERT INTO application (id, call_id, programme_id, organization_id, project_id, currency,"
      " amount, status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, 'CNY', $6::bigint, 'draft', 1,"
      " " HT_SQL_FROM_US (7) ", " HT_SQL_FROM_US (7) ")" },
    { "application_line_insert",
      "INSERT INTO application_line (application_id, category, amount) VALUES ($1::uuid, $2, $3::bigint)" },
    { "application_get",
      "SELECT " APPLICATION_COLUMNS " FROM application a WHERE a.id = $1::uuid" },
    { "application_get_for_update",
      "SELECT " APPLICATION_COLUMNS " FROM application a WHERE a.id = $1::uuid FOR UPDATE" },
    { "application_list",
      "SELECT " APPLICATION_COLUMNS " FROM application a"
      " WHERE ($1::uuid IS NULL OR a.call_id = $1::uuid)"
      "   AND ($2::uuid IS NULL OR a.organization_id = $2::uuid)"
      "   AND ($3::text IS NULL OR a.status = $3)"
      " ORDER BY a.created_at, a.id LIMIT 500" },
    { "application_store",
      "UPDATE application SET status = $2, status_reason = $3, review_count = $4::int,"
      " score_total = $5::int, version = $6::bigint, updated_at = " HT_SQL_FROM_US (7)
      " WHERE id = $1::uuid" },
    { NULL, NULL }
};

const ht_constraint_t application_constraints [] = {
    { "application_line_pkey", HT_INVALID_ARGUMENT, "breakdown", "lists a category twice" },
    { NULL }
};

//  ---------------------------------------------------------------------------

static Hetao__V1__Application *
s_from_row (ht_call_t *call, const PGresult *result, int row)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__Application *application = ht_arena_alloc (arena, sizeof *application);
    hetao__v1__application__init (application);
    application->id = PQgetvalue (result, row, 0);
    application->call_id = PQgetvalue (result, row, 1);
    application->programme_id = PQgetvalue (result, row, 2);
    application->organization_id = PQgetvalue (result, row, 3);
    application->project_id = PQgetvalue (result, row, 4);
    application->amount = wire_money (call, FUNDING_CURRENCY, ht_row_int (result, row, 5));
    application->has_status = true;
    application->status = ht_row_enum (&hetao__v1__application_status__descriptor, PQgetvalue (result, row, 6));
    application->status_reason = ht_row_text (result, row, 7);
    application->has_review_count = application->has_score_total = true;
    application->review_count = (uint32_t) ht_row_int (result, row, 8);
    application->score_total = (uint32_t) ht_row_int (result, row, 9);
    application->has_version = application->has_created_at_us = application->has_updated_at_us = true;
    application->version = ht_row_int (result, row, 10);
    application->created_at_us = ht_row_int (result, row, 11);
    application->updated_at_us = ht_row_int (result, row, 12);
    //  "equipment:8500000000,personnel:10000000000"
    char *lines = ht_arena_strdup (arena, ht_row_text (result, row, 13)? PQgetvalue (result, row, 13): "");
    application->breakdown = ht_arena_alloc (arena, sizeof (void *) * 8);
    for (char *save, *part = strtok_r (lines, ",", &save); part && application->n_breakdown < 8;
         part = strtok_r (NULL, ",", &save)) {
        char *colon = strchr (part, ':');
        if (!colon)
            continue;
        *colon = 0;
        Hetao__V1__BudgetLine *line = ht_arena_alloc (arena, sizeof *line);
        hetao__v1__budget_line__init (line);
        line->has_category = true;
        line->category = ht_row_enum (&hetao__v1__budget_category__descriptor, part);
        line->amount = wire_money (call, FUNDING_CURRENCY, strtoll (colon + 1, NULL, 10));
        application->breakdown [application->n_breakdown++] = line;
    }
    return application;
}

Hetao__V1__Application *
application_load (ht_call_t *call, const char *field, const char *id, bool lock)
{
    if (lock && !ht_call_lock (call, "application", id))
        return NULL;
    PGresult *result = ht_row_find_as (call, lock? "application_get_for_update": "application_get",
                                       field, "application", id);
    return result? s_from_row (call, result, 0): NULL;
}

static void
s_emit (ht_call_t *call, const char *what, Hetao__V1__Application *application,
        Hetao__V1__ApplicationStatus previous)
{
    ht_row_emit (call, ht_arena_printf (ht_call_arena (call), "funding.application.%s", what),
                 &hetao__v1__application_event__descriptor, &application->base, (int) previous);
}

static void
s_reply (ht_call_t *call, Hetao__V1__Application *application)
{
    ht_row_reply (call, &hetao__v1__application_reply__descriptor, &application->base);
}

bool
application_move (ht_call_t *call, const char *field, Hetao__V1__Application *application,
                  application_action_t action, const char *reason)
{
    Hetao__V1__ApplicationStatus previous = application->status;
    Hetao__V1__ApplicationStatus next = application_next (previous, action);
    if (!next) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "an application that is %s cannot %s%s",
                      ht_row_key (call, &hetao__v1__application_status__descriptor, previous),
                      action == APPLICATION_REVIEW? "be ": "",
                      action == APPLICATION_REVIEW? "reviewed": application_action_name (action));
        return false;
    }
    application->status = next;
    if (reason)
        application->status_reason = *reason? (char *) reason: NULL;
    application->version++;
    application->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "application_store", HT_ARGS (
        application->id, ht_row_key (call, &hetao__v1__application_status__descriptor, next),
        application->status_reason,
        ht_call_int (call, application->review_count), ht_call_int (call, application->score_total),
        ht_call_int (call, application->version), ht_call_int (call, application->updated_at_us)));
    //  A second review leaves the status as it is: the review's own event says it.
    if (next != previous)
        s_emit (call, ht_row_key (call, &hetao__v1__application_status__descriptor, next), application, previous);
    return true;
}

//  ---------------------------------------------------------------------------
//  Methods

//  Checks the breakdown: each line a known category at most once, in CNY,
//  more than zero, and the lines summing to `amount`.
static void
s_check_breakdown (ht_call_t *call, const Hetao__V1__CreateApplicationRequest *request, int64_t amount)
{
    if (request->n_breakdown == 0) {
        ht_call_violation (call, "breakdown", "is required: one line per budget category, "
                           "summing to the amount");
        return;
    }
    int64_t *amounts = ht_arena_alloc (ht_call_arena (call), sizeof (int64_t) * request->n_breakdown);
    for (size_t i = 0; i < request->n_breakdown; i++) {
        const Hetao__V1__BudgetLine *line = request->breakdown [i];
        if (!ht_call_check_enum (call, "breakdown.category", line->has_category, line->category,
                                 &hetao__v1__budget_category__descriptor)
        ||  !wire_check_money (call, "breakdown.amount", line->amount, FUNDING_CURRENCY, false, &amounts [i]))
            return;
        for (size_t j = 0; j < i; j++)
            if (request->breakdown [j]->category == line->category) {
                ht_call_violation (call, "breakdown", "lists %s twice",
                                   ht_row_key (call, &hetao__v1__budget_category__descriptor, line->category));
                return;
            }
    }
    int64_t sum;
    if (!funding_sum (amounts, request->n_breakdown, &sum))
        ht_call_violation (call, "breakdown", "the lines overflow when summed");
    else
    if (amount && sum != amount)
        ht_call_violation (call, "breakdown", "the lines sum to %s, not the amount %s",
                           wire_money_text (call, FUNDING_CURRENCY, sum),
                           wire_money_text (call, FUNDING_CURRENCY, amount));
}

void
application_create (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CreateApplicationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "call_id", request->call_id);
    bool org_ok = ht_call_check_uuid (call, "organization_id", request->organization_id);
    ht_call_check_uuid (call, "project_id", request->project_id);
    int64_t amount = 0;
    wire_check_money (call, "amount", request->amount, FUNDING_CURRENCY, false, &amount);
    s_check_breakdown (call, request, amount);
    if (!org_ok || ht_call_failed (call)
    ||  !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;

    Hetao__V1__FundingCall *round = funding_call_load (call, "call_id", request->call_id);
    if (!round)
        return;
    int64_t now = ht_call_now_us (call);
    if (now < round->opens_at_us || now >= round->closes_at_us) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "call_id", "the call %s is %s: it takes "
                      "applications only while it is open", round->name,
                      now < round->opens_at_us? "not open yet": "closed");
        return;
    }
    Hetao__V1__Programme *programme = programme_load (call, "call_id", round->programme_id, false);
    if (!programme)
        return;
    if (programme->status != HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_OPEN) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "call_id", "the call's programme is closed");
        return;
    }
    ht_regview_org_t org;
    ht_regview_project_t project;
    if (!party_organization (call, "organization_id", request->organization_id, &org)
    ||  !party_project (call, "project_id", request->project_id, &project)
    ||  !party_project_live (call, "project_id", &project))
        return;
    if (!party_project_has (&project, request->organization_id)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "project_id", "organization %s takes no part "
                      "in project %s", request->organization_id, request->project_id);
        return;
    }

    Hetao__V1__Application application = HETAO__V1__APPLICATION__INIT;
    application.id = (char *) wire_uuid (call);
    application.call_id = round->id;
    application.programme_id = round->programme_id;
    application.organization_id = request->organization_id;
    application.project_id = request->project_id;
    application.amount = wire_money (call, FUNDING_CURRENCY, amount);
    application.n_breakdown = request->n_breakdown;
    application.breakdown = request->breakdown;
    application.has_status = true;
    application.status = A(DRAFT);
    application.has_review_count = application.has_score_total = true;
    application.has_version = application.has_created_at_us = application.has_updated_at_us = true;
    application.version = 1;
    application.created_at_us = application.updated_at_us = now;
    ht_call_write (call, "application_insert", HT_ARGS (
        application.id, application.call_id, application.programme_id, application.organization_id,
        application.project_id, ht_call_int (call, amount), ht_call_int (call, now)));
    for (size_t i = 0; i < request->n_breakdown; i++)
        ht_call_write (call, "application_line_insert", HT_ARGS (
            application.id,
            ht_row_key (call, &hetao__v1__budget_category__descriptor, request->breakdown [i]->category),
            ht_call_int (call, request->breakdown [i]->amount->minor_units)));
    s_emit (call, "created", &application, 0);
    s_reply (call, &application);
}

void
application_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetApplicationRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Application *application = application_load (call, "id", request->id, false);
    if (application && ht_call_acts_for (call, "id", application->organization_id))
        s_reply (call, application);
}

void
application_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListApplicationsRequest *request = (const void *) message;
    if (request->call_id)
        ht_call_check_uuid (call, "call_id", request->call_id);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__application_status__descriptor);
    //  An applicant lists only its own organization's applications.
    if (ht_call_failed (call) || !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;
    PGresult *result = ht_call_query (call, "application_list", HT_ARGS (
        request->call_id, request->organization_id,
        request->has_status? ht_row_key (call, &hetao__v1__application_status__descriptor, request->status): NULL));
    if (!result)
        return;
    Hetao__V1__ListApplicationsReply reply = HETAO__V1__LIST_APPLICATIONS_REPLY__INIT;
    int rows = PQntuples (result);
    reply.applications = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.applications [reply.n_applications++] = s_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

//  Submit, withdraw, approve, reject: one move along the table.
static void
s_act (ht_call_t *call, const ProtobufCMessage *message, application_action_t action)
{
    const Hetao__V1__ApplicationActionRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->reason)
        ht_call_check_text (call, "reason", request->reason, 0, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Application *application = application_load (call, "id", request->id, true);
    if (!application || !ht_call_acts_for (call, "id", application->organization_id))
        return;
    if (application_move (call, "id", application, action, request->reason))
        s_reply (call, application);
}

void
application_submit (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, APPLICATION_SUBMIT);
}

void
application_withdraw (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, APPLICATION_WITHDRAW);
}

void
application_approve (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, APPLICATION_APPROVE);
}

void
application_reject (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, APPLICATION_REJECT);
}

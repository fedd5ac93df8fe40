/*  case - assistance cases: open, follow, move through their lifecycle,
    reassign, notes, and the timer that records deadline breaches

    Every case is assigned by routing when it is opened and gets two
    deadlines (case_deadline): first response and resolution, in calendar
    hours by priority (case_rules.c). An officer's first status change or
    note meets the first; resolving meets the second. The breach timer
    (case_breach_deadlines, a job) claims due, unmet deadlines with
    FOR UPDATE SKIP LOCKED, marks them breached and emits
    customs.case.deadline_breached in the same transaction: once, on one
    replica, whenever the service is running, also after a restart.

    Requesters (applicants) see and act on their own organization's cases only.
*/

#include "case.h"
#include "case_rules.h"
#include "organization.h"
#include "routing.h"
#include "settings.h"
#include "wire.h"
#include "ht_text.h"

#include <string.h>

#define DESCRIPTION_MAX_CHARS 2000
#define NOTE_MAX_CHARS        2000
#define REASON_MAX_CHARS      500
#define BREACHES_PER_RUN      "8"

//  Columns every case query returns, in this order (see s_case_from_row).
#define CASE_COLUMNS \
    "c.id, c.organization_id, c.category, c.priority, c.description, c.status, c.team, c.officer," \
    " " HT_SQL_US ("f.due_at") ", " HT_SQL_US ("r.due_at") ", " HT_SQL_US ("c.first_response_at") "," \
    " " HT_SQL_US ("c.resolved_at") ", " HT_SQL_US ("c.closed_at") "," \
    " f.breached_at IS NOT NULL, r.breached_at IS NOT NULL, c.version," \
    " " HT_SQL_US ("c.created_at") ", " HT_SQL_US ("c.updated_at")
#define CASE_FROM \
    " FROM assistance_case c" \
    " JOIN case_deadline f ON f.case_id = c.id AND f.kind = 'first_response'" \
    " JOIN case_deadline r ON r.case_id = c.id AND r.kind = 'resolution'"
#define NOTE_COLUMNS "id, case_id, author, by_officer, text, " HT_SQL_US ("created_at")

const ht_query_t case_queries [] = {
    { "case_insert",
      "INSERT INTO assistance_case (id, organization_id, category, priority, description, status,"
      " team, officer, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3, $4, $5, 'open', $6, $7, 1, " HT_SQL_FROM_US (8) ", "
      HT_SQL_FROM_US (8) ")" },
    { "case_deadline_insert",
      "INSERT INTO case_deadline (case_id, kind, due_at) VALUES ($1::uuid, $2, " HT_SQL_FROM_US (3) ")" },
    { "case_get",
      "SELECT " CASE_COLUMNS CASE_FROM " WHERE c.id = $1::uuid" },
    { "case_get_for_update",
      "SELECT " CASE_COLUMNS CASE_FROM " WHERE c.id = $1::uuid FOR UPDATE OF c" },
    { "case_list",
      "SELECT " CASE_COLUMNS CASE_FROM
      " WHERE ($1::uuid IS NULL OR c.organization_id = $1::uuid)"
      "   AND ($2::text IS NULL OR c.status = $2)"
      "   AND ($3::text IS NULL OR c.officer = $3)"
      "   AND ($4::uuid IS NULL OR c.id < $4::uuid)"
      " ORDER BY c.id DESC LIMIT $5::int" },
    { "case_store",
      "UPDATE assistance_case SET status = $2, team = $3, officer = $4,"
      " first_response_at = " HT_SQL_FROM_US (5) ", resolved_at = " HT_SQL_FROM_US (6) ","
      " closed_at = " HT_SQL_FROM_US (7) ", version = $8::bigint, updated_at = " HT_SQL_FROM_US (9)
      " WHERE id = $1::uuid" },
    //  Met late is still met; a breach already recorded stays recorded.
    { "case_deadline_meet",
      "UPDATE case_deadline SET met_at = " HT_SQL_FROM_US (3)
      " WHERE case_id = $1::uuid AND kind = $2 AND met_at IS NULL" },
    { "case_deadline_unmeet",
      "UPDATE case_deadline SET met_at = NULL WHERE case_id = $1::uuid AND kind = $2" },
    { "case_note_insert",
      "INSERT INTO case_note (id, case_id, author, by_officer, text, created_at)"
      " VALUES ($1::uuid, $2::uuid, $3, $4::boolean, $5, " HT_SQL_FROM_US (6) ")" },
    { "case_notes",
      "SELECT " NOTE_COLUMNS " FROM case_note WHERE case_id = $1::uuid ORDER BY created_at, id" },
    //  The breach timer's claim: rows another replica is working on are skipped.
    { "case_deadlines_due",
      "SELECT case_id, kind FROM case_deadline"
      " WHERE met_at IS NULL AND breached_at IS NULL AND due_at <= " HT_SQL_FROM_US (1)
      " ORDER BY due_at LIMIT " BREACHES_PER_RUN " FOR UPDATE SKIP LOCKED" },
    { "case_deadline_breach",
      "UPDATE case_deadline SET breached_at = " HT_SQL_FROM_US (3)
      " WHERE case_id = $1::uuid AND kind = $2" },
    { NULL, NULL }
};

const ht_constraint_t case_constraints [] = {
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__AssistanceCase *
s_case_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__AssistanceCase *c = ht_arena_alloc (ht_call_arena (call), sizeof *c);
    hetao__v1__assistance_case__init (c);
    c->id = ht_row_text (result, row, 0);
    c->organization_id = ht_row_text (result, row, 1);
    c->has_category = c->has_priority = c->has_status = true;
    c->category = ht_row_enum (&hetao__v1__case_category__descriptor, PQgetvalue (result, row, 2));
    c->priority = ht_row_enum (&hetao__v1__case_priority__descriptor, PQgetvalue (result, row, 3));
    c->description = ht_row_text (result, row, 4);
    c->status = ht_row_enum (&hetao__v1__case_status__descriptor, PQgetvalue (result, row, 5));
    c->team = ht_row_text (result, row, 6);
    c->officer = ht_row_text (result, row, 7);
    wire_opt_int (result, row, 8, &c->has_first_response_due_us, &c->first_response_due_us);
    wire_opt_int (result, row, 9, &c->has_resolution_due_us, &c->resolution_due_us);
    wire_opt_int (result, row, 10, &c->has_first_response_at_us, &c->first_response_at_us);
    wire_opt_int (result, row, 11, &c->has_resolved_at_us, &c->resolved_at_us);
    wire_opt_int (result, row, 12, &c->has_closed_at_us, &c->closed_at_us);
    c->has_first_response_breached = c->has_resolution_breached = true;
    c->first_response_breached = ht_row_bool (result, row, 13);
    c->resolution_breached = ht_row_bool (result, row, 14);
    c->has_version = c->has_created_at_us = c->has_updated_at_us = true;
    c->version = ht_row_int (result, row, 15);
    c->created_at_us = ht_row_int (result, row, 16);
    c->updated_at_us = ht_row_int (result, row, 17);
    return c;
}

static Hetao__V1__CaseNote *
s_note_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__CaseNote *note = ht_arena_alloc (ht_call_arena (call), sizeof *note);
    hetao__v1__case_note__init (note);
    note->id = ht_row_text (result, row, 0);
    note->case_id = ht_row_text (result, row, 1);
    note->author = ht_row_text (result, row, 2);
    note->has_by_officer = note->has_created_at_us = true;
    note->by_officer = ht_row_bool (result, row, 3);
    note->text = ht_row_text (result, row, 4);
    note->created_at_us = ht_row_int (result, row, 5);
    return note;
}

static void
s_reply (ht_call_t *call, Hetao__V1__AssistanceCase *c)
{
    ht_row_reply (call, &hetao__v1__case_reply__descriptor, &c->base);
}

//  Loads case `id` (locked when `query` says so); NULL when the call failed
//  or it does not exist (then the call is NOT_FOUND on `field`).
static Hetao__V1__AssistanceCase *
s_load (ht_call_t *call, const char *field, const char *id, const char *query)
{
    PGresult *result = ht_call_query (call, query, HT_ARGS (id));
    if (!result)
        return NULL;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no case has id %s", id);
        return NULL;
    }
    return s_case_from_row (call, result, 0);
}

//  Loads case `id` for a change: the ordering lock first, then the row,
//  then whether the caller may act for its organization.
static Hetao__V1__AssistanceCase *
s_lock (ht_call_t *call, const char *field, const char *id)
{
    if (!ht_call_check_uuid (call, field, id) || !ht_call_lock (call, "case", id))
        return NULL;
    Hetao__V1__AssistanceCase *c = s_load (call, field, id, "case_get_for_update");
    if (c && !ht_call_acts_for (call, field, c->organization_id))
        return NULL;
    return c;
}

//  True when the caller works cases (an officer), not only its own (a requester).
static bool
s_by_officer (ht_call_t *call)
{
    return (ht_call_principal (call)->roles & HT_ROLE_CUSTOMS_OFFICER) != 0;
}

static const char *
s_opt_us (ht_call_t *call, bool has, int64_t value)
{
    return has? ht_call_int (call, value): NULL;
}

//  Writes the case back with the next version.
static void
s_write (ht_call_t *call, Hetao__V1__AssistanceCase *c)
{
    c->version++;
    c->updated_at_us = customs_now_us (call);
    ht_call_write (call, "case_store", HT_ARGS (
        c->id,
        ht_row_key (call, &hetao__v1__case_status__descriptor, c->status),
        c->team, c->officer,
        s_opt_us (call, c->has_first_response_at_us, c->first_response_at_us),
        s_opt_us (call, c->has_resolved_at_us, c->resolved_at_us),
        s_opt_us (call, c->has_closed_at_us, c->closed_at_us),
        ht_call_int (call, c->version),
        ht_call_int (call, c->updated_at_us)));
}

//  Writes the case back, emits `type` with the case in `event` and replies with the case.
static void
s_store (ht_call_t *call, Hetao__V1__AssistanceCase *c, const char *type, Hetao__V1__CaseEvent *event)
{
    s_write (call, c);
    event->assistance_case = c;
    ht_call_emit (call, type, c->id, &event->base);
    s_reply (call, c);
}

//  Adds a note to the timeline; returns it (for the event).
static Hetao__V1__CaseNote *
s_note (ht_call_t *call, Hetao__V1__AssistanceCase *c, const char *text)
{
    Hetao__V1__CaseNote *note = ht_arena_alloc (ht_call_arena (call), sizeof *note);
    hetao__v1__case_note__init (note);
    char *id = ht_arena_alloc (ht_call_arena (call), 37);
    ht_uuid_v7 (id);
    note->id = id;
    note->case_id = c->id;
    note->author = (char *) ht_call_principal (call)->name;
    note->has_by_officer = note->has_created_at_us = true;
    note->by_officer = s_by_officer (call);
    note->text = (char *) text;
    note->created_at_us = customs_now_us (call);
    ht_call_write (call, "case_note_insert", HT_ARGS (
        note->id, c->id, note->author, note->by_officer? "true": "false", note->text,
        ht_call_int (call, note->created_at_us)));
    return note;
}

//  An officer acting on a case for the first time meets its first-response deadline.
static void
s_first_response (ht_call_t *call, Hetao__V1__AssistanceCase *c)
{
    if (!s_by_officer (call) || c->has_first_response_at_us)
        return;
    c->has_first_response_at_us = true;
    c->first_response_at_us = customs_now_us (call);
    ht_call_write (call, "case_deadline_meet", HT_ARGS (c->id, "first_response",
                                                        ht_call_int (call, c->first_response_at_us)));
}

//  ---------------------------------------------------------------------------
//  Methods

void
case_open (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__OpenCaseRequest *request = (const void *) message;
    ht_call_check_enum (call, "category", request->has_category, request->category,
                        &hetao__v1__case_category__descriptor);
    ht_call_check_enum (call, "priority", request->has_priority, request->priority,
                        &hetao__v1__case_priority__descriptor);
    ht_call_check_text (call, "description", request->description, 1, DESCRIPTION_MAX_CHARS);
    if (ht_call_check_uuid (call, "organization_id", request->organization_id))
        ht_call_acts_for (call, "organization_id", request->organization_id);
    if (ht_call_failed (call) || !organization_check (call, "organization_id", request->organization_id))
        return;

    const char *category = ht_row_key (call, &hetao__v1__case_category__descriptor, request->category);
    const char *priority = ht_row_key (call, &hetao__v1__case_priority__descriptor, request->priority);
    const char *team, *officer;
    if (!routing_assign (call, category, priority, &team, &officer))
        return;
    char id [37];
    ht_uuid_v7 (id);
    int64_t now = customs_now_us (call);
    Hetao__V1__AssistanceCase c = HETAO__V1__ASSISTANCE_CASE__INIT;
    c.id = id;
    c.organization_id = request->organization_id;
    c.has_category = c.has_priority = c.has_status = true;
    c.category = request->category;
    c.priority = request->priority;
    c.description = request->description;
    c.status = HETAO__V1__CASE_STATUS__CASE_STATUS_OPEN;
    c.team = (char *) team;
    c.officer = (char *) officer;
    c.has_first_response_due_us = c.has_resolution_due_us = true;
    c.first_response_due_us = now + (int64_t) case_deadline_hours (
        request->priority, HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_FIRST_RESPONSE) * 3600 * 1000000;
    c.resolution_due_us = now + (int64_t) case_deadline_hours (
        request->priority, HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_RESOLUTION) * 3600 * 1000000;
    c.has_first_response_breached = c.has_resolution_breached = true;
    c.has_version = c.has_created_at_us = c.has_updated_at_us = true;
    c.version = 1;
    c.created_at_us = c.updated_at_us = now;
    ht_call_write (call, "case_insert", HT_ARGS (
        id, c.organization_id, category, priority, c.description, team, officer, ht_call_int (call, now)));
    ht_call_write (call, "case_deadline_insert", HT_ARGS (
        id, "first_response", ht_call_int (call, c.first_response_due_us)));
    ht_call_write (call, "case_deadline_insert", HT_ARGS (
        id, "resolution", ht_call_int (call, c.resolution_due_us)));
    Hetao__V1__CaseEvent event = HETAO__V1__CASE_EVENT__INIT;
    event.assistance_case = &c;
    ht_call_emit (call, "customs.case.opened", id, &event.base);
    s_reply (call, &c);
}

void
case_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetCaseRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__AssistanceCase *c = s_load (call, "id", request->id, "case_get");
    if (c && ht_call_acts_for (call, "id", c->organization_id))
        s_reply (call, c);
}

void
case_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListCasesRequest *request = (const void *) message;
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__case_status__descriptor);
    if (request->officer)
        ht_call_check_text (call, "officer", request->officer, 1, 64);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call) || !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;
    PGresult *result = ht_call_query (call, "case_list", HT_ARGS (
        request->organization_id,
        request->has_status? ht_row_key (call, &hetao__v1__case_status__descriptor, request->status): NULL,
        request->officer, request->page_token, ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListCasesReply reply = HETAO__V1__LIST_CASES_REPLY__INIT;
    reply.cases = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.cases [reply.n_cases++] = s_case_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.cases [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

void
case_change_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ChangeCaseStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    bool action_ok = ht_call_check_enum (call, "action", request->has_action, request->action,
                                         &hetao__v1__case_action__descriptor);
    if (action_ok && case_action_needs_note (request->action))
        ht_call_check_text (call, "note", request->note, 1, NOTE_MAX_CHARS);
    else
    if (request->note)
        ht_call_check_text (call, "note", request->note, 1, NOTE_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    const char *action = ht_row_key (call, &hetao__v1__case_action__descriptor, request->action);
    if (!s_by_officer (call) && !case_action_by_requester (request->action)) {
        ht_call_fail (call, HT_PERMISSION_DENIED, "action", "a requester may resume, close or reopen "
                      "its case; '%s' is for officers", action);
        return;
    }
    Hetao__V1__AssistanceCase *c = s_lock (call, "id", request->id);
    if (!c)
        return;
    if (!ht_row_check_version (call, "case", c->version, request->has_expected_version,
                               request->expected_version))
        return;
    Hetao__V1__CaseStatus next = case_transition (c->status, request->action);
    if (!next) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "action", "a case that is %s cannot be %s: see the "
                      "case lifecycle in docs/protocol.md",
                      ht_row_key (call, &hetao__v1__case_status__descriptor, c->status), action);
        return;
    }
    int64_t now = customs_now_us (call);
    if (request->action == HETAO__V1__CASE_ACTION__CASE_ACTION_REOPEN
    &&  !case_reopen_allowed (c->resolved_at_us, now, customs_reopen_days ())) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "action", "the case was resolved more than %d days ago "
                      "and can no longer be reopened: open a new case", customs_reopen_days ());
        return;
    }
    Hetao__V1__CaseEvent event = HETAO__V1__CASE_EVENT__INIT;
    event.has_previous_status = true;
    event.previous_status = c->status;
    c->status = next;
    s_first_response (call, c);
    switch (request->action) {
        case HETAO__V1__CASE_ACTION__CASE_ACTION_RESOLVE:
            c->has_resolved_at_us = true;
            c->resolved_at_us = now;
            ht_call_write (call, "case_deadline_meet", HT_ARGS (c->id, "resolution", ht_call_int (call, now)));
            break;
        case HETAO__V1__CASE_ACTION__CASE_ACTION_REOPEN:
            //  The resolution deadline runs again from where it stood.
            c->has_resolved_at_us = false;
            ht_call_write (call, "case_deadline_unmeet", HT_ARGS (c->id, "resolution"));
            break;
        case HETAO__V1__CASE_ACTION__CASE_ACTION_CLOSE:
            c->has_closed_at_us = true;
            c->closed_at_us = now;
            break;
        default:
            break;
    }
    if (request->note)
        event.note = s_note (call, c, request->note);
    s_store (call, c, "customs.case.status_changed", &event);
}

void
case_reassign (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ReassignCaseRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_text (call, "officer", request->officer, 1, 64);
    ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__AssistanceCase *c = s_lock (call, "id", request->id);
    const char *team = NULL;
    if (!c || !routing_officer_active (call, "officer", request->officer, &team))
        return;
    if (!strcmp (c->officer, request->officer)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "officer", "the case is already assigned to '%s'",
                      request->officer);
        return;
    }
    if (c->status == HETAO__V1__CASE_STATUS__CASE_STATUS_CLOSED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the case is closed");
        return;
    }
    Hetao__V1__CaseEvent event = HETAO__V1__CASE_EVENT__INIT;
    event.previous_officer = c->officer;
    event.reason = request->reason;
    c->officer = request->officer;
    c->team = (char *) team;
    s_store (call, c, "customs.case.reassigned", &event);
}

void
case_note_add (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AddCaseNoteRequest *request = (const void *) message;
    ht_call_check_uuid (call, "case_id", request->case_id);
    ht_call_check_text (call, "text", request->text, 1, NOTE_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__AssistanceCase *c = s_lock (call, "case_id", request->case_id);
    if (!c)
        return;
    if (c->status == HETAO__V1__CASE_STATUS__CASE_STATUS_CLOSED) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "case_id", "the case is closed");
        return;
    }
    s_first_response (call, c);
    Hetao__V1__CaseEvent event = HETAO__V1__CASE_EVENT__INIT;
    Hetao__V1__CaseNote *note = s_note (call, c, request->text);
    event.note = note;
    s_write (call, c);
    event.assistance_case = c;
    ht_call_emit (call, "customs.case.note_added", c->id, &event.base);
    ht_row_reply (call, &hetao__v1__case_note_reply__descriptor, &note->base);
}

void
case_notes_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListCaseNotesRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "case_id", request->case_id))
        return;
    Hetao__V1__AssistanceCase *c = s_load (call, "case_id", request->case_id, "case_get");
    if (!c || !ht_call_acts_for (call, "case_id", c->organization_id))
        return;
    PGresult *result = ht_call_query (call, "case_notes", HT_ARGS (c->id));
    if (!result)
        return;
    int rows = PQntuples (result);
    Hetao__V1__ListCaseNotesReply reply = HETAO__V1__LIST_CASE_NOTES_REPLY__INIT;
    reply.notes = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.notes [reply.n_notes++] = s_note_from_row (call, result, row);
    ht_call_reply (call, &reply.base);
}

//  ---------------------------------------------------------------------------
//  The breach timer

void
case_breach_deadlines (ht_call_t *call, const ProtobufCMessage *unused)
{
    const char *now = ht_call_int (call, customs_now_us (call));
    PGresult *due = ht_call_query (call, "case_deadlines_due", HT_ARGS (now));
    if (!due)
        return;
    for (int row = 0; row < PQntuples (due); row++) {
        const char *id = PQgetvalue (due, row, 0);
        const char *kind = PQgetvalue (due, row, 1);
        ht_call_write (call, "case_deadline_breach", HT_ARGS (id, kind, now));
        //  Read after the write, so the event shows the breach.
        Hetao__V1__AssistanceCase *c = s_load (call, "id", id, "case_get");
        if (!c)
            return;
        Hetao__V1__CaseEvent event = HETAO__V1__CASE_EVENT__INIT;
        event.assistance_case = c;
        event.has_breached = true;
        event.breached = !strcmp (kind, "first_response")
                       ? HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_FIRST_RESPONSE
                       : HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_RESOLUTION;
        ht_call_emit (call, "customs.case.deadline_breached", id, &event.base);
    }
}

/*  project - research projects: register, get, update, change status, list

    Translates between the wire (hetao.v1 Project messages) and the project
    and project_participant tables. The lead is a participant too (role
    lead, position 0), so the participants of a project are one list in one
    table, and "every project an organization takes part in" is one index
    lookup. Every change writes the whole row back and emits an event that
    carries the project as it is after the change.
*/

#include "project.h"
#include "project_rules.h"
#include "org.h"
#include "ht_row.h"
#include "ht_text.h"

#include <string.h>
#include <strings.h>

#define TITLE_MAX_CHARS   300
#define REASON_MAX_CHARS  500
#define PARTNERS_MAX      50

#define LEAD    HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_LEAD
#define PARTNER HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_PARTNER
#define FUNDER  HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_FUNDER

//  Columns every query returns, in this order (see s_project_from_row). The
//  participants come as "<organization id>:<role>,..." in position order.
#define PROJECT_COLUMNS \
    "p.id, p.title_zh, p.title_en, p.lead_organization_id," \
    " (SELECT string_agg (pp.organization_id || ':' || pp.role, ',' ORDER BY pp.position)" \
    "    FROM project_participant pp WHERE pp.project_id = p.id)," \
    " p.origin, p.sector, p.high_end, p.status, p.status_reason," \
    " to_char (p.start_date, 'YYYY-MM-DD'), to_char (p.end_date, 'YYYY-MM-DD'), p.version," \
    " " HT_SQL_US ("p.created_at") ", " HT_SQL_US ("p.updated_at")

const ht_query_t project_queries [] = {
    { "project_insert",
      "INSERT INTO project (id, title_zh, title_en, lead_organization_id, origin, sector, high_end,"
      " status, start_date, end_date, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6, $7::boolean, 'proposed', $8::date, $9::date, 1,"
      " " HT_SQL_FROM_US (10) ", " HT_SQL_FROM_US (10) ")" },
    //  $2 and $3: the participants' ids and roles, comma-separated, lead first.
    { "project_participants_insert",
      "INSERT INTO project_participant (project_id, organization_id, role, position)"
      " SELECT $1::uuid, o, r, (n - 1)::int"
      " FROM unnest (string_to_array ($2, ',')::uuid[], string_to_array ($3, ','))"
      "      WITH ORDINALITY AS t (o, r, n)" },
    { "project_participants_delete",
      "DELETE FROM project_participant WHERE project_id = $1::uuid" },
    { "project_get",
      "SELECT " PROJECT_COLUMNS " FROM project p WHERE p.id = $1::uuid" },
    { "project_get_for_update",
      "SELECT " PROJECT_COLUMNS " FROM project p WHERE p.id = $1::uuid FOR UPDATE OF p" },
    { "project_store",
      "UPDATE project SET title_zh = $2, title_en = $3, origin = $4, sector = $5,"
      " high_end = $6::boolean, status = $7, status_reason = $8, start_date = $9::date,"
      " end_date = $10::date, version = $11::bigint, updated_at = " HT_SQL_FROM_US (12)
      " WHERE id = $1::uuid" },
    { "project_list",
      "SELECT " PROJECT_COLUMNS " FROM project p"
      " WHERE ($1::text IS NULL OR p.sector = $1)"
      "   AND ($2::text IS NULL OR p.origin = $2)"
      "   AND ($3::text IS NULL OR p.status = $3)"
      "   AND ($4::uuid IS NULL OR p.lead_organization_id = $4::uuid)"
      "   AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM project_participant pp"
      "        WHERE pp.project_id = p.id AND pp.organization_id = $5::uuid))"
      "   AND ($6::boolean IS NULL OR p.high_end = $6::boolean)"
      "   AND ($7::text IS NULL OR p.title_zh ILIKE $7 OR p.title_en ILIKE $7)"
      "   AND ($8::uuid IS NULL OR p.id > $8::uuid)"
      " ORDER BY p.id LIMIT $9::int" },
    { NULL, NULL }
};

//  The handlers check all of these first; the constraints keep the tables
//  honest and name the field should a check ever be missed.
const ht_constraint_t project_constraints [] = {
    { "project_end_after_start", HT_INVALID_ARGUMENT, "end_date",
      "end_date must be after start_date" },
    { "project_participant_pkey", HT_INVALID_ARGUMENT, "partners",
      "an organization takes part in a project once" },
    { "project_participant_organization_id_fkey", HT_NOT_FOUND, "partners",
      "a participant is not a registered organization" },
    { "project_lead_organization_id_fkey", HT_NOT_FOUND, "lead_organization_id",
      "the lead is not a registered organization" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire, text and rows

static Hetao__V1__ProjectParticipant *
s_participant (ht_call_t *call, const char *organization_id, Hetao__V1__ParticipantRole role)
{
    Hetao__V1__ProjectParticipant *participant = ht_arena_alloc (ht_call_arena (call), sizeof *participant);
    hetao__v1__project_participant__init (participant);
    participant->organization_id = (char *) organization_id;
    participant->has_role = true;
    participant->role = role;
    return participant;
}

static Hetao__V1__Project *
s_project_from_row (ht_call_t *call, const PGresult *result, int row)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__Project *project = ht_arena_alloc (arena, sizeof *project);
    hetao__v1__project__init (project);
    project->id = PQgetvalue (result, row, 0);
    project->title_zh = ht_row_text (result, row, 1);
    project->title_en = ht_row_text (result, row, 2);
    project->lead_organization_id = PQgetvalue (result, row, 3);
    char *participants = ht_arena_strdup (arena, PQgetvalue (result, row, 4));
    project->participants = ht_arena_alloc (arena, sizeof (void *) * (strlen (participants) / 38 + 1));
    for (char *save, *item = strtok_r (participants, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        char *role = strchr (item, ':');
        if (!role)
            continue;
        *role++ = 0;
        project->participants [project->n_participants++] =
            s_participant (call, item, ht_row_enum (&hetao__v1__participant_role__descriptor, role));
    }
    project->has_origin = project->has_sector = project->has_high_end = project->has_status = true;
    project->origin = ht_row_enum (&hetao__v1__project_origin__descriptor, PQgetvalue (result, row, 5));
    project->sector = ht_row_enum (&hetao__v1__sector__descriptor, PQgetvalue (result, row, 6));
    project->high_end = ht_row_bool (result, row, 7);
    project->status = ht_row_enum (&hetao__v1__project_status__descriptor, PQgetvalue (result, row, 8));
    project->status_reason = ht_row_text (result, row, 9);
    project->start_date = ht_row_text (result, row, 10);
    project->end_date = ht_row_text (result, row, 11);
    project->has_version = project->has_created_at_us = project->has_updated_at_us = true;
    project->version = ht_row_int (result, row, 12);
    project->created_at_us = ht_row_int (result, row, 13);
    project->updated_at_us = ht_row_int (result, row, 14);
    return project;
}

static void
s_reply_project (ht_call_t *call, Hetao__V1__Project *project)
{
    ht_row_reply (call, &hetao__v1__project_reply__descriptor, &project->base);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Project *project, Hetao__V1__ProjectStatus previous)
{
    ht_row_emit (call, type, &hetao__v1__project_event__descriptor, &project->base, (int) previous);
}

//  Queues the participants of `project` to be written (after any delete).
static void
s_write_participants (ht_call_t *call, const Hetao__V1__Project *project)
{
    ht_arena_t *arena = ht_call_arena (call);
    char *ids = ht_arena_alloc (arena, project->n_participants * 38 + 1);
    char *roles = ht_arena_alloc (arena, project->n_participants * 16 + 1);
    ids [0] = roles [0] = 0;
    for (size_t i = 0; i < project->n_participants; i++) {
        if (i) {
            strcat (ids, ",");
            strcat (roles, ",");
        }
        strcat (ids, project->participants [i]->organization_id);
        strcat (roles, ht_row_key (call, &hetao__v1__participant_role__descriptor,
                                   project->participants [i]->role));
    }
    ht_call_write (call, "project_participants_insert", HT_ARGS (project->id, ids, roles));
}

//  ---------------------------------------------------------------------------
//  Checks

//  An absent title is fine here; whether one remains is checked by the caller.
static void
s_check_title (ht_call_t *call, const char *field, const char *title)
{
    if (title)
        ht_call_check_text (call, field, title, 1, TITLE_MAX_CHARS);
}

static void
s_check_date (ht_call_t *call, const char *field, const char *date)
{
    char error [160];
    if (date && *date && !project_date_check (date, error, sizeof error))
        ht_call_violation (call, field, "%s", error);
}

//  End after start, when both are known and well-formed.
static void
s_check_dates_ordered (ht_call_t *call, const char *start, const char *end)
{
    char error [160];
    if (start && end && project_date_check (start, error, sizeof error)
    &&  project_date_check (end, error, sizeof error) && strcmp (end, start) <= 0)
        ht_call_violation (call, "end_date", "must be after start_date (%s); it is %s", start, end);
}

//  Partners and funders: each a UUID with role PARTNER or FUNDER, none twice,
//  none the lead. `field` is the list's name in the request.
static void
s_check_partners (ht_call_t *call, const char *field, Hetao__V1__ProjectParticipant *const *partners,
                  size_t count, const char *lead)
{
    const char *id_field = ht_arena_printf (ht_call_arena (call), "%s.organization_id", field);
    const char *role_field = ht_arena_printf (ht_call_arena (call), "%s.role", field);
    if (count > PARTNERS_MAX) {
        ht_call_violation (call, field, "at most %d partners and funders; %zu given", PARTNERS_MAX, count);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const Hetao__V1__ProjectParticipant *partner = partners [i];
        if (!ht_call_check_uuid (call, id_field, partner->organization_id))
            return;
        if (partner->has_role && partner->role == LEAD) {
            ht_call_violation (call, role_field, "the lead is lead_organization_id; a partner's role "
                               "is partner or funder");
            return;
        }
        if (!ht_call_check_enum (call, role_field, partner->has_role, partner->role,
                                 &hetao__v1__participant_role__descriptor))
            return;
        if (lead && !strcasecmp (partner->organization_id, lead)) {
            ht_call_violation (call, id_field, "%s is the lead; it cannot also be a partner", lead);
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcasecmp (partners [j]->organization_id, partner->organization_id)) {
                ht_call_violation (call, id_field, "lists organization %s twice", partner->organization_id);
                return;
            }
    }
}

//  Replaces the project's partners with `partners`, the lead staying first.
static void
s_set_partners (ht_call_t *call, Hetao__V1__Project *project,
                Hetao__V1__ProjectParticipant *const *partners, size_t count)
{
    Hetao__V1__ProjectParticipant **list = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (count + 1));
    list [0] = s_participant (call, project->lead_organization_id, LEAD);
    for (size_t i = 0; i < count; i++)
        list [i + 1] = s_participant (call, ht_row_uuid (call, partners [i]->organization_id), partners [i]->role);
    project->participants = list;
    project->n_participants = count + 1;
}

//  Every participant must be registered and not withdrawn, and stay so until
//  this change commits. `field` names the partners in errors.
static bool
s_refer (ht_call_t *call, const Hetao__V1__Project *project, const char *field)
{
    size_t count = project->n_participants;
    const char **ids = ht_arena_alloc (ht_call_arena (call), sizeof (char *) * count);
    const char **fields = ht_arena_alloc (ht_call_arena (call), sizeof (char *) * count);
    for (size_t i = 0; i < count; i++) {
        ids [i] = project->participants [i]->organization_id;
        fields [i] = i? field: "lead_organization_id";
    }
    return org_refer (call, count, ids, fields);
}

//  True when the caller may see `project`: anyone with a role for all
//  records; an applicant when its organization takes part in it.
static bool
s_acts_for_participant (ht_call_t *call, const char *field, const Hetao__V1__Project *project)
{
    const char *own = ht_call_principal (call)->organization_id;
    for (size_t i = 0; i < project->n_participants; i++)
        if (!strcasecmp (project->participants [i]->organization_id, own))
            return ht_call_acts_for (call, field, own);
    return ht_call_acts_for (call, field, project->lead_organization_id);
}

//  Loads the project `id`; NULL when the call failed or it does not exist
//  (then the call is NOT_FOUND naming id).
static Hetao__V1__Project *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find (call, query, "project", id);
    return result? s_project_from_row (call, result, 0): NULL;
}

//  Loads the project `id` locked for a change by a caller that may act for
//  its lead; NULL when the call failed, it does not exist, or it is not at
//  `expected` (when given).
static Hetao__V1__Project *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "project", id))
        return NULL;
    Hetao__V1__Project *project = s_load (call, id, "project_get_for_update");
    if (!project || !ht_call_acts_for (call, "id", project->lead_organization_id)
    ||  !ht_row_check_version (call, "project", project->version, has_expected, expected))
        return NULL;
    return project;
}

//  ---------------------------------------------------------------------------
//  Methods

void
project_register (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RegisterProjectRequest *request = (const void *) message;
    if (!request->title_zh && !request->title_en)
        ht_call_violation (call, "title_en", "a project needs a Chinese or an English title");
    s_check_title (call, "title_zh", request->title_zh);
    s_check_title (call, "title_en", request->title_en);
    bool lead_ok = ht_call_check_uuid (call, "lead_organization_id", request->lead_organization_id);
    s_check_partners (call, "partners", request->partners, request->n_partners,
                      lead_ok? request->lead_organization_id: NULL);
    ht_call_check_enum (call, "origin", request->has_origin, request->origin,
                        &hetao__v1__project_origin__descriptor);
    ht_call_check_enum (call, "sector", request->has_sector, request->sector, &hetao__v1__sector__descriptor);
    s_check_date (call, "start_date", request->start_date);
    s_check_date (call, "end_date", request->end_date);
    s_check_dates_ordered (call, request->start_date, request->end_date);
    if (ht_call_failed (call) || !ht_call_acts_for (call, "lead_organization_id", request->lead_organization_id))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Project project = HETAO__V1__PROJECT__INIT;
    project.id = id;
    project.title_zh = request->title_zh;
    project.title_en = request->title_en;
    project.lead_organization_id = (char *) ht_row_uuid (call, request->lead_organization_id);
    s_set_partners (call, &project, request->partners, request->n_partners);
    project.has_origin = project.has_sector = project.has_high_end = project.has_status = true;
    project.origin = request->origin;
    project.sector = request->sector;
    project.high_end = request->has_high_end && request->high_end;
    project.status = HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_PROPOSED;
    project.start_date = request->start_date && *request->start_date? request->start_date: NULL;
    project.end_date = request->end_date && *request->end_date? request->end_date: NULL;
    project.has_version = project.has_created_at_us = project.has_updated_at_us = true;
    project.version = 1;
    project.created_at_us = project.updated_at_us = now;
    if (!s_refer (call, &project, "partners.organization_id"))
        return;

    ht_call_write (call, "project_insert", HT_ARGS (
        id, project.title_zh, project.title_en, project.lead_organization_id,
        ht_row_key (call, &hetao__v1__project_origin__descriptor, project.origin),
        ht_row_key (call, &hetao__v1__sector__descriptor, project.sector),
        project.high_end? "true": "false",
        project.start_date, project.end_date,
        ht_call_int (call, now)));
    s_write_participants (call, &project);
    s_emit (call, "registry.project.registered", &project, 0);
    s_reply_project (call, &project);
}

void
project_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetProjectRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Project *project = s_load (call, request->id, "project_get");
    if (project && s_acts_for_participant (call, "id", project))
        s_reply_project (call, project);
}

//  Writes `project` back with the next version and emits `event`.
static void
s_store (ht_call_t *call, Hetao__V1__Project *project, const char *event,
         Hetao__V1__ProjectStatus previous)
{
    project->version++;
    project->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "project_store", HT_ARGS (
        project->id, project->title_zh, project->title_en,
        ht_row_key (call, &hetao__v1__project_origin__descriptor, project->origin),
        ht_row_key (call, &hetao__v1__sector__descriptor, project->sector),
        project->high_end? "true": "false",
        ht_row_key (call, &hetao__v1__project_status__descriptor, project->status),
        project->status_reason, project->start_date, project->end_date,
        ht_call_int (call, project->version),
        ht_call_int (call, project->updated_at_us)));
    s_emit (call, event, project, previous);
    s_reply_project (call, project);
}

void
project_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateProjectRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    //  An empty title or date clears it.
    if (request->title_zh && *request->title_zh)
        s_check_title (call, "title_zh", request->title_zh);
    if (request->title_en && *request->title_en)
        s_check_title (call, "title_en", request->title_en);
    if (request->partners)
        s_check_partners (call, "partners.participants", request->partners->participants,
                          request->partners->n_participants, NULL);
    if (request->has_origin)
        ht_call_check_enum (call, "origin", true, request->origin, &hetao__v1__project_origin__descriptor);
    if (request->has_sector)
        ht_call_check_enum (call, "sector", true, request->sector, &hetao__v1__sector__descriptor);
    s_check_date (call, "start_date", request->start_date);
    s_check_date (call, "end_date", request->end_date);
    if (!request->title_zh && !request->title_en && !request->partners && !request->has_origin
    &&  !request->has_sector && !request->has_high_end && !request->start_date && !request->end_date)
        ht_call_violation (call, "id", "the update changes nothing: set title_zh, title_en, partners, "
                           "origin, sector, high_end, start_date or end_date");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Project *project = s_lock (call, request->id, request->has_expected_version,
                                          request->expected_version);
    if (!project)
        return;
    if (project_status_final (project->status)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the project is %s and can no longer change",
                      ht_row_key (call, &hetao__v1__project_status__descriptor, project->status));
        return;
    }
    if (request->title_zh)
        project->title_zh = *request->title_zh? request->title_zh: NULL;
    if (request->title_en)
        project->title_en = *request->title_en? request->title_en: NULL;
    if (!project->title_zh && !project->title_en)
        ht_call_violation (call, "title_en", "a project needs a Chinese or an English title");
    if (request->has_origin)
        project->origin = request->origin;
    if (request->has_sector)
        project->sector = request->sector;
    if (request->has_high_end)
        project->high_end = request->high_end;
    if (request->start_date)
        project->start_date = *request->start_date? request->start_date: NULL;
    if (request->end_date)
        project->end_date = *request->end_date? request->end_date: NULL;
    s_check_dates_ordered (call, project->start_date, project->end_date);
    if (request->partners) {
        //  The lead may not appear among the partners, now that it is known.
        for (size_t i = 0; i < request->partners->n_participants; i++)
            if (!strcasecmp (request->partners->participants [i]->organization_id,
                             project->lead_organization_id))
                ht_call_violation (call, "partners.participants.organization_id",
                                   "%s is the lead; it cannot also be a partner",
                                   project->lead_organization_id);
        if (ht_call_failed (call))
            return;
        s_set_partners (call, project, request->partners->participants, request->partners->n_participants);
        if (!s_refer (call, project, "partners.participants.organization_id"))
            return;
        ht_call_write (call, "project_participants_delete", HT_ARGS (project->id));
        s_write_participants (call, project);
    }
    if (!ht_call_failed (call))
        s_store (call, project, "registry.project.updated", 0);
}

void
project_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetProjectStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__project_status__descriptor);
    ht_call_check_text (call, "reason", request->reason,
                        project_status_needs_reason (request->status)? 1: 0, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Project *project = s_lock (call, request->id, request->has_expected_version,
                                          request->expected_version);
    if (!project)
        return;
    if (!ht_lifecycle_check (call, &hetao__v1__project_status__descriptor, "project", project_transitions,
                             project_transitions_count, project->status, request->status))
        return;
    Hetao__V1__ProjectStatus previous = project->status;
    project->status = request->status;
    project->status_reason = request->reason && *request->reason? request->reason: NULL;
    s_store (call, project, "registry.project.status_changed", previous);
}

void
project_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListProjectsRequest *request = (const void *) message;
    if (request->has_sector)
        ht_call_check_enum (call, "sector", true, request->sector, &hetao__v1__sector__descriptor);
    if (request->has_origin)
        ht_call_check_enum (call, "origin", true, request->origin, &hetao__v1__project_origin__descriptor);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__project_status__descriptor);
    if (request->lead_organization_id)
        ht_call_check_uuid (call, "lead_organization_id", request->lead_organization_id);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->title_contains)
        ht_call_check_text (call, "title_contains", request->title_contains, 1, TITLE_MAX_CHARS);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;
    //  An applicant lists the projects of its own organization only.
    if (request->organization_id?
            !ht_call_acts_for (call, "organization_id", request->organization_id):
            !ht_call_acts_for (call, "lead_organization_id", request->lead_organization_id))
        return;

    PGresult *result = ht_call_query (call, "project_list", HT_ARGS (
        request->has_sector? ht_row_key (call, &hetao__v1__sector__descriptor, request->sector): NULL,
        request->has_origin? ht_row_key (call, &hetao__v1__project_origin__descriptor, request->origin): NULL,
        request->has_status? ht_row_key (call, &hetao__v1__project_status__descriptor, request->status): NULL,
        request->lead_organization_id,
        request->organization_id,
        request->has_high_end? (request->high_end? "true": "false"): NULL,
        request->title_contains? ht_row_contains (call, request->title_contains): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListProjectsReply reply = HETAO__V1__LIST_PROJECTS_REPLY__INIT;
    reply.projects = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.projects [reply.n_projects++] = s_project_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.projects [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

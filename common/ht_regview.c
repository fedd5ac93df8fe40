/*  ht_regview - the registry's organizations and projects, as another
    service sees them

    The apply side turns registry.organization.* and registry.project.*
    events into rows of regview_organization, regview_project and
    regview_participant; the lookup side reads them in a handler's call and
    asks the registry on a miss. A row is only ever replaced by a higher
    version of the same entity, so applying an older event (a direct answer
    raced ahead, a replay) never moves the projection back.
*/

#include "ht_regview.h"
#include "ht_enum.h"
#include "ht_log.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_ORG_COLUMNS \
    "id, kind, region, status, major_platform, name_zh, name_en, version"

const ht_query_t ht_regview_queries [] = {
    { "regview_org_store",
      "INSERT INTO regview_organization AS o (id, kind, region, status, major_platform, name_zh,"
      " name_en, version) VALUES ($1::uuid, $2, $3, $4, $5::boolean, $6, $7, $8::bigint)"
      " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, region = EXCLUDED.region,"
      " status = EXCLUDED.status, major_platform = EXCLUDED.major_platform,"
      " name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, version = EXCLUDED.version,"
      " applied_at = now() WHERE o.version < EXCLUDED.version" },
    { "regview_project_store",
      "INSERT INTO regview_project AS p (id, lead_organization_id, sector, origin, status, high_end,"
      " title_zh, title_en, version) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::boolean, $7, $8,"
      " $9::bigint)"
      " ON CONFLICT (id) DO UPDATE SET lead_organization_id = EXCLUDED.lead_organization_id,"
      " sector = EXCLUDED.sector, origin = EXCLUDED.origin, status = EXCLUDED.status,"
      " high_end = EXCLUDED.high_end, title_zh = EXCLUDED.title_zh, title_en = EXCLUDED.title_en,"
      " version = EXCLUDED.version, applied_at = now() WHERE p.version < EXCLUDED.version"
      " RETURNING id" },
    { "regview_participants_clear",
      "DELETE FROM regview_participant WHERE project_id = $1::uuid" },
    { "regview_participants_store",
      "INSERT INTO regview_participant (project_id, organization_id, role, position)"
      " SELECT $1::uuid, o.organization_id, o.role, o.position"
      " FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS o (organization_id, role, position)" },
    { "regview_org_get",
      "SELECT " S_ORG_COLUMNS " FROM regview_organization WHERE id = $1::uuid" },
    { "regview_project_get",
      "SELECT p.id, p.lead_organization_id, p.sector, p.origin, p.status, p.high_end,"
      " p.title_zh, p.title_en, p.version,"
      " (SELECT string_agg(organization_id || ':' || role, ',' ORDER BY position)"
      "    FROM regview_participant WHERE project_id = p.id)"
      " FROM regview_project p WHERE p.id = $1::uuid" },
    { NULL, NULL }
};

//  ---------------------------------------------------------------------------
//  Applying registry events

//  The key of `value` in `arena`, or NULL when it has none (UNSPECIFIED).
static const char *
s_key (ht_arena_t *arena, const ProtobufCEnumDescriptor *type, bool present, int value)
{
    char key [64];
    return present && ht_enum_key (type, value, key, sizeof key)? ht_arena_strdup (arena, key): NULL;
}

static bool
s_org_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    ht_arena_t *arena = ht_consumer_tx_arena (tx);
    Hetao__V1__OrganizationEvent *payload = hetao__v1__organization_event__unpack (
        ht_arena_allocator (arena), event->payload.len, event->payload.data);
    const Hetao__V1__Organization *org = payload? payload->organization: NULL;
    const char *kind = org? s_key (arena, &hetao__v1__organization_kind__descriptor, org->has_kind, org->kind): NULL;
    const char *region = org? s_key (arena, &hetao__v1__region__descriptor, org->has_region, org->region): NULL;
    const char *status = org? s_key (arena, &hetao__v1__organization_status__descriptor,
                                     org->has_status, org->status): NULL;
    if (!org || !org->id || !ht_uuid_valid (org->id) || !kind || !region || !status || !org->has_version) {
        //  Nothing later can make this event readable: waiting would stop
        //  the projection for good. Say so loudly and go on.
        ht_error ("regview: %s #%llu carries no complete organization; ignored", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_query (tx, "regview_org_store", HT_ARGS (
        org->id, kind, region, status, org->has_major_platform && org->major_platform? "true": "false",
        org->name_zh, org->name_en, ht_consumer_tx_int (tx, org->version))) != NULL;
}

//  The participants as two array literals, the lead first, each organization
//  once, ids checked (an id that is not a UUID would stop the projection).
static void
s_participants_arrays (ht_arena_t *arena, const Hetao__V1__Project *project,
                       const char **ids, const char **roles)
{
    size_t count = project->n_participants + 1;
    char *id_text = ht_arena_alloc (arena, count * 38 + 3);
    char *role_text = ht_arena_alloc (arena, count * 24 + 3);
    strcpy (id_text, "{");
    strcpy (role_text, "{");
    const char **seen = ht_arena_alloc (arena, count * sizeof (char *));
    size_t n_seen = 0;
    for (size_t i = 0; i <= project->n_participants; i++) {
        const char *id, *role;
        if (i == 0) {
            id = project->lead_organization_id;
            role = "lead";
        }
        else {
            const Hetao__V1__ProjectParticipant *participant = project->participants [i - 1];
            id = participant->organization_id;
            role = s_key (arena, &hetao__v1__participant_role__descriptor, participant->has_role,
                          participant->role);
        }
        if (!id || !ht_uuid_valid (id) || !role)
            continue;
        bool duplicate = false;
        for (size_t j = 0; j < n_seen; j++)
            duplicate |= !strcasecmp (seen [j], id);
        if (duplicate)
            continue;
        seen [n_seen++] = id;
        if (n_seen > 1) {
            strcat (id_text, ",");
            strcat (role_text, ",");
        }
        strcat (id_text, id);
        strcat (role_text, role);
    }
    strcat (id_text, "}");
    strcat (role_text, "}");
    *ids = id_text;
    *roles = role_text;
}

static bool
s_project_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    ht_arena_t *arena = ht_consumer_tx_arena (tx);
    Hetao__V1__ProjectEvent *payload = hetao__v1__project_event__unpack (
        ht_arena_allocator (arena), event->payload.len, event->payload.data);
    const Hetao__V1__Project *project = payload? payload->project: NULL;
    const char *status = project? s_key (arena, &hetao__v1__project_status__descriptor,
                                         project->has_status, project->status): NULL;
    if (!project || !project->id || !ht_uuid_valid (project->id) || !status || !project->has_version) {
        ht_error ("regview: %s #%llu carries no complete project; ignored", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    const char *lead = project->lead_organization_id && ht_uuid_valid (project->lead_organization_id)
                     ? project->lead_organization_id: NULL;
    PGresult *stored = ht_consumer_tx_query (tx, "regview_project_store", HT_ARGS (
        project->id, lead,
        s_key (arena, &hetao__v1__sector__descriptor, project->has_sector, project->sector),
        s_key (arena, &hetao__v1__project_origin__descriptor, project->has_origin, project->origin),
        status, project->has_high_end && project->high_end? "true": "false",
        project->title_zh, project->title_en, ht_consumer_tx_int (tx, project->version)));
    if (!stored)
        return false;
    if (PQntuples (stored) == 0)
        return true;                //  the projection has this version or a newer one
    const char *ids, *roles;
    s_participants_arrays (arena, project, &ids, &roles);
    return ht_consumer_tx_query (tx, "regview_participants_clear", HT_ARGS (project->id))
        && ht_consumer_tx_query (tx, "regview_participants_store", HT_ARGS (project->id, ids, roles));
}

bool
ht_regview_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    const char *type = event->type? event->type: "";
    if (!strncmp (type, "registry.organization.", 22))
        return s_org_apply (tx, event);
    if (!strncmp (type, "registry.project.", 17))
        return s_project_apply (tx, event);
    return true;                    //  other registry entities: not kept here
}

static const ht_query_t *const s_tables [] = { ht_regview_queries, NULL };
const ht_consumer_spec_t ht_regview_consumer = {
    .stream = "registry",
    .topic = "registry.",
    .source = &ht_source_registry,
    .apply = ht_regview_apply,
    .queries = s_tables,
    .component = "regview",
    .migrations = regview_migrations,
};

//  ---------------------------------------------------------------------------
//  Lookups in a handler

static int
s_value (const ProtobufCEnumDescriptor *type, const char *key)
{
    int value = 0;
    if (key)
        ht_enum_value (type, key, &value);
    return value;
}

static char *
s_nullable (ht_call_t *call, const PGresult *result, int column)
{
    return PQgetisnull (result, 0, column)? NULL
         : ht_arena_strdup (ht_call_arena (call), PQgetvalue (result, 0, column));
}

//  A failed direct ask as the caller's status: only "the registry says there
//  is none" is NOT_FOUND; anything else means we cannot know.
static void
s_ask_failed (ht_call_t *call, ht_status_t status, const char *field, const char *what,
              const char *id, const char *message)
{
    if (status == HT_NOT_FOUND)
        ht_call_fail (call, HT_NOT_FOUND, field, "no %s has id %s", what, id);
    else
        ht_call_fail (call, HT_UNAVAILABLE, field, "the registry cannot be reached to check %s %s "
                      "(%s: %s); retry later", what, id, ht_status_name (status), message? message: "");
}

bool
ht_regview_organization (ht_call_t *call, const char *field, const char *id, ht_regview_org_t *org)
{
    memset (org, 0, sizeof *org);
    if (!ht_call_check_uuid (call, field, id))
        return false;
    PGresult *result = ht_call_query (call, "regview_org_get", HT_ARGS (id));
    if (!result)
        return false;
    if (PQntuples (result) == 1) {
        org->id = s_nullable (call, result, 0);
        org->kind = s_value (&hetao__v1__organization_kind__descriptor, PQgetvalue (result, 0, 1));
        org->region = s_value (&hetao__v1__region__descriptor, PQgetvalue (result, 0, 2));
        org->status = s_value (&hetao__v1__organization_status__descriptor, PQgetvalue (result, 0, 3));
        org->major_platform = !strcmp (PQgetvalue (result, 0, 4), "t");
        org->name_zh = s_nullable (call, result, 5);
        org->name_en = s_nullable (call, result, 6);
        org->version = strtoll (PQgetvalue (result, 0, 7), NULL, 10);
        return true;
    }
    //  Not applied yet (registered a moment ago), or unknown: the registry knows.
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    request.id = (char *) id;
    ProtobufCMessage *message = NULL;
    const char *text = NULL;
    ht_status_t status = ht_call_ask (call, "registry", "registry.GetOrganization", &request.base,
                                      &hetao__v1__organization_reply__descriptor, &message, &text);
    const Hetao__V1__OrganizationReply *reply = (const void *) message;
    if (status == HT_OK && (!reply->organization || !reply->organization->id))
        status = HT_INTERNAL;
    if (status != HT_OK) {
        s_ask_failed (call, status, field, "organization", id, text);
        return false;
    }
    const Hetao__V1__Organization *found = reply->organization;
    org->id = found->id;
    org->kind = found->kind;
    org->region = found->region;
    org->status = found->status;
    org->major_platform = found->has_major_platform && found->major_platform;
    org->name_zh = found->name_zh;
    org->name_en = found->name_en;
    org->version = found->version;
    return true;
}

bool
ht_regview_organization_usable (ht_call_t *call, const char *field, const char *id,
                                ht_regview_org_t *org)
{
    if (!ht_regview_organization (call, field, id, org))
        return false;
    if (org->status == HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_WITHDRAWN) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "organization %s is withdrawn from the "
                      "registry", id);
        return false;
    }
    return true;
}

//  Participants from "id:role,id:role" (the lookup's aggregate column).
static void
s_participants_parse (ht_call_t *call, const char *text, ht_regview_project_t *project)
{
    ht_arena_t *arena = ht_call_arena (call);
    size_t count = 1;
    for (const char *c = text; *c; c++)
        count += *c == ',';
    project->participants = ht_arena_alloc (arena, count * sizeof *project->participants);
    char *copy = ht_arena_strdup (arena, text);
    for (char *save, *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        char *colon = strchr (item, ':');
        if (!colon)
            continue;
        *colon = 0;
        ht_regview_participant_t *participant = &project->participants [project->n_participants++];
        participant->organization_id = item;
        participant->role = s_value (&hetao__v1__participant_role__descriptor, colon + 1);
    }
}

bool
ht_regview_project (ht_call_t *call, const char *field, const char *id, ht_regview_project_t *project)
{
    memset (project, 0, sizeof *project);
    if (!ht_call_check_uuid (call, field, id))
        return false;
    PGresult *result = ht_call_query (call, "regview_project_get", HT_ARGS (id));
    if (!result)
        return false;
    if (PQntuples (result) == 1) {
        project->id = s_nullable (call, result, 0);
        project->lead_organization_id = s_nullable (call, result, 1);
        project->sector = s_value (&hetao__v1__sector__descriptor, s_nullable (call, result, 2));
        project->origin = s_value (&hetao__v1__project_origin__descriptor, s_nullable (call, result, 3));
        project->status = s_value (&hetao__v1__project_status__descriptor, PQgetvalue (result, 0, 4));
        project->high_end = !strcmp (PQgetvalue (result, 0, 5), "t");
        project->title_zh = s_nullable (call, result, 6);
        project->title_en = s_nullable (call, result, 7);
        project->version = strtoll (PQgetvalue (result, 0, 8), NULL, 10);
        s_participants_parse (call, PQgetisnull (result, 0, 9)? "": PQgetvalue (result, 0, 9), project);
        return true;
    }
    Hetao__V1__GetProjectRequest request = HETAO__V1__GET_PROJECT_REQUEST__INIT;
    request.id = (char *) id;
    ProtobufCMessage *message = NULL;
    const char *text = NULL;
    ht_status_t status = ht_call_ask (call, "registry", "registry.GetProject", &request.base,
                                      &hetao__v1__project_reply__descriptor, &message, &text);
    const Hetao__V1__ProjectReply *reply = (const void *) message;
    if (status == HT_OK && (!reply->project || !reply->project->id))
        status = HT_INTERNAL;
    if (status != HT_OK) {
        s_ask_failed (call, status, field, "project", id, text);
        return false;
    }
    const Hetao__V1__Project *found = reply->project;
    project->id = found->id;
    project->lead_organization_id = found->lead_organization_id;
    project->sector = found->sector;
    project->origin = found->origin;
    project->status = found->status;
    project->high_end = found->has_high_end && found->high_end;
    project->title_zh = found->title_zh;
    project->title_en = found->title_en;
    project->version = found->version;
    project->participants = ht_arena_alloc (ht_call_arena (call),
                                            (found->n_participants + 1) * sizeof *project->participants);
    for (size_t i = 0; i < found->n_participants; i++) {
        project->participants [i].organization_id = found->participants [i]->organization_id;
        project->participants [i].role = found->participants [i]->role;
    }
    project->n_participants = found->n_participants;
    return true;
}

bool
ht_regview_project_participant (const ht_regview_project_t *project, const char *organization_id,
                                Hetao__V1__ParticipantRole *role)
{
    for (size_t i = 0; i < project->n_participants; i++)
        if (organization_id && !strcasecmp (project->participants [i].organization_id, organization_id)) {
            if (role)
                *role = project->participants [i].role;
            return true;
        }
    return false;
}

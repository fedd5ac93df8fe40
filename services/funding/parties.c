/*  parties - the organizations and projects funding deals with

    Reads the local projection (party_organization, party_project). An id
    it does not hold is NOT_FOUND.
*/

#include "parties.h"
#include "ht_arena.h"

#include <string.h>

const ht_query_t party_queries [] = {
    { "party_organization_get",
      "SELECT id, status, region FROM party_organization WHERE id = $1::uuid" },
    { "party_project_get",
      "SELECT id, status, lead_id, array_to_string(participant_ids, ',')"
      " FROM party_project WHERE id = $1::uuid" },
    { NULL, NULL }
};

bool
party_organization (ht_call_t *call, const char *field, const char *id, party_org_t *org)
{
    PGresult *result = ht_call_query (call, "party_organization_get", HT_ARGS (id));
    if (!result)
        return false;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no organization has id %s", id);
        return false;
    }
    org->id = PQgetvalue (result, 0, 0);
    org->status = PQgetvalue (result, 0, 1);
    org->region = PQgetvalue (result, 0, 2);
    return true;
}

bool
party_project (ht_call_t *call, const char *field, const char *id, party_project_t *project)
{
    PGresult *result = ht_call_query (call, "party_project_get", HT_ARGS (id));
    if (!result)
        return false;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no project has id %s", id);
        return false;
    }
    ht_arena_t *arena = ht_call_arena (call);
    project->id = PQgetvalue (result, 0, 0);
    project->status = PQgetvalue (result, 0, 1);
    project->lead_id = PQgetvalue (result, 0, 2);
    char *list = ht_arena_strdup (arena, PQgetvalue (result, 0, 3));
    project->participant_ids = ht_arena_alloc (arena, sizeof (char *) * (strlen (list) / 36 + 2));
    project->n_participants = 0;
    for (char *save, *part = strtok_r (list, ",", &save); part; part = strtok_r (NULL, ",", &save))
        project->participant_ids [project->n_participants++] = part;
    return true;
}

bool
party_organization_active (ht_call_t *call, const char *field, const party_org_t *org)
{
    if (!strcmp (org->status, "active"))
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, field, "organization %s is %s", org->id, org->status);
    return false;
}

bool
party_project_live (ht_call_t *call, const char *field, const party_project_t *project)
{
    if (strcmp (project->status, "completed") && strcmp (project->status, "terminated"))
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, field, "project %s is %s", project->id, project->status);
    return false;
}

bool
party_project_has (const party_project_t *project, const char *organization_id)
{
    for (size_t i = 0; i < project->n_participants; i++)
        if (!strcasecmp (project->participant_ids [i], organization_id))
            return true;
    return !strcasecmp (project->lead_id, organization_id);
}

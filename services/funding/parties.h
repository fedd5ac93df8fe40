/*  parties - the organizations and projects funding deals with

    Funding never reads the registry's tables: organizations and projects
    come from a local projection of the registry's event stream, and an id
    the projection does not know yet is asked of the registry. Every check
    of an organization or a project goes through these functions, so the
    source behind them changes in one place.
*/
#ifndef PARTIES_H_INCLUDED
#define PARTIES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "ht_call.h"
#include "ht_db.h"

typedef struct {
    const char *id;
    const char *status;                 //  registry key: active, suspended, withdrawn
    const char *region;                 //  mainland, hong_kong, macao, overseas
} party_org_t;

typedef struct {
    const char *id;
    const char *status;                 //  proposed, active, completed, terminated
    const char *lead_id;
    const char **participant_ids;       //  every organization of the project, the lead first
    size_t n_participants;
} party_project_t;

extern const ht_query_t party_queries [];

//  Finds organization `id`. On false the call has failed: NOT_FOUND naming
//  `field` when neither the projection nor the registry knows it,
//  UNAVAILABLE when the registry cannot be asked.
bool party_organization (ht_call_t *call, const char *field, const char *id, party_org_t *org);

//  Finds project `id`, the same way.
bool party_project (ht_call_t *call, const char *field, const char *id, party_project_t *project);

//  Refuses (FAILED_PRECONDITION naming `field`) an organization that is not
//  active, or a project that is completed or terminated.
bool party_organization_active (ht_call_t *call, const char *field, const party_org_t *org);
bool party_project_live (ht_call_t *call, const char *field, const party_project_t *project);

//  True when `organization_id` takes part in `project` (lead, partner or funder).
bool party_project_has (const party_project_t *project, const char *organization_id);

#endif

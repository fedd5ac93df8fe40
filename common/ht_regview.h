/*  ht_regview - the registry's organizations and projects, as another
    service sees them

    A service that refers to organizations and projects (funding, customs)
    keeps a local projection of them in its own database, fed by the
    registry's event stream through ht_consumer; it never reads the
    registry's tables. Handlers look ids up with ht_regview_organization and
    ht_regview_project: the projection first; on a miss (an id registered a
    moment ago, not yet applied) they ask the registry directly, with the
    service's own key and the --registry-deadline-ms deadline. An id that
    neither knows is NOT_FOUND; when the registry cannot be reached the
    answer is UNAVAILABLE, never a guess.

    To use it, a service lists &ht_regview_consumer in its consumers; the
    runtime then migrates the projection's tables (component "regview"),
    prepares its statements on every connection, and runs the consumer. The
    service's principal at the registry needs the roles
    reporting_reader,event_subscriber (deploy/dev gives them).
*/
#ifndef HT_REGVIEW_H_INCLUDED
#define HT_REGVIEW_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ht_call.h"
#include "ht_consumer.h"
#include "hetao/v1/registry.pb-c.h"

//  The consumer of the registry stream that keeps the projection.
extern const ht_consumer_spec_t ht_regview_consumer;

//  Its statements (also prepared on every worker connection of a service
//  that lists ht_regview_consumer).
extern const ht_query_t ht_regview_queries [];

//  Its apply function, for a service that keeps the projection as part of
//  a consumer of its own (with ht_regview_queries among its statements and
//  the "regview" migrations, regview_migrations, as its component).
bool ht_regview_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event);
extern const ht_migration_t regview_migrations [];

//  An organization as the projection knows it. Strings live in the call's arena.
typedef struct {
    const char *id;
    Hetao__V1__OrganizationKind kind;
    Hetao__V1__Region region;
    Hetao__V1__OrganizationStatus status;
    bool major_platform;
    int64_t version;
    const char *name_zh;                //  NULL when the organization has none
    const char *name_en;
} ht_regview_org_t;

typedef struct {
    const char *organization_id;
    Hetao__V1__ParticipantRole role;
} ht_regview_participant_t;

//  A project as the projection knows it. Strings and the participants array
//  live in the call's arena.
typedef struct {
    const char *id;
    const char *lead_organization_id;
    ht_regview_participant_t *participants;    //  the lead first
    size_t n_participants;
    Hetao__V1__Sector sector;
    Hetao__V1__ProjectOrigin origin;
    Hetao__V1__ProjectStatus status;
    bool high_end;
    int64_t version;
    const char *title_zh;
    const char *title_en;
} ht_regview_project_t;

//  Fills `org` with the organization `id`, from the projection or else from
//  the registry. On false the call has failed: INVALID_ARGUMENT when `id` is
//  not a UUID, NOT_FOUND when no organization has that id, UNAVAILABLE when
//  the registry cannot be reached; each names `field`. Any status is
//  returned: the caller decides what a suspended or withdrawn one may do.
bool ht_regview_organization (ht_call_t *call, const char *field, const char *id,
                              ht_regview_org_t *org);

//  Same, and refuses a withdrawn organization with FAILED_PRECONDITION
//  naming `field`.
bool ht_regview_organization_usable (ht_call_t *call, const char *field, const char *id,
                                     ht_regview_org_t *org);

//  Fills `project` with the project `id`; fails like ht_regview_organization.
bool ht_regview_project (ht_call_t *call, const char *field, const char *id,
                         ht_regview_project_t *project);

//  True when `organization_id` takes part in `project` (any role); its role in `*role`.
bool ht_regview_project_participant (const ht_regview_project_t *project,
                                     const char *organization_id,
                                     Hetao__V1__ParticipantRole *role);

#endif

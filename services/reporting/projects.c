/*  projects - the registry's projects as the figures count them

    Keeps each project's sector, origin, status and high-end mark
    (report_project); the table's trigger moves projects_total,
    projects_by_sector, projects_by_status, projects_high_end and
    hk_university_projects by the difference between the old and new row.
    A row is replaced only by a higher version.
*/

#include "projects.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

const ht_query_t projects_queries [] = {
    { "projects_store",
      "INSERT INTO report_project AS p (id, sector, origin, status, high_end, version)"
      " VALUES ($1::uuid, $2, $3, $4, $5::boolean, $6::bigint)"
      " ON CONFLICT (id) DO UPDATE SET sector = EXCLUDED.sector, origin = EXCLUDED.origin,"
      " status = EXCLUDED.status, high_end = EXCLUDED.high_end, version = EXCLUDED.version"
      " WHERE p.version < EXCLUDED.version" },
    { NULL, NULL }
};

bool
projects_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__ProjectEvent *payload = hetao__v1__project_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Project *project = payload? payload->project: NULL;
    if (!project || !project->id || !ht_uuid_valid (project->id) || !project->has_version
    ||  !project->has_status) {
        ht_error ("reporting: %s #%llu carries no complete project; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_write (tx, "projects_store", HT_ARGS (
        project->id,
        stream_key (tx, &hetao__v1__sector__descriptor, project->has_sector, project->sector, "none"),
        stream_key (tx, &hetao__v1__project_origin__descriptor, project->has_origin, project->origin, "none"),
        stream_key (tx, &hetao__v1__project_status__descriptor, project->has_status, project->status, "none"),
        stream_bool (project->has_high_end && project->high_end),
        ht_consumer_tx_int (tx, project->version)));
}

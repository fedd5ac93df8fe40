/*  routes - every method reporting answers, and what reporting is

    Reporting owns no stream of its own: it follows the others' streams
    (stream.c) into read models in its own database, and answers reads.
*/

#include "customs.h"
#include "funding.h"
#include "overview.h"
#include "organizations.h"
#include "projects.h"
#include "rebuild.h"
#include "space.h"
#include "routes.h"
#include "stream.h"
#include "hetao/v1/reporting.pb-c.h"

#define READERS (HT_ROLE_PARK_ADMIN | HT_ROLE_FINANCE_OFFICER | HT_ROLE_CUSTOMS_OFFICER \
                 | HT_ROLE_REPORTING_READER)

//  method, payload type, mutates, roles for anyone's records, roles for their own, handler.
//  docs/security.md shows this table; tests/integration/test_security.py checks one against the other.
static const ht_route_t s_routes [] = {
    { "reporting.Overview", &hetao__v1__overview_request__descriptor,
      false, READERS, 0, overview_get },
    { "reporting.CustomsByCategory", &hetao__v1__customs_by_category_request__descriptor,
      false, READERS, 0, customs_by_category },
    { "reporting.ProjectsBySector", &hetao__v1__projects_by_sector_request__descriptor,
      false, READERS, 0, projects_by_sector },
    { "reporting.FundingByProgramme", &hetao__v1__funding_by_programme_request__descriptor,
      false, READERS, 0, funding_by_programme },
    { "reporting.SpaceByPark", &hetao__v1__space_by_park_request__descriptor,
      false, READERS, 0, space_by_park },
    //  Long-running: answers once the rebuild runs; GetRebuild tells how it ends.
    { "reporting.Rebuild", &hetao__v1__rebuild_request__descriptor,
      false, HT_ROLE_PARK_ADMIN, 0, rebuild_start },
    { "reporting.GetRebuild", &hetao__v1__get_rebuild_request__descriptor,
      false, HT_ROLE_PARK_ADMIN, 0, rebuild_get },
    { NULL }
};

static const char *const s_streams [] = { NULL };

static const ht_query_t *const s_queries [] = {
    overview_queries,
    stream_queries,
    customs_report_queries,
    projects_report_queries,
    funding_report_queries,
    space_report_queries,
    NULL
};
static const ht_constraint_t s_no_constraints [] = { { NULL } };
static const ht_constraint_t *const s_constraints [] = { s_no_constraints, NULL };

extern const ht_migration_t reporting_migrations [];

const ht_service_t reporting_service = {
    .name = "reporting",
    .routes = s_routes,
    .queries = s_queries,
    .migrations = reporting_migrations,
    .constraints = s_constraints,
    .streams = s_streams,
    .default_port = 7401,
    .consumers = stream_consumers,
    //  Every table, function and trigger of sql/ is a read model, kept in
    //  this schema and rebuilt from the streams (reporting.Rebuild).
    .read_model_schema = "report",
};

/*  hetao-regview-probe - a service whose only job is the registry projection

    Built for the tests only: it follows the registry stream with
    ht_regview_consumer and answers lookups through ht_regview, so the
    tests can prove what every consuming service (funding, customs) relies
    on: exactly-once application, catch-up after crashes, the direct ask on
    a miss, NOT_FOUND and UNAVAILABLE.
*/

#include "ht_regview.h"
#include "ht_service.h"
#include "hetao/v1/registry.pb-c.h"

//  The probe's own setting (ht_service_t.options): the field its lookups
//  name in refusals, so the tests can see a service setting parsed and used.
static const char *s_field;

static const ht_option_t s_options [] = {
    { "probe-field", "HETAO_PROBE_FIELD", HT_OPT_STRING, &s_field, "id", 0, 0,
      "the field name lookups report in refusals" },
    { NULL }
};

static Hetao__V1__Organization *
s_org_message (ht_call_t *call, const ht_regview_org_t *org)
{
    Hetao__V1__Organization *message = ht_arena_alloc (ht_call_arena (call), sizeof *message);
    hetao__v1__organization__init (message);
    message->id = (char *) org->id;
    message->has_kind = message->has_region = message->has_status = true;
    message->kind = org->kind;
    message->region = org->region;
    message->status = org->status;
    message->has_major_platform = message->has_version = true;
    message->major_platform = org->major_platform;
    message->version = org->version;
    message->name_zh = (char *) org->name_zh;
    message->name_en = (char *) org->name_en;
    return message;
}

//  probe.GetOrganization: the organization as ht_regview_organization finds it.
static void
s_get_organization (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetOrganizationRequest *request = (const void *) message;
    ht_regview_org_t org;
    if (!ht_regview_organization (call, s_field, request->id, &org))
        return;
    Hetao__V1__OrganizationReply reply = HETAO__V1__ORGANIZATION_REPLY__INIT;
    reply.organization = s_org_message (call, &org);
    ht_call_reply (call, &reply.base);
}

//  probe.UseOrganization: the same through the helper that refuses a withdrawn one.
static void
s_use_organization (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetOrganizationRequest *request = (const void *) message;
    ht_regview_org_t org;
    if (!ht_regview_organization_usable (call, s_field, request->id, &org))
        return;
    Hetao__V1__OrganizationReply reply = HETAO__V1__ORGANIZATION_REPLY__INIT;
    reply.organization = s_org_message (call, &org);
    ht_call_reply (call, &reply.base);
}

//  probe.GetProject: the project as ht_regview_project finds it.
static void
s_get_project (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetProjectRequest *request = (const void *) message;
    ht_regview_project_t project;
    if (!ht_regview_project (call, s_field, request->id, &project))
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__Project out = HETAO__V1__PROJECT__INIT;
    out.id = (char *) project.id;
    out.lead_organization_id = (char *) project.lead_organization_id;
    out.has_sector = project.sector != 0;
    out.sector = project.sector;
    out.has_origin = project.origin != 0;
    out.origin = project.origin;
    out.has_status = out.has_high_end = out.has_version = true;
    out.status = project.status;
    out.high_end = project.high_end;
    out.version = project.version;
    out.title_zh = (char *) project.title_zh;
    out.title_en = (char *) project.title_en;
    out.participants = ht_arena_alloc (arena, (project.n_participants + 1) * sizeof (void *));
    for (size_t i = 0; i < project.n_participants; i++) {
        Hetao__V1__ProjectParticipant *participant = ht_arena_alloc (arena, sizeof *participant);
        hetao__v1__project_participant__init (participant);
        participant->organization_id = (char *) project.participants [i].organization_id;
        participant->has_role = true;
        participant->role = project.participants [i].role;
        out.participants [out.n_participants++] = participant;
    }
    Hetao__V1__ProjectReply reply = HETAO__V1__PROJECT_REPLY__INIT;
    reply.project = &out;
    ht_call_reply (call, &reply.base);
}

static const ht_route_t s_routes [] = {
    { "probe.GetOrganization", &hetao__v1__get_organization_request__descriptor, false,
      HT_ROLE_ANY, 0, s_get_organization },
    { "probe.UseOrganization", &hetao__v1__get_organization_request__descriptor, false,
      HT_ROLE_ANY, 0, s_use_organization },
    { "probe.GetProject",      &hetao__v1__get_project_request__descriptor, false,
      HT_ROLE_ANY, 0, s_get_project },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  The consumer: the projection, plus a row per application so that the
//  tests can count how often each event was applied.

static const ht_query_t s_probe_queries [] = {
    { "probe_applied",
      "INSERT INTO probe_applied (seq, type) VALUES ($1::bigint, $2)" },
    { NULL, NULL }
};

static bool
s_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    return ht_regview_apply (tx, event)
        && ht_consumer_tx_query (tx, "probe_applied", HT_ARGS (
               ht_consumer_tx_int (tx, (int64_t) event->sequence), event->type)) != NULL;
}

static const ht_query_t *const s_consumer_queries [] = { ht_regview_queries, s_probe_queries, NULL };

static const ht_consumer_spec_t s_consumer = {
    .stream = "registry",
    .source = &ht_source_registry,
    .apply = s_apply,
    .queries = s_consumer_queries,
    .component = "regview",
    .migrations = regview_migrations,
};

static const char *const s_streams [] = { NULL };
extern const ht_migration_t probe_migrations [];
static const ht_consumer_spec_t *const s_consumers [] = { &s_consumer, NULL };

static const ht_service_t s_probe = {
    .name = "regview-probe",
    .routes = s_routes,
    .migrations = probe_migrations,
    .streams = s_streams,
    .default_port = 7901,
    .consumers = s_consumers,
    .options = s_options,
};

int
main (int argc, char **argv)
{
    return ht_service_main (&s_probe, argc, argv);
}

/*  figures - the park's figures as the dashboard's JSON views, asked of reporting

    Each view is made of parts: fields of one reporting method's reply, by
    name, written with the descriptor (common/ht_json), so a field reporting
    adds later is one word here and a field it does not have yet is simply
    left out of the view. The methods are a table (s_sources): a reply is
    kept for max_age_ms and serves every view and every browser meanwhile.
    reporting.Overview is the one every view needs; a part from another
    method is left out (and logged) while reporting does not answer it.
    Not thread-safe: the HTTP side calls it from one thread.
*/

#include "figures.h"

#include "hetao/v1/reporting.pb-c.h"
#include "ht_client.h"
#include "ht_json.h"
#include "ht_log.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>

//  The reporting methods the views read, each asked with an empty request.
typedef enum {
    S_OVERVIEW,
    S_PROJECTS_BY_SECTOR,               //  monthly, from the first registration
    S_FUNDING_BY_PROGRAMME,             //  up to now
    S_CUSTOMS_BY_CATEGORY,              //  every case so far
    S_SPACE_BY_PARK,                    //  every park now
    S_SOURCES
} s_source_id_t;

typedef struct {
    const char *method;
    const ProtobufCMessageDescriptor *request, *reply;
} s_source_t;

static const s_source_t s_sources [S_SOURCES] = {
    [S_OVERVIEW] = { "reporting.Overview", &hetao__v1__overview_request__descriptor,
                     &hetao__v1__overview_reply__descriptor },
    [S_PROJECTS_BY_SECTOR] = { "reporting.ProjectsBySector", &hetao__v1__projects_by_sector_request__descriptor,
                               &hetao__v1__projects_by_sector_reply__descriptor },
    [S_FUNDING_BY_PROGRAMME] = { "reporting.FundingByProgramme",
                                 &hetao__v1__funding_by_programme_request__descriptor,
                                 &hetao__v1__funding_by_programme_reply__descriptor },
    [S_CUSTOMS_BY_CATEGORY] = { "reporting.CustomsByCategory", &hetao__v1__customs_by_category_request__descriptor,
                                &hetao__v1__customs_by_category_reply__descriptor },
    [S_SPACE_BY_PARK] = { "reporting.SpaceByPark", &hetao__v1__space_by_park_request__descriptor,
                          &hetao__v1__space_by_park_reply__descriptor },
};

//  A part of a view: fields of a source's reply, comma-separated ("*" for
//  all), as members of the view's object. The list ends at fields NULL.
typedef struct {
    s_source_id_t source;
    const char *fields;
} s_part_t;

#define S_PARTS 4

//  A view: its name under /api/ and its parts. "as_of" of the overview is in every view.
typedef struct {
    const char *name;
    s_part_t parts [S_PARTS];
} s_view_t;

static const s_view_t s_views [] = {
    { "overview", { { S_OVERVIEW, "*" } } },
    { "projects-by-sector", { { S_OVERVIEW, "projects_total,projects_high_end,projects_by_sector,"
                                            "projects_high_end_by_sector,hk_university_projects,projects_by_status" },
                              { S_PROJECTS_BY_SECTOR, "periods,interval" } } },
    { "funding", { { S_OVERVIEW, "funds_budget_cny_fen,funds_committed_cny_fen,funds_paid_cny_fen,"
                                 "funds_paid_cross_boundary_cny_fen" },
                   { S_FUNDING_BY_PROGRAMME, "programmes" } } },
    { "customs", { { S_OVERVIEW, "customs_cases_open,customs_cases_resolved,whitelisted_organizations,"
                                 "customs_deadline_breaches,customs_median_resolution_s,"
                                 "customs_cases_open_by_category,customs_cases_resolved_by_category,"
                                 "declarations_by_lane" },
                   { S_CUSTOMS_BY_CATEGORY, "categories" } } },
    { "space", { { S_OVERVIEW, "industrial_parks_operating,space_prepared_m2_x100,space_allocated_m2_x100" },
                 { S_SPACE_BY_PARK, "parks" } } },
    { NULL }
};

//  The last reply of one source.
typedef struct {
    ProtobufCMessage *reply;                //  or NULL
    int64_t asked_at_us;                    //  when it was last asked, answered or not
    int64_t fetched_at_us;                  //  when `reply` came
    char error [300];                       //  why the last call failed, "" when it did not
    int error_status;                       //  502 or 504 when it failed
} s_kept_t;

struct _figures_t {
    ht_client_t *client;
    figures_options_t options;
    s_kept_t kept [S_SOURCES];
};

//  The last Overview, or NULL.
static Hetao__V1__OverviewReply *
s_overview (figures_t *self)
{
    return (Hetao__V1__OverviewReply *) self->kept [S_OVERVIEW].reply;
}

figures_t *
figures_new (const figures_options_t *options)
{
    char key [41];
    if (!ht_client_server_key (options->server_key, key)) {
        ht_error ("--reporting-server-key: neither a Z85 key nor a certificate file: %s", options->server_key);
        return NULL;
    }
    figures_t *self = calloc (1, sizeof *self);
    self->options = *options;
    self->client = ht_client_new (options->endpoint, &(ht_client_options_t) {
        .deadline_ms = options->deadline_ms, .attempts = 2, .cert = options->cert, .server_key = key });
    if (!self->client) {
        ht_error ("--curve-cert: cannot load the certificate %s", options->cert);
        figures_destroy (&self);
    }
    return self;
}

void
figures_destroy (figures_t **self_p)
{
    figures_t *self = *self_p;
    if (!self)
        return;
    ht_client_destroy (&self->client);
    for (size_t i = 0; i < S_SOURCES; i++)
        if (self->kept [i].reply)
            protobuf_c_message_free_unpacked (self->kept [i].reply, NULL);
    free (self);
    *self_p = NULL;
}

//  Fields whose absence means "none yet" rather than zero.
static const char s_nullable [] = "customs_median_resolution_s";

//  True when `name` is a whole word of the comma-separated `names`, not a
//  prefix of another field's name.
static bool
s_listed (const char *names, const char *name)
{
    size_t length = strlen (name);
    for (const char *at = names; (at = strstr (at, name)); at += length)
        if ((at == names || at [-1] == ',') && (at [length] == ',' || at [length] == 0))
            return true;
    return false;
}

//  Writes the fields of `names` (all when NULL) of `message` as JSON members,
//  each preceded by a comma.
static void
s_write_fields (FILE *out, const ProtobufCMessage *message, const char *names)
{
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (names && !s_listed (names, field->name))
            continue;
        size_t count;
        const char *value = ht_json_field (message, field, &count);
        if (field->label != PROTOBUF_C_LABEL_REPEATED && count == 0) {
            //  Absent counts are zero to a reader of figures; an absent
            //  median (no case resolved yet) is none at all.
            if (s_listed (s_nullable, field->name))
                fprintf (out, ",\"%s\":null", field->name);
            else
            if (field->type == PROTOBUF_C_TYPE_INT64 || field->type == PROTOBUF_C_TYPE_UINT64)
                fprintf (out, ",\"%s\":0", field->name);
            continue;
        }
        fprintf (out, ",\"%s\":", field->name);
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            fputc ('[', out);
            size_t size = ht_json_value_size (field->type);
            for (size_t j = 0; j < count; j++) {
                if (j)
                    fputc (',', out);
                ht_json_write_value (out, field, value + j * size, true);
            }
            fputc (']', out);
        }
        else
            ht_json_write_value (out, field, value, true);
    }
}

//  Asks reporting for `source` unless its last answer (or failure) is fresh
//  enough: many browsers cost reporting one call per source and max_age_ms.
//  True when there is a reply to show.
static bool
s_refresh (figures_t *self, s_source_id_t id)
{
    const s_source_t *source = &s_sources [id];
    s_kept_t *kept = &self->kept [id];
    int64_t now = ht_now_us ();
    if (kept->asked_at_us && now - kept->asked_at_us < self->options.max_age_ms * 1000LL)
        return kept->reply && !kept->error [0];
    kept->asked_at_us = now;
    //  Every request of the table is empty: a zeroed message of its descriptor.
    ProtobufCMessage *request = calloc (1, source->request->sizeof_message);
    source->request->message_init (request);
    Hetao__V1__Reply *reply = ht_client_call (self->client, source->method, NULL, request);
    free (request);
    if (reply->status != HETAO__V1__STATUS__OK) {
        const ProtobufCEnumValue *status =
            protobuf_c_enum_descriptor_get_value (&hetao__v1__status__descriptor, reply->status);
        snprintf (kept->error, sizeof kept->error, "reporting: %s: %s: %s", source->method,
                  status? status->name: "?", reply->message? reply->message: "");
        kept->error_status = reply->status == HETAO__V1__STATUS__DEADLINE_EXCEEDED
                          || reply->status == HETAO__V1__STATUS__UNAVAILABLE? 504: 502;
        ht_warn ("%s", kept->error);
        hetao__v1__reply__free_unpacked (reply, NULL);
        return false;
    }
    ProtobufCMessage *unpacked = protobuf_c_message_unpack (source->reply, NULL, reply->payload.len,
                                                            reply->payload.data);
    hetao__v1__reply__free_unpacked (reply, NULL);
    if (!unpacked) {
        snprintf (kept->error, sizeof kept->error, "reporting: the %s reply does not decode", source->method);
        kept->error_status = 502;
        ht_warn ("%s", kept->error);
        return false;
    }
    if (kept->reply)
        protobuf_c_message_free_unpacked (kept->reply, NULL);
    kept->reply = unpacked;
    kept->fetched_at_us = now;
    kept->error [0] = 0;
    return true;
}

int
figures_view (figures_t *self, const char *name, FILE *out)
{
    const s_view_t *view = s_views;
    while (view->name && strcmp (view->name, name) != 0)
        view++;
    if (!view->name) {
        fprintf (out, "{\"error\":\"no such view\"}");
        return 404;
    }
    if (!s_refresh (self, S_OVERVIEW)) {
        fputs ("{\"error\":", out);
        ht_json_write_value (out, &(ProtobufCFieldDescriptor) { .type = PROTOBUF_C_TYPE_STRING },
                             &(const char *) { self->kept [S_OVERVIEW].error }, true);
        fputc ('}', out);
        return self->kept [S_OVERVIEW].error_status;
    }
    const Hetao__V1__OverviewReply *overview = s_overview (self);
    fprintf (out, "{\"fetched_at_us\":%lld", (long long) self->kept [S_OVERVIEW].fetched_at_us);
    bool all = false;
    for (const s_part_t *part = view->parts; part < view->parts + S_PARTS && part->fields; part++) {
        bool every = !strcmp (part->fields, "*");
        all |= every && part->source == S_OVERVIEW;
        if (s_refresh (self, part->source))
            s_write_fields (out, self->kept [part->source].reply, every? NULL: part->fields);
    }
    if (!all)
        s_write_fields (out, &overview->base, "as_of");
    //  Derived figures the page would otherwise compute itself.
    if (!strcmp (view->name, "space") || all)
        fprintf (out, ",\"space_free_m2_x100\":%lld",
                 (long long) (overview->space_prepared_m2_x100 - overview->space_allocated_m2_x100));
    fputc ('}', out);
    return 200;
}

bool
figures_healthy (figures_t *self)
{
    return s_refresh (self, S_OVERVIEW);
}

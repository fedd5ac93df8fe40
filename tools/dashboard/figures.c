/*  figures - the park's figures as the dashboard's JSON views, asked of reporting

    Each view is a list of OverviewReply fields by name, written with the
    descriptor (common/ht_json), so a field reporting adds later is one word
    here and a field it does not have yet is simply left out of the view.
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

#define S_HISTORY 240           //  samples of projects by sector kept for the chart

//  A view: the Overview fields it shows, comma-separated; NULL for all.
typedef struct {
    const char *name;
    const char *fields;
} s_view_t;

static const s_view_t s_views [] = {
    { "overview", NULL },
    { "projects-by-sector", "projects_total,projects_high_end,projects_by_sector,projects_high_end_by_sector,"
                            "hk_university_projects,projects_by_status" },
    { "funding", "funds_budget_cny_fen,funds_committed_cny_fen,funds_paid_cny_fen,"
                 "funds_paid_cross_boundary_cny_fen" },
    { "customs", "customs_cases_open,customs_cases_resolved,whitelisted_organizations" },
    { "space", "industrial_parks_operating,space_prepared_m2_x100,space_allocated_m2_x100" },
    { NULL }
};

typedef struct {
    int64_t at_us;
    char *by_sector;            //  ,"projects_by_sector":[{key, count}...]: JSON members
} s_sample_t;

struct _figures_t {
    ht_client_t *client;
    figures_options_t options;
    Hetao__V1__OverviewReply *overview;     //  the last reply, or NULL
    int64_t fetched_at_us;                  //  when it came
    char error [300];                       //  why the last call failed, "" when it did not
    int error_status;                       //  502 or 504 when it failed
    s_sample_t history [S_HISTORY];         //  a ring, oldest at history_start
    size_t history_start, history_count;
};

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
    if (self->overview)
        hetao__v1__overview_reply__free_unpacked (self->overview, NULL);
    for (size_t i = 0; i < S_HISTORY; i++)
        free (self->history [i].by_sector);
    free (self);
    *self_p = NULL;
}

//  Writes the fields of `names` (all when NULL) of `message` as JSON members,
//  each preceded by a comma.
static void
s_write_fields (FILE *out, const ProtobufCMessage *message, const char *names)
{
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields [i];
        if (names) {
            //  A whole word of the list, not a prefix of another field's name.
            size_t length = strlen (field->name);
            const char *at = names;
            bool listed = false;
            while ((at = strstr (at, field->name))) {
                if ((at == names || at [-1] == ',') && (at [length] == ',' || at [length] == 0)) {
                    listed = true;
                    break;
                }
                at += length;
            }
            if (!listed)
                continue;
        }
        size_t count;
        const char *value = ht_json_field (message, field, &count);
        if (field->label != PROTOBUF_C_LABEL_REPEATED && count == 0) {
            //  Absent counts are zero to a reader of figures.
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

//  Keeps a sample of projects by sector when it differs from the last one.
static void
s_history_record (figures_t *self)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    s_write_fields (out, &self->overview->base, "projects_by_sector");
    fclose (out);
    if (self->history_count) {
        size_t last = (self->history_start + self->history_count - 1) % S_HISTORY;
        if (!strcmp (self->history [last].by_sector, text)) {
            free (text);
            return;
        }
    }
    size_t slot;
    if (self->history_count < S_HISTORY)
        slot = (self->history_start + self->history_count++) % S_HISTORY;
    else {
        slot = self->history_start;
        self->history_start = (self->history_start + 1) % S_HISTORY;
        free (self->history [slot].by_sector);
    }
    self->history [slot].at_us = self->fetched_at_us;
    self->history [slot].by_sector = text;
}

//  Asks reporting for the Overview unless the last reply is fresh enough.
//  True when there is a reply to show.
static bool
s_refresh (figures_t *self)
{
    int64_t now = ht_now_us ();
    if (self->overview && now - self->fetched_at_us < self->options.max_age_ms * 1000LL)
        return true;
    Hetao__V1__OverviewRequest request = HETAO__V1__OVERVIEW_REQUEST__INIT;
    Hetao__V1__Reply *reply = ht_client_call (self->client, "reporting.Overview", NULL, &request.base);
    if (reply->status != HETAO__V1__STATUS__OK) {
        const ProtobufCEnumValue *status =
            protobuf_c_enum_descriptor_get_value (&hetao__v1__status__descriptor, reply->status);
        snprintf (self->error, sizeof self->error, "reporting: %s: %s", status? status->name: "?",
                  reply->message? reply->message: "");
        self->error_status = reply->status == HETAO__V1__STATUS__DEADLINE_EXCEEDED
                          || reply->status == HETAO__V1__STATUS__UNAVAILABLE? 504: 502;
        ht_warn ("%s", self->error);
        hetao__v1__reply__free_unpacked (reply, NULL);
        return false;
    }
    Hetao__V1__OverviewReply *overview =
        hetao__v1__overview_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    hetao__v1__reply__free_unpacked (reply, NULL);
    if (!overview) {
        snprintf (self->error, sizeof self->error, "reporting: the Overview reply does not decode");
        self->error_status = 502;
        ht_warn ("%s", self->error);
        return false;
    }
    if (self->overview)
        hetao__v1__overview_reply__free_unpacked (self->overview, NULL);
    self->overview = overview;
    self->fetched_at_us = now;
    self->error [0] = 0;
    s_history_record (self);
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
    if (!s_refresh (self)) {
        fputs ("{\"error\":", out);
        ht_json_write_value (out, &(ProtobufCFieldDescriptor) { .type = PROTOBUF_C_TYPE_STRING },
                             &(const char *) { self->error }, true);
        fputc ('}', out);
        return self->error_status;
    }
    const ProtobufCMessage *overview = &self->overview->base;
    fprintf (out, "{\"fetched_at_us\":%lld", (long long) self->fetched_at_us);
    if (view->fields) {
        s_write_fields (out, overview, "as_of");
        s_write_fields (out, overview, view->fields);
    }
    else
        s_write_fields (out, overview, NULL);
    //  Derived figures the page would otherwise compute itself.
    if (!strcmp (view->name, "space") || !view->fields)
        fprintf (out, ",\"space_free_m2_x100\":%lld",
                 (long long) (self->overview->space_prepared_m2_x100 - self->overview->space_allocated_m2_x100));
    if (!strcmp (view->name, "projects-by-sector")) {
        fputs (",\"history\":[", out);
        for (size_t i = 0; i < self->history_count; i++) {
            const s_sample_t *sample = &self->history [(self->history_start + i) % S_HISTORY];
            fprintf (out, "%s{\"at_us\":%lld%s}", i? ",": "", (long long) sample->at_us, sample->by_sector);
        }
        fputc (']', out);
    }
    fputc ('}', out);
    return 200;
}

bool
figures_healthy (figures_t *self)
{
    return s_refresh (self);
}

/*  overview - reporting.Overview: the park in a handful of figures

    Reads the figures the read models keep (report_figure) and how far each
    followed stream is applied (report_stream): a few dozen rows, whatever
    the length of the streams' history. Two figures are not counters: the
    organizations white-listed today (their entries' periods decide, one row
    per listed organization at most) and the median time to resolution (the
    middle of the resolved cases' times, reached through their index).
*/

#include "overview.h"
#include "stream.h"
#include "ht_row.h"
#include "hetao/v1/reporting.pb-c.h"

#include <string.h>

const ht_query_t overview_queries [] = {
    { "overview_figures",
      "SELECT name, key, value FROM report_figure WHERE value <> 0 ORDER BY name, key" },
    //  The median of the resolution times: the middle one or two of them,
    //  reached through their index (as many as customs_cases_resolved).
    { "overview_customs_median",
      "SELECT round(avg(m.resolution_us) / 1000000)::bigint FROM ("
      " SELECT resolution_us FROM report_case WHERE resolution_us IS NOT NULL ORDER BY resolution_us"
      " OFFSET (($1::bigint - 1) / 2) LIMIT (2 - $1::bigint % 2)) m" },
    //  White-listed today (the park's date): active entries whose period covers it.
    { "overview_whitelisted",
      "SELECT count(DISTINCT organization_id) FROM report_whitelist,"
      " (SELECT (now () AT TIME ZONE 'Asia/Shanghai')::date AS day) d"
      " WHERE status = 'active' AND valid_from <= d.day AND d.day < valid_until" },
    { NULL, NULL }
};

//  A breakdown of the reply: its name in report_figure, and where it goes.
typedef struct {
    const char *name;
    size_t offset_count;            //  of n_<field> in the reply
    size_t offset_list;             //  of <field>
} s_breakdown_t;

#define S_BREAKDOWN(field) \
    { #field, offsetof (Hetao__V1__OverviewReply, n_##field), offsetof (Hetao__V1__OverviewReply, field) }

static const s_breakdown_t s_breakdowns [] = {
    S_BREAKDOWN (projects_by_sector),
    S_BREAKDOWN (projects_by_status),
    S_BREAKDOWN (projects_high_end_by_sector),
    S_BREAKDOWN (organizations_by_kind),
    S_BREAKDOWN (facility_hours_by_region),
    S_BREAKDOWN (parks_by_status),
    S_BREAKDOWN (customs_cases_open_by_category),
    S_BREAKDOWN (customs_cases_resolved_by_category),
    S_BREAKDOWN (declarations_by_lane),
    { NULL }
};

//  Sets the single figure `name` of the reply to `value`; false when the
//  reply has no such figure.
static bool
s_single (Hetao__V1__OverviewReply *reply, const char *name, int64_t value)
{
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name (
        reply->base.descriptor, name);
    if (!field || field->label == PROTOBUF_C_LABEL_REPEATED || field->type != PROTOBUF_C_TYPE_INT64)
        return false;
    *(int64_t *) ((char *) reply + field->offset) = value;
    *(protobuf_c_boolean *) ((char *) reply + field->quantifier_offset) = true;
    return true;
}

void
overview_get (ht_call_t *call, const ProtobufCMessage *message)
{
    (void) message;
    if (!ht_call_snapshot (call))           //  the figures and their "as of" agree
        return;
    PGresult *figures = ht_call_query (call, "overview_figures", 0, NULL);
    PGresult *whitelisted = figures? ht_call_query (call, "overview_whitelisted", 0, NULL): NULL;
    if (!whitelisted)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__OverviewReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__overview_reply__init (reply);
    if (!stream_as_of (call, &reply->as_of, &reply->n_as_of))
        return;
    //  Every single figure is present, 0 until something counts.
    for (unsigned i = 0; i < reply->base.descriptor->n_fields; i++)
        s_single (reply, reply->base.descriptor->fields [i].name, 0);

    int rows = PQntuples (figures);
    for (const s_breakdown_t *breakdown = s_breakdowns; breakdown->name; breakdown++) {
        Hetao__V1__FigureCount **list = ht_arena_alloc (arena, (rows + 1) * sizeof (void *));
        size_t count = 0;
        for (int row = 0; row < rows; row++) {
            if (strcmp (PQgetvalue (figures, row, 0), breakdown->name))
                continue;
            Hetao__V1__FigureCount *figure = ht_arena_alloc (arena, sizeof *figure);
            hetao__v1__figure_count__init (figure);
            figure->key = PQgetvalue (figures, row, 1);
            figure->has_count = true;
            figure->count = ht_row_int (figures, row, 2);
            list [count++] = figure;
        }
        *(size_t *) ((char *) reply + breakdown->offset_count) = count;
        *(Hetao__V1__FigureCount ***) ((char *) reply + breakdown->offset_list) = list;
    }
    for (int row = 0; row < rows; row++)
        if (!*PQgetvalue (figures, row, 1))
            s_single (reply, PQgetvalue (figures, row, 0), ht_row_int (figures, row, 2));

    reply->whitelisted_organizations = ht_row_int (whitelisted, 0, 0);
    //  A median only when some case is resolved: absent, not 0, otherwise.
    reply->has_customs_median_resolution_s = false;
    if (reply->customs_cases_resolved > 0) {
        PGresult *median = ht_call_query (call, "overview_customs_median", HT_ARGS (
            ht_call_int (call, reply->customs_cases_resolved)));
        if (!median)
            return;
        if (PQntuples (median) == 1 && !PQgetisnull (median, 0, 0)) {
            reply->has_customs_median_resolution_s = true;
            reply->customs_median_resolution_s = ht_row_int (median, 0, 0);
        }
    }
    //  Hong Kong and Macao researchers' hours: the sum of two regions.
    for (size_t i = 0; i < reply->n_facility_hours_by_region; i++) {
        const Hetao__V1__FigureCount *region = reply->facility_hours_by_region [i];
        if (!strcmp (region->key, "hong_kong") || !strcmp (region->key, "macao"))
            reply->facility_hours_hk_macao += region->count;
    }
    ht_call_reply (call, &reply->base);
}

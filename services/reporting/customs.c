/*  customs - assistance cases, the white list and declarations, as the
    figures count them; and reporting.CustomsByCategory

    Follows the customs stream. A case keeps its category, status, opening
    time, time to resolution and breached deadlines (report_case); its
    trigger moves the open and resolved counts, overall and by category,
    and the breaches. A white-list entry keeps its organization, status and
    period (report_whitelist); a declaration its lane (report_declaration),
    whose trigger moves declarations_by_lane.

    Versions: a case or declaration row is replaced only by a higher
    version, so a replayed event never counts twice. Customs records a
    deadline breach without a new version, and may record it while a status
    change is waiting to commit; so breaches are carried separately: a
    breach, once seen in any event of the case, stays (as in customs).
    White-list entries carry no version; an entry only moves from active to
    revoked or expired, never back.
*/

#include "customs.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_row.h"
#include "ht_text.h"
#include "hetao/v1/customs.pb-c.h"
#include "hetao/v1/reporting.pb-c.h"

#include <string.h>

const ht_query_t customs_queries [] = {
    { "customs_case_store",
      "INSERT INTO report_case AS c (id, category, status, opened_at_us, resolution_us,"
      " first_response_breached, resolution_breached, version)"
      " VALUES ($1::uuid, $2, $3, $4::bigint, $5::bigint, $6::boolean, $7::boolean, $8::bigint)"
      " ON CONFLICT (id) DO UPDATE SET category = EXCLUDED.category, status = EXCLUDED.status,"
      " opened_at_us = EXCLUDED.opened_at_us, resolution_us = EXCLUDED.resolution_us,"
      " first_response_breached = c.first_response_breached OR EXCLUDED.first_response_breached,"
      " resolution_breached = c.resolution_breached OR EXCLUDED.resolution_breached,"
      " version = EXCLUDED.version WHERE c.version < EXCLUDED.version" },
    //  A breach the stored version does not show yet (same version, or an
    //  event that was read before the breach committed).
    { "customs_case_breach",
      "UPDATE report_case SET first_response_breached = first_response_breached OR $2::boolean,"
      " resolution_breached = resolution_breached OR $3::boolean"
      " WHERE id = $1::uuid AND (($2::boolean AND NOT first_response_breached)"
      " OR ($3::boolean AND NOT resolution_breached))" },
    { "customs_whitelist_store",
      "INSERT INTO report_whitelist AS w (id, organization_id, status, valid_from, valid_until)"
      " VALUES ($1::uuid, $2::uuid, $3, $4::date, $5::date)"
      " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status"
      " WHERE w.status = 'active' AND EXCLUDED.status <> 'active'" },
    //  A new listing: customs has let the organization's earlier active entry expire.
    { "customs_whitelist_supersede",
      "UPDATE report_whitelist SET status = 'expired'"
      " WHERE organization_id = $1::uuid AND status = 'active' AND id <> $2::uuid" },
    { "customs_declaration_store",
      "INSERT INTO report_declaration AS d (id, lane, version) VALUES ($1::uuid, $2, $3::bigint)"
      " ON CONFLICT (id) DO UPDATE SET lane = EXCLUDED.lane, version = EXCLUDED.version"
      " WHERE d.version < EXCLUDED.version" },
    { NULL, NULL }
};

//  The report's statements, prepared on every worker.
const ht_query_t customs_report_queries [] = {
    { "customs_by_category",
      "SELECT category, count(*),"
      " count(*) FILTER (WHERE resolution_us IS NOT NULL),"
      " count(*) FILTER (WHERE resolution_us IS NULL),"
      " round(((percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_us))::numeric) / 1000000)::bigint,"
      " sum(first_response_breached::int + resolution_breached::int)"
      " FROM report_case"
      " WHERE ($1::bigint IS NULL OR opened_at_us >= $1::bigint)"
      "   AND ($2::bigint IS NULL OR opened_at_us < $2::bigint)"
      " GROUP BY category ORDER BY category" },
    { NULL, NULL }
};

//  True when `text` is a calendar date YYYY-MM-DD, which the database casts
//  to date without error (a failed cast would stop the stream for good).
static bool
s_date_valid (const char *text)
{
    char error [128];
    return text && ht_date_check (text, error, sizeof error);
}

//  ---------------------------------------------------------------------------
//  Applying the stream

static bool
s_case_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__CaseEvent *payload = hetao__v1__case_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__AssistanceCase *c = payload? payload->assistance_case: NULL;
    if (!c || !c->id || !ht_uuid_valid (c->id) || !c->has_version || !c->has_status
    ||  !c->has_created_at_us)
        return stream_unreadable (event, "assistance case");
    bool resolved = c->status == HETAO__V1__CASE_STATUS__CASE_STATUS_RESOLVED
                 || c->status == HETAO__V1__CASE_STATUS__CASE_STATUS_CLOSED;
    const char *resolution = NULL;
    if (resolved) {
        //  Resolved cases carry resolved_at_us; the last change stands in
        //  should one not, so that a resolved case always has a time.
        int64_t at = c->has_resolved_at_us? c->resolved_at_us: c->updated_at_us;
        int64_t taken = at - c->created_at_us;
        resolution = ht_consumer_tx_int (tx, taken > 0? taken: 0);
    }
    bool first_response = c->has_first_response_breached && c->first_response_breached;
    bool resolution_breached = c->has_resolution_breached && c->resolution_breached;
    if (payload->has_breached) {
        first_response |= payload->breached == HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_FIRST_RESPONSE;
        resolution_breached |= payload->breached == HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_RESOLUTION;
    }
    if (!ht_consumer_tx_write (tx, "customs_case_store", HT_ARGS (
            c->id,
            stream_key (tx, &hetao__v1__case_category__descriptor, c->has_category, c->category, "none"),
            stream_key (tx, &hetao__v1__case_status__descriptor, c->has_status, c->status, "none"),
            ht_consumer_tx_int (tx, c->created_at_us), resolution,
            stream_bool (first_response), stream_bool (resolution_breached),
            ht_consumer_tx_int (tx, c->version))))
        return false;
    if (!first_response && !resolution_breached)
        return true;
    return ht_consumer_tx_write (tx, "customs_case_breach", HT_ARGS (
        c->id, stream_bool (first_response), stream_bool (resolution_breached)));
}

static bool
s_whitelist_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__WhitelistEvent *payload = hetao__v1__whitelist_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__WhitelistEntry *entry = payload? payload->entry: NULL;
    if (!entry || !entry->id || !ht_uuid_valid (entry->id) || !entry->organization_id
    ||  !ht_uuid_valid (entry->organization_id) || !entry->has_status
    ||  !s_date_valid (entry->valid_from) || !s_date_valid (entry->valid_until))
        return stream_unreadable (event, "white-list entry");
    const char *status = stream_key (tx, &hetao__v1__whitelist_status__descriptor, entry->has_status,
                                     entry->status, "none");
    if (!strcmp (status, "active")
    &&  !ht_consumer_tx_write (tx, "customs_whitelist_supersede", HT_ARGS (entry->organization_id, entry->id)))
        return false;
    return ht_consumer_tx_write (tx, "customs_whitelist_store", HT_ARGS (
        entry->id, entry->organization_id, status, entry->valid_from, entry->valid_until));
}

static bool
s_declaration_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__DeclarationEvent *payload = hetao__v1__declaration_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    if (!payload)
        return stream_unreadable (event, "declaration event");
    const Hetao__V1__Declaration *d = payload->declaration;
    if (!d)
        return true;                //  grouped: the centralised declaration only; no lane moves
    if (!d->id || !ht_uuid_valid (d->id) || !d->has_version)
        return stream_unreadable (event, "declaration");
    return ht_consumer_tx_write (tx, "customs_declaration_store", HT_ARGS (
        d->id, stream_key (tx, &hetao__v1__lane__descriptor, d->has_lane, d->lane, "none"),
        ht_consumer_tx_int (tx, d->version)));
}

bool
customs_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    const char *type = event->type? event->type: "";
    if (!strncmp (type, "customs.case.", 13))
        return s_case_apply (tx, event);
    if (!strncmp (type, "customs.whitelist.", 18))
        return s_whitelist_apply (tx, event);
    if (!strncmp (type, "customs.declaration.", 20))
        return s_declaration_apply (tx, event);
    return true;                    //  routing and lane rules: not counted here
}

//  ---------------------------------------------------------------------------
//  reporting.CustomsByCategory

void
customs_by_category (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CustomsByCategoryRequest *request = (const void *) message;
    if (request->has_from_us && request->has_until_us && request->until_us <= request->from_us) {
        ht_call_violation (call, "until_us", "must be after from_us");
        return;
    }
    if (!ht_call_snapshot (call))           //  the figures and their "as of" agree
        return;
    PGresult *result = ht_call_query (call, "customs_by_category", HT_ARGS (
        request->has_from_us? ht_call_int (call, request->from_us): NULL,
        request->has_until_us? ht_call_int (call, request->until_us): NULL));
    if (!result)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__CustomsByCategoryReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__customs_by_category_reply__init (reply);
    if (!stream_as_of (call, &reply->as_of, &reply->n_as_of))
        return;
    reply->has_from_us = request->has_from_us;
    reply->from_us = request->from_us;
    reply->has_until_us = request->has_until_us;
    reply->until_us = request->until_us;
    int rows = PQntuples (result);
    reply->categories = ht_arena_alloc (arena, (size_t) (rows + 1) * sizeof (void *));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__CustomsCategoryFigures *figures = ht_arena_alloc (arena, sizeof *figures);
        hetao__v1__customs_category_figures__init (figures);
        figures->category = PQgetvalue (result, row, 0);
        figures->has_opened = figures->has_resolved = figures->has_open = figures->has_breaches = true;
        figures->opened = ht_row_int (result, row, 1);
        figures->resolved = ht_row_int (result, row, 2);
        figures->open = ht_row_int (result, row, 3);
        if (!PQgetisnull (result, row, 4)) {
            figures->has_median_resolution_s = true;
            figures->median_resolution_s = ht_row_int (result, row, 4);
        }
        figures->breaches = ht_row_int (result, row, 5);
        reply->categories [reply->n_categories++] = figures;
    }
    ht_call_reply (call, &reply->base);
}

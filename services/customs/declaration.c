/*  declaration - research-goods declarations: lines, lifecycle, lanes,
    re-routing, lane rules and the monthly centralised declaration

    A declaration is stored with its lines, then registered: registration
    decides the lane (declaration_rules.c) from the white list on that day,
    the lane rules and the random inspection draw, which depends only on the
    seed and the declaration's id, so a fixed --inspection-seed reproduces
    every lane. Officers move it on (assess, hold, release, refuse) and may
    re-route it to another lane with a reason.
*/

#include "declaration.h"
#include "declaration_rules.h"
#include "organization.h"
#include "settings.h"
#include "whitelist.h"
#include "wire.h"
#include "ht_text.h"
#include "ht_json.h"
#include "ht_money.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES_MAX          100
#define DESCRIPTION_MAX    500
#define UNIT_MAX           16
#define REASON_MAX_CHARS   500
#define RULES_MAX          16

#define DECLARATION_COLUMNS \
    "id, organization_id, status, lane, lane_reason, officer, centralised_id, status_reason," \
    " " HT_SQL_US ("registered_at") ", version, " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")
#define LINE_COLUMNS \
    "hs_code, description, trim_scale(quantity)::text, unit, value_minor, currency, origin_country, category," \
    " biological_risk"

const ht_query_t declaration_queries [] = {
    { "declaration_insert",
      "INSERT INTO declaration (id, organization_id, status, fast_track, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, 'stored', $3::boolean, 1, " HT_SQL_FROM_US (4) ", "
      HT_SQL_FROM_US (4) ")" },
    //  Every line in one statement, from the request as JSON (ht_json: enums by
    //  their value names, GOODS_CATEGORY_REAGENTS, stored by key, reagents).
    { "declaration_lines_insert",
      "INSERT INTO declaration_line (declaration_id, line_no, hs_code, description, quantity, unit,"
      " value_minor, currency, origin_country, category, biological_risk)"
      " SELECT $1::uuid, (t.n - 1)::int, t.x->>'hs_code', t.x->>'description', (t.x->>'quantity')::numeric,"
      "  t.x->>'unit', (t.x->>'value_minor')::bigint, t.x->>'currency', t.x->>'origin_country',"
      "  lower(substr(t.x->>'category', length('GOODS_CATEGORY_') + 1)),"
      "  coalesce((t.x->>'biological_risk')::boolean, false)"
      " FROM jsonb_array_elements($2::jsonb -> 'lines') WITH ORDINALITY AS t(x, n)" },
    { "declaration_get",
      "SELECT " DECLARATION_COLUMNS " FROM declaration WHERE id = $1::uuid" },
    { "declaration_get_for_update",
      "SELECT " DECLARATION_COLUMNS " FROM declaration WHERE id = $1::uuid FOR UPDATE" },
    { "declaration_lines",
      "SELECT " LINE_COLUMNS " FROM declaration_line WHERE declaration_id = $1::uuid ORDER BY line_no" },
    { "declaration_store",
      "UPDATE declaration SET status = $2, lane = $3, lane_reason = $4, officer = $5, status_reason = $6,"
      " registered_at = " HT_SQL_FROM_US (7) ", version = $8::bigint, updated_at = " HT_SQL_FROM_US (9)
      " WHERE id = $1::uuid" },
    { "declaration_lane_rules",
      "SELECT category, biological_risk, lane FROM lane_rule ORDER BY category, biological_risk" },
    { "declaration_lane_rule_upsert",
      "INSERT INTO lane_rule (category, biological_risk, lane) VALUES ($1, $2::boolean, $3)"
      " ON CONFLICT (category, biological_risk) DO UPDATE SET lane = $3, updated_at = now()" },
    { "declaration_centralised_insert",
      "INSERT INTO centralised_declaration (id, organization_id, month, created_at)"
      " VALUES ($1::uuid, $2::uuid, ($3 || '-01')::date, " HT_SQL_FROM_US (4) ")" },
    //  Registered in the month (Asia/Shanghai), not yet grouped, not refused.
    { "declaration_group",
      "UPDATE declaration SET centralised_id = $3::uuid, version = version + 1,"
      " updated_at = " HT_SQL_FROM_US (4)
      " WHERE organization_id = $1::uuid AND centralised_id IS NULL AND status <> 'refused'"
      "   AND registered_at IS NOT NULL"
      "   AND date_trunc('month', registered_at AT TIME ZONE 'Asia/Shanghai') = ($2 || '-01')::timestamp"
      " RETURNING id" },
    { NULL, NULL }
};

const ht_constraint_t declaration_constraints [] = {
    { "centralised_declaration_month_key", HT_ALREADY_EXISTS, "month",
      "the organization's declarations of this month are already grouped" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__Declaration *
s_declaration_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Declaration *d = ht_arena_alloc (ht_call_arena (call), sizeof *d);
    hetao__v1__declaration__init (d);
    d->id = ht_row_text (result, row, 0);
    d->organization_id = ht_row_text (result, row, 1);
    d->has_status = true;
    d->status = ht_row_enum (&hetao__v1__declaration_status__descriptor, PQgetvalue (result, row, 2));
    d->lane = ht_row_enum (&hetao__v1__lane__descriptor, PQgetvalue (result, row, 3));
    d->has_lane = d->lane != 0;
    d->lane_reason = ht_row_text (result, row, 4);
    d->officer = ht_row_text (result, row, 5);
    d->centralised_id = ht_row_text (result, row, 6);
    d->status_reason = ht_row_text (result, row, 7);
    wire_opt_int (result, row, 8, &d->has_registered_at_us, &d->registered_at_us);
    d->has_version = d->has_created_at_us = d->has_updated_at_us = true;
    d->version = ht_row_int (result, row, 9);
    d->created_at_us = ht_row_int (result, row, 10);
    d->updated_at_us = ht_row_int (result, row, 11);
    return d;
}

//  Reads the declaration's lines into it; false when the call failed.
static bool
s_lines_load (ht_call_t *call, Hetao__V1__Declaration *d)
{
    PGresult *result = ht_call_query (call, "declaration_lines", HT_ARGS (d->id));
    if (!result)
        return false;
    ht_arena_t *arena = ht_call_arena (call);
    int rows = PQntuples (result);
    d->lines = ht_arena_alloc (arena, sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__DeclarationLine *line = ht_arena_alloc (arena, sizeof *line);
        hetao__v1__declaration_line__init (line);
        line->hs_code = ht_row_text (result, row, 0);
        line->description = ht_row_text (result, row, 1);
        line->quantity = ht_row_text (result, row, 2);
        line->unit = ht_row_text (result, row, 3);
        line->has_value_minor = line->has_category = line->has_biological_risk = true;
        line->value_minor = ht_row_int (result, row, 4);
        line->currency = ht_row_text (result, row, 5);
        line->origin_country = ht_row_text (result, row, 6);
        line->category = ht_row_enum (&hetao__v1__goods_category__descriptor, PQgetvalue (result, row, 7));
        line->biological_risk = ht_row_bool (result, row, 8);
        d->lines [d->n_lines++] = line;
    }
    return true;
}

//  Loads declaration `id` with its lines (locked for a change when `lock`).
static Hetao__V1__Declaration *
s_load (ht_call_t *call, const char *id, bool lock)
{
    if (lock && !ht_call_lock (call, "declaration", id))
        return NULL;
    PGresult *result = ht_call_query (call, lock? "declaration_get_for_update": "declaration_get", HT_ARGS (id));
    if (!result)
        return NULL;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, "id", "no declaration has id %s", id);
        return NULL;
    }
    Hetao__V1__Declaration *d = s_declaration_from_row (call, result, 0);
    if (!ht_call_acts_for (call, "id", d->organization_id) || !s_lines_load (call, d))
        return NULL;
    return d;
}

static void
s_reply (ht_call_t *call, Hetao__V1__Declaration *d)
{
    ht_row_reply (call, &hetao__v1__declaration_reply__descriptor, &d->base);
}

static void
s_store (ht_call_t *call, Hetao__V1__Declaration *d, const char *type, Hetao__V1__DeclarationEvent *event)
{
    d->version++;
    d->updated_at_us = customs_now_us (call);
    ht_call_write (call, "declaration_store", HT_ARGS (
        d->id,
        ht_row_key (call, &hetao__v1__declaration_status__descriptor, d->status),
        d->has_lane? ht_row_key (call, &hetao__v1__lane__descriptor, d->lane): NULL,
        d->lane_reason, d->officer, d->status_reason,
        d->has_registered_at_us? ht_call_int (call, d->registered_at_us): NULL,
        ht_call_int (call, d->version),
        ht_call_int (call, d->updated_at_us)));
    event->declaration = d;
    ht_call_emit (call, type, d->id, &event->base);
    s_reply (call, d);
}

//  `message` as one JSON object, in the call's arena.
static const char *
s_json (ht_call_t *call, const ProtobufCMessage *message)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    assert (out);
    ht_json_write (out, message);
    fclose (out);
    const char *copy = ht_arena_strdup (ht_call_arena (call), text);
    free (text);
    return copy;
}

//  ---------------------------------------------------------------------------
//  Checks

static void
s_check_line (ht_call_t *call, size_t i, const Hetao__V1__DeclarationLine *line)
{
    char field [64], error [200];
#define FIELD(name) (snprintf (field, sizeof field, "lines[%zu]." name, i), field)
    if (!line->hs_code)
        ht_call_violation (call, FIELD ("hs_code"), "is required");
    else
    if (!declaration_hs_check (line->hs_code, error, sizeof error))
        ht_call_violation (call, FIELD ("hs_code"), "%s", error);
    ht_call_check_text (call, FIELD ("description"), line->description, 1, DESCRIPTION_MAX);
    if (!declaration_quantity_valid (line->quantity))
        ht_call_violation (call, FIELD ("quantity"), "must be a positive number with at most 3 decimals, "
                           "e.g. 10 or 2.5");
    ht_call_check_text (call, FIELD ("unit"), line->unit, 1, UNIT_MAX);
    if (!line->has_value_minor || line->value_minor < 0)
        ht_call_violation (call, FIELD ("value_minor"), "is required: the value in integer minor units "
                           "(fen for CNY), 0 or more");
    char currencies [64];
    ht_money_currencies (currencies, sizeof currencies);
    if (!line->currency || !ht_money_currency_known (line->currency))
        ht_call_violation (call, FIELD ("currency"), "'%.8s' is not a currency customs takes values in: "
                           "one of %s", line->currency? line->currency: "", currencies);
    if (!declaration_country_valid (line->origin_country))
        ht_call_violation (call, FIELD ("origin_country"), "'%.8s' is not an ISO 3166-1 alpha-2 country "
                           "code such as HK or CN", line->origin_country? line->origin_country: "");
    ht_call_check_enum (call, FIELD ("category"), line->has_category, line->category,
                        &hetao__v1__goods_category__descriptor);
#undef FIELD
}

//  ---------------------------------------------------------------------------
//  Methods

void
declaration_create (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CreateDeclarationRequest *request = (const void *) message;
    if (ht_call_check_uuid (call, "organization_id", request->organization_id))
        ht_call_acts_for (call, "organization_id", request->organization_id);
    if (request->n_lines < 1 || request->n_lines > LINES_MAX)
        ht_call_violation (call, "lines", "a declaration has 1 to %d lines; %zu given", LINES_MAX,
                           request->n_lines);
    for (size_t i = 0; i < request->n_lines && i < LINES_MAX; i++)
        s_check_line (call, i, request->lines [i]);
    if (ht_call_failed (call) || !organization_check (call, "organization_id", request->organization_id))
        return;
    bool fast_track = request->has_fast_track && request->fast_track;
    if (fast_track) {
        //  The fast track is for a listing valid today that covers every line.
        for (size_t i = 0; i < request->n_lines; i++) {
            unsigned categories;
            const char *why = NULL;
            if (!whitelist_listed (call, request->organization_id, NULL, request->lines [i]->category,
                                   &categories, &why))
                return;
            if (why) {
                ht_call_fail (call, HT_FAILED_PRECONDITION, "fast_track", "lines[%zu]: %s", i, why);
                return;
            }
        }
    }
    char id [37];
    ht_uuid_v7 (id);
    int64_t now = customs_now_us (call);
    ht_call_write (call, "declaration_insert", HT_ARGS (
        id, request->organization_id, fast_track? "true": "false", ht_call_int (call, now)));
    ht_call_write (call, "declaration_lines_insert", HT_ARGS (id, s_json (call, &request->base)));
    Hetao__V1__Declaration d = HETAO__V1__DECLARATION__INIT;
    d.id = id;
    d.organization_id = request->organization_id;
    d.has_status = true;
    d.status = HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_STORED;
    d.n_lines = request->n_lines;
    d.lines = request->lines;
    d.has_version = d.has_created_at_us = d.has_updated_at_us = true;
    d.version = 1;
    d.created_at_us = d.updated_at_us = now;
    Hetao__V1__DeclarationEvent event = HETAO__V1__DECLARATION_EVENT__INIT;
    event.declaration = &d;
    ht_call_emit (call, "customs.declaration.created", id, &event.base);
    s_reply (call, &d);
}

void
declaration_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetDeclarationRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Declaration *d = s_load (call, request->id, false);
    if (d)
        s_reply (call, d);
}

//  Decides the lane of `d` on registration; false when the call failed.
static bool
s_lane (ht_call_t *call, Hetao__V1__Declaration *d)
{
    unsigned listed;
    if (!whitelist_listed (call, d->organization_id, NULL, 0, &listed, NULL))
        return false;
    PGresult *result = ht_call_query (call, "declaration_lane_rules", 0, NULL);
    if (!result)
        return false;
    declaration_lane_rule_t rules [RULES_MAX];
    size_t n_rules = 0;
    for (int row = 0; row < PQntuples (result) && n_rules < RULES_MAX; row++)
        rules [n_rules++] = (declaration_lane_rule_t) {
            ht_row_enum (&hetao__v1__goods_category__descriptor, PQgetvalue (result, row, 0)),
            ht_row_bool (result, row, 1),
            ht_row_enum (&hetao__v1__lane__descriptor, PQgetvalue (result, row, 2))
        };
    declaration_lane_input_t input = {
        .listed = listed, .lines = (const Hetao__V1__DeclarationLine *const *) d->lines,
        .n_lines = d->n_lines, .rules = rules, .n_rules = n_rules,
        .inspection_per_mille = customs_inspection_per_mille (),
        .draw = declaration_inspection_draw (customs_inspection_seed (), d->id)
    };
    char reason [200];
    d->has_lane = true;
    d->lane = declaration_lane (&input, reason, sizeof reason);
    d->lane_reason = ht_arena_strdup (ht_call_arena (call), reason);
    return true;
}

void
declaration_change_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ChangeDeclarationStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    bool action_ok = ht_call_check_enum (call, "action", request->has_action, request->action,
                                         &hetao__v1__declaration_action__descriptor);
    bool needs_reason = request->action == HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_HOLD
                     || request->action == HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_REFUSE;
    if (action_ok && (needs_reason || request->reason))
        ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    const char *action = ht_row_key (call, &hetao__v1__declaration_action__descriptor, request->action);
    bool officer = (ht_call_principal (call)->roles & HT_ROLE_CUSTOMS_OFFICER) != 0;
    if (!officer && request->action != HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_REGISTER) {
        ht_call_fail (call, HT_PERMISSION_DENIED, "action", "a declarant may only register its "
                      "declaration; '%s' is for officers", action);
        return;
    }
    Hetao__V1__Declaration *d = s_load (call, request->id, true);
    if (!d)
        return;
    Hetao__V1__DeclarationStatus next = declaration_transition (d->status, request->action);
    if (!next) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "action", "a declaration that is %s cannot be %s: "
                      "see the declaration lifecycle in docs/protocol.md",
                      ht_row_key (call, &hetao__v1__declaration_status__descriptor, d->status), action);
        return;
    }
    Hetao__V1__DeclarationEvent event = HETAO__V1__DECLARATION_EVENT__INIT;
    event.has_previous_status = true;
    event.previous_status = d->status;
    event.reason = request->reason;
    d->status = next;
    if (request->reason)
        d->status_reason = request->reason;
    const char *type = "customs.declaration.status_changed";
    if (request->action == HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_REGISTER) {
        if (!s_lane (call, d))
            return;
        d->has_registered_at_us = true;
        d->registered_at_us = customs_now_us (call);
        type = "customs.declaration.registered";
    }
    s_store (call, d, type, &event);
}

void
declaration_reroute (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RerouteDeclarationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "lane", request->has_lane, request->lane, &hetao__v1__lane__descriptor);
    ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    Hetao__V1__Declaration *d = s_load (call, request->id, true);
    if (!d)
        return;
    if (d->status != HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_REGISTERED
    &&  d->status != HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_ASSESSED
    &&  d->status != HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_HELD) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "only a registered, assessed or held "
                      "declaration can be re-routed; this one is %s",
                      ht_row_key (call, &hetao__v1__declaration_status__descriptor, d->status));
        return;
    }
    if (d->lane == request->lane) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "lane", "the declaration is already in the %s lane",
                      ht_row_key (call, &hetao__v1__lane__descriptor, d->lane));
        return;
    }
    Hetao__V1__DeclarationEvent event = HETAO__V1__DECLARATION_EVENT__INIT;
    event.has_previous_lane = true;
    event.previous_lane = d->lane;
    event.reason = request->reason;
    d->lane = request->lane;
    d->lane_reason = ht_arena_printf (ht_call_arena (call), "re-routed by %s: %s",
                                      ht_call_principal (call)->name, request->reason);
    d->officer = (char *) ht_call_principal (call)->name;
    s_store (call, d, "customs.declaration.rerouted", &event);
}

void
declaration_set_lane_rule (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetLaneRuleRequest *request = (const void *) message;
    Hetao__V1__LaneRule *rule = request->rule;
    if (!rule) {
        ht_call_violation (call, "rule", "is required");
        return;
    }
    ht_call_check_enum (call, "rule.category", rule->has_category, rule->category,
                        &hetao__v1__goods_category__descriptor);
    ht_call_check_enum (call, "rule.lane", rule->has_lane, rule->lane, &hetao__v1__lane__descriptor);
    if (ht_call_failed (call))
        return;
    rule->has_biological_risk = true;
    const char *category = ht_row_key (call, &hetao__v1__goods_category__descriptor, rule->category);
    const char *key = ht_arena_printf (ht_call_arena (call), "%s/%s", category,
                                       rule->biological_risk? "biological_risk": "no_biological_risk");
    if (!ht_call_lock (call, "lane_rule", key))
        return;
    ht_call_write (call, "declaration_lane_rule_upsert", HT_ARGS (
        category, rule->biological_risk? "true": "false", ht_row_key (call, &hetao__v1__lane__descriptor, rule->lane)));
    Hetao__V1__DeclarationEvent event = HETAO__V1__DECLARATION_EVENT__INIT;
    event.rule = rule;
    ht_call_emit (call, "customs.lane.rule_set", key, &event.base);
    ht_row_reply (call, &hetao__v1__lane_rule_reply__descriptor, &rule->base);
}

void
declaration_group (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GroupDeclarationsRequest *request = (const void *) message;
    if (ht_call_check_uuid (call, "organization_id", request->organization_id))
        ht_call_acts_for (call, "organization_id", request->organization_id);
    int year, month, length = 0;
    if (!request->month || strlen (request->month) != 7
    ||  sscanf (request->month, "%4d-%2d%n", &year, &month, &length) != 2 || length != 7
    ||  year < 1900 || month < 1 || month > 12)
        ht_call_violation (call, "month", "is required, as YYYY-MM");
    if (ht_call_failed (call) || !organization_check (call, "organization_id", request->organization_id))
        return;
    unsigned categories;
    const char *why = NULL;
    if (!whitelist_listed (call, request->organization_id, NULL, 0, &categories, &why))
        return;
    if (why) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "organization_id", "centralised monthly declaration "
                      "is for white-listed organizations: %s", why);
        return;
    }
    if (!ht_call_lock (call, "centralised", request->organization_id))
        return;
    char id [37];
    ht_uuid_v7 (id);
    int64_t now = customs_now_us (call);
    ht_call_write (call, "declaration_centralised_insert", HT_ARGS (
        id, request->organization_id, request->month, ht_call_int (call, now)));
    PGresult *grouped = ht_call_query (call, "declaration_group", HT_ARGS (
        request->organization_id, request->month, id, ht_call_int (call, now)));
    if (!grouped)
        return;
    int rows = PQntuples (grouped);
    if (rows == 0) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "month", "the organization has no registered "
                      "declarations of %s that are not grouped yet", request->month);
        return;
    }
    Hetao__V1__CentralisedDeclaration centralised = HETAO__V1__CENTRALISED_DECLARATION__INIT;
    centralised.id = id;
    centralised.organization_id = request->organization_id;
    centralised.month = request->month;
    centralised.has_created_at_us = true;
    centralised.created_at_us = now;
    centralised.declaration_ids = ht_arena_alloc (ht_call_arena (call), sizeof (char *) * (size_t) rows);
    for (int row = 0; row < rows; row++)
        centralised.declaration_ids [centralised.n_declaration_ids++] = PQgetvalue (grouped, row, 0);
    Hetao__V1__DeclarationEvent event = HETAO__V1__DECLARATION_EVENT__INIT;
    event.centralised = &centralised;
    ht_call_emit (call, "customs.declaration.grouped", id, &event.base);
    ht_row_reply (call, &hetao__v1__centralised_declaration_reply__descriptor, &centralised.base);
}

/*  routing - "precise assistance": officers, and the rules that send each
    case to a team and an officer

    Rules map a category, and optionally a priority, to a team and an
    officer; a priority's rule wins over the category's. Both change at run
    time (SetOfficer, SetRoutingRule); a case keeps the officer it was given
    until it is reassigned.
*/

#include "routing.h"
#include "wire.h"

#include <string.h>

#define NAME_MAX_CHARS 200

const ht_query_t routing_queries [] = {
    { "routing_assign",
      "SELECT r.team, r.officer FROM routing_rule r JOIN officer o ON o.id = r.officer AND o.active"
      " WHERE r.category = $1 AND (r.priority = $2 OR r.priority = '')"
      " ORDER BY r.priority = '' LIMIT 1" },
    { "routing_officer_get",
      "SELECT id, name, team, active FROM officer WHERE id = $1" },
    { "routing_officer_upsert",
      "INSERT INTO officer (id, name, team, active) VALUES ($1, $2, $3, $4::boolean)"
      " ON CONFLICT (id) DO UPDATE SET name = $2, team = $3, active = $4::boolean, updated_at = now()" },
    { "routing_rule_upsert",
      "INSERT INTO routing_rule (category, priority, team, officer) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (category, priority) DO UPDATE SET team = $3, officer = $4, updated_at = now()" },
    { "routing_rules",
      "SELECT category, priority, team, officer FROM routing_rule ORDER BY category, priority" },
    { "routing_officers",
      "SELECT id, name, team, active FROM officer ORDER BY id" },
    { NULL, NULL }
};

const ht_constraint_t routing_constraints [] = {
    { "routing_rule_officer_fkey", HT_NOT_FOUND, "rule.officer", "no officer has this id" },
    { NULL }
};

//  An officer or team handle: 1 to 64 of a-z 0-9 . _ -
static bool
s_check_handle (ht_call_t *call, const char *field, const char *text)
{
    if (!text || !*text || strlen (text) > 64 || strspn (text, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen (text)) {
        ht_call_violation (call, field, "must be 1 to 64 of a-z 0-9 . _ - (e.g. li.wei)");
        return false;
    }
    return true;
}

static Hetao__V1__Officer *
s_officer_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Officer *officer = ht_arena_alloc (ht_call_arena (call), sizeof *officer);
    hetao__v1__officer__init (officer);
    officer->id = ht_row_text (result, row, 0);
    officer->name = ht_row_text (result, row, 1);
    officer->team = ht_row_text (result, row, 2);
    officer->has_active = true;
    officer->active = ht_row_bool (result, row, 3);
    return officer;
}

bool
routing_assign (ht_call_t *call, const char *category, const char *priority,
                const char **team, const char **officer)
{
    PGresult *result = ht_call_query (call, "routing_assign", HT_ARGS (category, priority));
    if (!result)
        return false;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "category", "no routing rule sends %s cases to an "
                      "active officer: set one with customs.SetRoutingRule", category);
        return false;
    }
    *team = PQgetvalue (result, 0, 0);
    *officer = PQgetvalue (result, 0, 1);
    return true;
}

bool
routing_officer_active (ht_call_t *call, const char *field, const char *id, const char **team)
{
    if (!s_check_handle (call, field, id))
        return false;
    PGresult *result = ht_call_query (call, "routing_officer_get", HT_ARGS (id));
    if (!result)
        return false;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no officer has id '%s'", id);
        return false;
    }
    if (!ht_row_bool (result, 0, 3)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "officer '%s' is not active", id);
        return false;
    }
    if (team)
        *team = PQgetvalue (result, 0, 2);
    return true;
}

void
routing_set_officer (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetOfficerRequest *request = (const void *) message;
    Hetao__V1__Officer *officer = request->officer;
    if (!officer) {
        ht_call_violation (call, "officer", "is required");
        return;
    }
    s_check_handle (call, "officer.id", officer->id);
    ht_call_check_text (call, "officer.name", officer->name, 1, NAME_MAX_CHARS);
    s_check_handle (call, "officer.team", officer->team);
    if (ht_call_failed (call) || !ht_call_lock (call, "officer", officer->id))
        return;
    //  An officer is active unless the request says otherwise.
    officer->active = !officer->has_active || officer->active;
    officer->has_active = true;
    ht_call_write (call, "routing_officer_upsert", HT_ARGS (
        officer->id, officer->name, officer->team, officer->active? "true": "false"));
    Hetao__V1__RoutingEvent event = HETAO__V1__ROUTING_EVENT__INIT;
    event.officer = officer;
    ht_call_emit (call, "customs.routing.officer_set", officer->id, &event.base);
    ht_row_reply (call, &hetao__v1__officer_reply__descriptor, &officer->base);
}

void
routing_set_rule (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetRoutingRuleRequest *request = (const void *) message;
    Hetao__V1__RoutingRule *rule = request->rule;
    if (!rule) {
        ht_call_violation (call, "rule", "is required");
        return;
    }
    ht_call_check_enum (call, "rule.category", rule->has_category, rule->category,
                        &hetao__v1__case_category__descriptor);
    if (rule->has_priority && rule->priority)
        ht_call_check_enum (call, "rule.priority", true, rule->priority, &hetao__v1__case_priority__descriptor);
    if (ht_call_failed (call))
        return;
    const char *category = ht_row_key (call, &hetao__v1__case_category__descriptor, rule->category);
    const char *priority = rule->has_priority && rule->priority
                         ? ht_row_key (call, &hetao__v1__case_priority__descriptor, rule->priority): "";
    if (!ht_call_lock (call, "routing_rule", ht_arena_printf (ht_call_arena (call), "%s/%s", category, priority)))
        return;
    const char *team = NULL;
    if (!routing_officer_active (call, "rule.officer", rule->officer, &team))
        return;
    if (!rule->team)
        rule->team = (char *) team;
    else
    if (!s_check_handle (call, "rule.team", rule->team))
        return;
    ht_call_write (call, "routing_rule_upsert", HT_ARGS (category, priority, rule->team, rule->officer));
    Hetao__V1__RoutingEvent event = HETAO__V1__ROUTING_EVENT__INIT;
    event.rule = rule;
    ht_call_emit (call, "customs.routing.rule_set", ht_arena_printf (ht_call_arena (call), "%s/%s",
                  category, priority), &event.base);
    ht_row_reply (call, &hetao__v1__routing_rule_reply__descriptor, &rule->base);
}

void
routing_list (ht_call_t *call, const ProtobufCMessage *message)
{
    //  The rules and the officers they route to, as of one moment.
    if (!ht_call_snapshot (call))
        return;
    PGresult *rules = ht_call_query (call, "routing_rules", 0, NULL);
    PGresult *officers = rules? ht_call_query (call, "routing_officers", 0, NULL): NULL;
    if (!officers)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ListRoutingReply reply = HETAO__V1__LIST_ROUTING_REPLY__INIT;
    int n = PQntuples (rules);
    reply.rules = ht_arena_alloc (arena, sizeof (void *) * (size_t) (n + 1));
    for (int row = 0; row < n; row++) {
        Hetao__V1__RoutingRule *rule = ht_arena_alloc (arena, sizeof *rule);
        hetao__v1__routing_rule__init (rule);
        rule->has_category = true;
        rule->category = ht_row_enum (&hetao__v1__case_category__descriptor, PQgetvalue (rules, row, 0));
        rule->priority = ht_row_enum (&hetao__v1__case_priority__descriptor, PQgetvalue (rules, row, 1));
        rule->has_priority = rule->priority != 0;
        rule->team = PQgetvalue (rules, row, 2);
        rule->officer = PQgetvalue (rules, row, 3);
        reply.rules [reply.n_rules++] = rule;
    }
    n = PQntuples (officers);
    reply.officers = ht_arena_alloc (arena, sizeof (void *) * (size_t) (n + 1));
    for (int row = 0; row < n; row++)
        reply.officers [reply.n_officers++] = s_officer_from_row (call, officers, row);
    ht_call_reply (call, &reply.base);
}

/*  declaration - hetaoctl declaration create|get|register|assess|hold|release|
    refuse|reroute|group|lane-rule: research-goods declarations
*/

#include "ctl.h"
#include "ht_enum.h"
#include "ht_money.h"
#include "hetao/v1/customs.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define LINES_MAX 100

static int
s_declaration_print (int code, ProtobufCMessage *result)
{
    if (code == 0) {
        ctl_print (&((Hetao__V1__DeclarationReply *) result)->declaration->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

//  Parses one --line "hs=...,desc=...,qty=...,unit=...,value=...,currency=...,
//  origin=...,category=...[,bio=yes]" into `line` (strings in ctl_alloc memory).
//  `value` is decimal text in the currency (120000.00 CNY); value_minor= gives minor units.
static int
s_line_parse (size_t index, const char *text, Hetao__V1__DeclarationLine *line)
{
    char *copy = ctl_alloc (strlen (text) + 1);
    strcpy (copy, text);
    const char *value = NULL;
    for (char *save, *pair = strtok_r (copy, ",", &save); pair; pair = strtok_r (NULL, ",", &save)) {
        char *equals = strchr (pair, '=');
        if (!equals)
            return ctl_usage_error ("--line %zu: '%s' is not key=value", index + 1, pair);
        *equals = 0;
        const char *key = pair, *field = equals + 1;
        if (!strcmp (key, "hs"))
            line->hs_code = (char *) field;
        else if (!strcmp (key, "desc"))
            line->description = (char *) field;
        else if (!strcmp (key, "qty"))
            line->quantity = (char *) field;
        else if (!strcmp (key, "unit"))
            line->unit = (char *) field;
        else if (!strcmp (key, "value"))
            value = field;
        else if (!strcmp (key, "value_minor")) {
            char *end;
            line->value_minor = strtoll (field, &end, 10);
            if (*end || end == field)
                return ctl_usage_error ("--line %zu: value_minor '%s' is not a whole number", index + 1, field);
            line->has_value_minor = true;
        }
        else if (!strcmp (key, "currency"))
            line->currency = (char *) field;
        else if (!strcmp (key, "origin"))
            line->origin_country = (char *) field;
        else if (!strcmp (key, "category")) {
            int category;
            if (!ht_enum_value (&hetao__v1__goods_category__descriptor, field, &category)) {
                char keys [256];
                ht_enum_keys (&hetao__v1__goods_category__descriptor, keys, sizeof keys);
                return ctl_usage_error ("--line %zu: category '%s' is not one of: %s", index + 1, field, keys);
            }
            line->has_category = true;
            line->category = category;
        }
        else if (!strcmp (key, "bio")) {
            line->has_biological_risk = true;
            line->biological_risk = !strcmp (field, "yes") || !strcmp (field, "true");
        }
        else
            return ctl_usage_error ("--line %zu: unknown key '%s' (hs, desc, qty, unit, value, value_minor, "
                                    "currency, origin, category, bio)", index + 1, key);
    }
    if (value) {
        if (!line->currency)
            return ctl_usage_error ("--line %zu: value needs currency=", index + 1);
        int64_t minor;
        ht_money_status_t status = ht_money_parse (value, line->currency, false, &minor);
        if (status != HT_MONEY_OK)
            return ctl_usage_error ("--line %zu: value '%s' %s: %s", index + 1, value, line->currency,
                                    ht_money_status_text (status));
        line->has_value_minor = true;
        line->value_minor = minor;
    }
    return 0;
}

static int
s_declaration_create (int argc, char **argv)
{
    Hetao__V1__CreateDeclarationRequest request = HETAO__V1__CREATE_DECLARATION_REQUEST__INIT;
    //  --line may be given many times: taken out here, the rest goes to ctl_parse.
    char **rest = ctl_alloc (sizeof (char *) * (size_t) (argc + 1));
    int n_rest = 0;
    request.lines = ctl_alloc (sizeof (void *) * LINES_MAX);
    for (int i = 0; i < argc; i++) {
        const char *text = NULL;
        if (!strcmp (argv [i], "--line")) {
            if (i + 1 == argc)
                return ctl_usage_error ("--line needs a value");
            text = argv [++i];
        }
        else
        if (!strncmp (argv [i], "--line=", 7))
            text = argv [i] + 7;
        if (!text) {
            rest [n_rest++] = argv [i];
            continue;
        }
        if (request.n_lines == LINES_MAX)
            return ctl_usage_error ("at most %d --line", LINES_MAX);
        Hetao__V1__DeclarationLine *line = ctl_alloc (sizeof *line);
        hetao__v1__declaration_line__init (line);
        int code = s_line_parse (request.n_lines, text, line);
        if (code)
            return code;
        request.lines [request.n_lines++] = line;
    }
    rest [n_rest] = NULL;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED, .help = "the declarant's id" },
        { "fast-track", CTL_FLAG, &request.fast_track, &request.has_fast_track,
          .help = "claim the white list's fast track (refused unless listed today for every line)" },
        { NULL }
    };
    int code = ctl_parse (options, n_rest, rest, "Usage: hetaoctl declaration create --org ID "
                          "--line \"hs=382200,desc=...,qty=10,unit=kg,value=120000.00,currency=CNY,origin=HK,"
                          "category=reagents[,bio=yes]\" [--line ...] [--fast-track]");
    if (code)
        return code < 0? 0: code;
    if (request.n_lines == 0)
        return ctl_usage_error ("declaration create: give at least one --line");
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.CreateDeclaration", &request.base,
                     &hetao__v1__declaration_reply__descriptor, &result);
    return s_declaration_print (code, result);
}

static int
s_declaration_get (int argc, char **argv)
{
    Hetao__V1__GetDeclarationRequest request = HETAO__V1__GET_DECLARATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the declaration's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl declaration get ID");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.GetDeclaration", &request.base,
                     &hetao__v1__declaration_reply__descriptor, &result);
    return s_declaration_print (code, result);
}

static int
s_declaration_action (int argc, char **argv, Hetao__V1__DeclarationAction action, const char *usage)
{
    Hetao__V1__ChangeDeclarationStatusRequest request = HETAO__V1__CHANGE_DECLARATION_STATUS_REQUEST__INIT;
    request.has_action = true;
    request.action = action;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the declaration's id" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required to hold and refuse)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.ChangeDeclarationStatus", &request.base,
                     &hetao__v1__declaration_reply__descriptor, &result);
    return s_declaration_print (code, result);
}

#define DECLARATION_ACTION(verb, ACTION) \
    static int s_declaration_##verb (int argc, char **argv) { \
        return s_declaration_action (argc, argv, HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_##ACTION, \
                                     "Usage: hetaoctl declaration " #verb " ID [--reason TEXT]"); }
DECLARATION_ACTION (register, REGISTER)
DECLARATION_ACTION (assess, ASSESS)
DECLARATION_ACTION (hold, HOLD)
DECLARATION_ACTION (release, RELEASE)
DECLARATION_ACTION (refuse, REFUSE)

static int
s_declaration_reroute (int argc, char **argv)
{
    Hetao__V1__RerouteDeclarationRequest request = HETAO__V1__REROUTE_DECLARATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the declaration's id" },
        { "lane", CTL_ENUM, &request.lane, &request.has_lane, &hetao__v1__lane__descriptor, .flags = CTL_REQUIRED,
          .help = "green, yellow or red" },
        { "reason", CTL_STRING, &request.reason, .flags = CTL_REQUIRED, .help = "why" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl declaration reroute ID --lane L --reason TEXT");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.RerouteDeclaration", &request.base,
                     &hetao__v1__declaration_reply__descriptor, &result);
    return s_declaration_print (code, result);
}

static int
s_declaration_group (int argc, char **argv)
{
    Hetao__V1__GroupDeclarationsRequest request = HETAO__V1__GROUP_DECLARATIONS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED, .help = "the declarant's id" },
        { "month", CTL_STRING, &request.month, .flags = CTL_REQUIRED, .help = "YYYY-MM" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl declaration group --org ID --month YYYY-MM");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.GroupDeclarations", &request.base,
                     &hetao__v1__centralised_declaration_reply__descriptor, &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__CentralisedDeclarationReply *) result)->centralised->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_declaration_lane_rule (int argc, char **argv)
{
    Hetao__V1__LaneRule rule = HETAO__V1__LANE_RULE__INIT;
    const ctl_option_t options [] = {
        { "category", CTL_ENUM, &rule.category, &rule.has_category, &hetao__v1__goods_category__descriptor,
          .flags = CTL_REQUIRED, .help = "lines of this goods category" },
        { "bio", CTL_FLAG, &rule.biological_risk, &rule.has_biological_risk, .help = "with biological risk" },
        { "lane", CTL_ENUM, &rule.lane, &rule.has_lane, &hetao__v1__lane__descriptor, .flags = CTL_REQUIRED,
          .help = "at least this lane" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl declaration lane-rule --category C [--bio] --lane L");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__SetLaneRuleRequest request = HETAO__V1__SET_LANE_RULE_REQUEST__INIT;
    request.rule = &rule;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.SetLaneRule", &request.base, &hetao__v1__lane_rule_reply__descriptor,
                     &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__LaneRuleReply *) result)->rule->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t declaration_commands [] = {
    { "declaration", "create",    s_declaration_create,    "store a research-goods declaration with its lines" },
    { "declaration", "get",       s_declaration_get,       "show one declaration" },
    { "declaration", "register",  s_declaration_register,  "register it: customs assigns its lane" },
    { "declaration", "assess",    s_declaration_assess,    "registered -> assessed" },
    { "declaration", "hold",      s_declaration_hold,      "hold it, with a reason" },
    { "declaration", "release",   s_declaration_release,   "release the goods" },
    { "declaration", "refuse",    s_declaration_refuse,    "refuse a held declaration, with a reason" },
    { "declaration", "reroute",   s_declaration_reroute,   "move it to another lane, with a reason" },
    { "declaration", "group",     s_declaration_group,     "group a white-listed organization's month into one" },
    { "declaration", "lane-rule", s_declaration_lane_rule, "set the lowest lane for a goods category" },
    { NULL }
};

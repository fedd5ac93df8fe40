/*  routing - hetaoctl routing officer|rule|list: who handles which customs cases  */

#include "ctl.h"
#include "hetao/v1/customs.pb-c.h"

static int
s_routing_officer (int argc, char **argv)
{
    Hetao__V1__Officer officer = HETAO__V1__OFFICER__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &officer.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "a handle, e.g. li.wei" },
        { "name", CTL_STRING, &officer.name, .flags = CTL_REQUIRED, .help = "the officer's name" },
        { "team", CTL_STRING, &officer.team, .flags = CTL_REQUIRED, .help = "the officer's team" },
        { "active", CTL_BOOL, &officer.active, &officer.has_active, .fallback = "true",
          .help = "false: no new cases go to this officer" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl routing officer ID --name N --team T [--active false]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__SetOfficerRequest request = HETAO__V1__SET_OFFICER_REQUEST__INIT;
    request.officer = &officer;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.SetOfficer", &request.base, &hetao__v1__officer_reply__descriptor, &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__OfficerReply *) result)->officer->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_routing_rule (int argc, char **argv)
{
    Hetao__V1__RoutingRule rule = HETAO__V1__ROUTING_RULE__INIT;
    const ctl_option_t options [] = {
        { "category", CTL_ENUM, &rule.category, &rule.has_category, &hetao__v1__case_category__descriptor,
          .flags = CTL_REQUIRED, .help = "cases of this category" },
        { "priority", CTL_ENUM, &rule.priority, &rule.has_priority, &hetao__v1__case_priority__descriptor,
          .help = "only of this priority (default: any)" },
        { "officer", CTL_STRING, &rule.officer, .flags = CTL_REQUIRED, .help = "go to this officer" },
        { "team", CTL_STRING, &rule.team, .help = "of this team (default: the officer's)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl routing rule --category C [--priority P] --officer ID");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__SetRoutingRuleRequest request = HETAO__V1__SET_ROUTING_RULE_REQUEST__INIT;
    request.rule = &rule;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.SetRoutingRule", &request.base, &hetao__v1__routing_rule_reply__descriptor,
                     &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__RoutingRuleReply *) result)->rule->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_routing_list (int argc, char **argv)
{
    int code = ctl_parse ((const ctl_option_t []) { { NULL } }, argc, argv, "Usage: hetaoctl routing list");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__ListRoutingRequest request = HETAO__V1__LIST_ROUTING_REQUEST__INIT;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.ListRouting", &request.base, &hetao__v1__list_routing_reply__descriptor,
                     &result);
    if (code == 0) {
        code = ctl_print_list (result, "rules", "category,priority,team,officer");
        if (code == 0)
            code = ctl_print_list (result, "officers", "id,name,team,active");
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t routing_commands [] = {
    { "routing", "officer", s_routing_officer, "add or change a customs officer" },
    { "routing", "rule",    s_routing_rule,    "send cases of a category (and priority) to an officer" },
    { "routing", "list",    s_routing_list,    "the routing rules and the officers" },
    { NULL }
};

/*  whitelist - hetaoctl whitelist add|revoke|check: the research white list  */

#include "ctl.h"
#include "hetao/v1/customs.pb-c.h"

static int
s_whitelist_print (int code, ProtobufCMessage *result)
{
    if (code == 0) {
        ctl_print (&((Hetao__V1__WhitelistReply *) result)->entry->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_whitelist_add (int argc, char **argv)
{
    Hetao__V1__AddWhitelistRequest request = HETAO__V1__ADD_WHITELIST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED, .help = "the organization's id" },
        { "categories", CTL_ENUM_LIST, &request.categories, NULL, &hetao__v1__goods_category__descriptor,
          &request.n_categories, .flags = CTL_REQUIRED, .help = "goods it may fast-track, comma-separated" },
        { "from", CTL_STRING, &request.valid_from, .flags = CTL_REQUIRED, .help = "first valid day, YYYY-MM-DD" },
        { "until", CTL_STRING, &request.valid_until, .flags = CTL_REQUIRED, .help = "valid before this day" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl whitelist add --org ID --categories C,C "
                          "--from DATE --until DATE");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.AddWhitelist", &request.base, &hetao__v1__whitelist_reply__descriptor,
                     &result);
    return s_whitelist_print (code, result);
}

static int
s_whitelist_revoke (int argc, char **argv)
{
    Hetao__V1__RevokeWhitelistRequest request = HETAO__V1__REVOKE_WHITELIST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the entry's id" },
        { "reason", CTL_STRING, &request.reason, .flags = CTL_REQUIRED, .help = "why (bars re-listing for two years)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl whitelist revoke ID --reason TEXT");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.RevokeWhitelist", &request.base, &hetao__v1__whitelist_reply__descriptor,
                     &result);
    return s_whitelist_print (code, result);
}

static int
s_whitelist_check (int argc, char **argv)
{
    Hetao__V1__CheckWhitelistRequest request = HETAO__V1__CHECK_WHITELIST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED, .help = "the organization's id" },
        { "category", CTL_ENUM, &request.category, &request.has_category, &hetao__v1__goods_category__descriptor,
          .flags = CTL_REQUIRED, .help = "the goods category" },
        { "date", CTL_STRING, &request.date, .help = "YYYY-MM-DD (default today)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl whitelist check --org ID --category C [--date D]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.CheckWhitelist", &request.base,
                     &hetao__v1__check_whitelist_reply__descriptor, &result);
    if (code == 0) {
        ctl_print (result);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t whitelist_commands [] = {
    { "whitelist", "add",    s_whitelist_add,    "white-list an organization for goods categories" },
    { "whitelist", "revoke", s_whitelist_revoke, "revoke a listing, with a reason" },
    { "whitelist", "check",  s_whitelist_check,  "is an organization white-listed for a category on a date" },
    { NULL }
};

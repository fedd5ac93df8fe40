/*  org - hetaoctl org register|get|update|set-status|list: the registry's organizations  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

#include <string.h>

//  What `org list` shows without -o wide or --columns.
#define ORG_COLUMNS "id,name_en,name_zh,kind,region,status"

//  Calls `method` with `request` and prints the organization it returns.
static int
s_org_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__organization_reply__descriptor);
}

static int
s_org_register (int argc, char **argv)
{
    Hetao__V1__RegisterOrganizationRequest request = HETAO__V1__REGISTER_ORGANIZATION_REQUEST__INIT;
    const char *uscc = NULL, *hk_br = NULL, *other = NULL;
    request.has_major_platform = true;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &request.name_en, .help = "English name" },
        { "name-zh", CTL_STRING, &request.name_zh, .help = "Chinese name" },
        { "kind", CTL_ENUM, &request.kind, &request.has_kind, &hetao__v1__organization_kind__descriptor,
          .help = "what the organization is" },
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "where it is registered" },
        { "uscc", CTL_STRING, &uscc, .help = "mainland Unified Social Credit Code" },
        { "hk-br", CTL_STRING, &hk_br, .help = "Hong Kong Business Registration number" },
        { "reg-id", CTL_STRING, &other, .help = "any other registration identifier" },
        { "sectors", CTL_ENUM_LIST, &request.sectors, NULL, &hetao__v1__sector__descriptor, &request.n_sectors,
          .help = "comma-separated" },
        { "major-platform", CTL_FLAG, &request.major_platform, .help = "a major research platform" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl org register [options]");
    if (code)
        return code < 0? 0: code;
    if (!!uscc + !!hk_br + !!other > 1)
        return ctl_usage_error ("give one of --uscc, --hk-br and --reg-id");
    request.has_registration_type = uscc || hk_br || other;
    request.registration_type = uscc? HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC
                              : hk_br? HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR
                              : HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_OTHER;
    request.registration_id = (char *) (uscc? uscc: hk_br? hk_br: other);
    return s_org_call ("registry.RegisterOrganization", &request.base);
}

static int
s_org_get (int argc, char **argv)
{
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the organization's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl org get ID");
    if (code)
        return code < 0? 0: code;
    return s_org_call ("registry.GetOrganization", &request.base);
}

static int
s_org_update (int argc, char **argv)
{
    Hetao__V1__UpdateOrganizationRequest request = HETAO__V1__UPDATE_ORGANIZATION_REQUEST__INIT;
    Hetao__V1__SectorList sectors = HETAO__V1__SECTOR_LIST__INIT;
    protobuf_c_boolean has_sectors = false;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the organization's id" },
        { "name", CTL_STRING, &request.name_en, .help = "new English name (\"\" clears it)" },
        { "name-zh", CTL_STRING, &request.name_zh, .help = "new Chinese name (\"\" clears it)" },
        { "kind", CTL_ENUM, &request.kind, &request.has_kind, &hetao__v1__organization_kind__descriptor,
          .help = "new kind" },
        { "sectors", CTL_ENUM_LIST, &sectors.sectors, &has_sectors, &hetao__v1__sector__descriptor,
          &sectors.n_sectors, .help = "new sectors, comma-separated (\"\" for none)" },
        { "major-platform", CTL_BOOL, &request.major_platform, &request.has_major_platform,
          .help = "a major research platform" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl org update ID [options]");
    if (code)
        return code < 0? 0: code;
    if (has_sectors)
        request.sectors = &sectors;
    return s_org_call ("registry.UpdateOrganization", &request.base);
}

static int
s_org_set_status (int argc, char **argv)
{
    Hetao__V1__SetOrganizationStatusRequest request = HETAO__V1__SET_ORGANIZATION_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the organization's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__organization_status__descriptor,
          .help = "the new status" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required for suspended and withdrawn)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl org set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return s_org_call ("registry.SetOrganizationStatus", &request.base);
}

static int
s_org_list (int argc, char **argv)
{
    Hetao__V1__ListOrganizationsRequest request = HETAO__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "kind", CTL_ENUM, &request.kind, &request.has_kind, &hetao__v1__organization_kind__descriptor,
          .help = "only this kind" },
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "only this region" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__organization_status__descriptor,
          .help = "only this status" },
        { "sector", CTL_ENUM, &request.sector, &request.has_sector, &hetao__v1__sector__descriptor,
          .help = "only organizations in this sector" },
        { "major-platform", CTL_BOOL, &request.major_platform, &request.has_major_platform,
          .help = "only major research platforms, or only others" },
        { "name-contains", CTL_STRING, &request.name_contains, .help = "part of either name, any case" },
        { "registration-id", CTL_STRING, &request.registration_id, .help = "exactly this identifier" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "organizations per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl org list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListOrganizations", &request.base,
                           &hetao__v1__list_organizations_reply__descriptor, "organizations", ORG_COLUMNS,
                           token, all);
}

const ctl_command_t org_commands [] = {
    { "org", "register",   s_org_register,   "register an organization" },
    { "org", "get",        s_org_get,        "show one organization" },
    { "org", "update",     s_org_update,     "change names, kind, sectors or the major-platform flag" },
    { "org", "set-status", s_org_set_status, "activate, suspend or withdraw an organization" },
    { "org", "list",       s_org_list,       "list and search organizations" },
    { NULL }
};

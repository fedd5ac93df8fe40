/*  researcher - hetaoctl researcher register|get|update|set-status|list: the registry's researchers  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `researcher list` shows without -o wide or --columns.
#define RESEARCHER_COLUMNS "id,name,region,organization_id,orcid,status"

//  Calls `method` with `request` and prints the researcher it returns.
static int
s_researcher_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__researcher_reply__descriptor);
}

static int
s_researcher_register (int argc, char **argv)
{
    Hetao__V1__RegisterResearcherRequest request = HETAO__V1__REGISTER_RESEARCHER_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &request.name, .flags = CTL_REQUIRED, .help = "the researcher's name" },
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "region of residence" },
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED,
          .help = "the affiliated organization's id" },
        { "orcid", CTL_STRING, &request.orcid, .help = "ORCID iD, 0000-0002-1825-0097 (hyphens optional)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl researcher register --name N --region R "
                          "--org ORG [--orcid X]");
    if (code)
        return code < 0? 0: code;
    return s_researcher_call ("registry.RegisterResearcher", &request.base);
}

static int
s_researcher_get (int argc, char **argv)
{
    Hetao__V1__GetResearcherRequest request = HETAO__V1__GET_RESEARCHER_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the researcher's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl researcher get ID");
    if (code)
        return code < 0? 0: code;
    return s_researcher_call ("registry.GetResearcher", &request.base);
}

static int
s_researcher_update (int argc, char **argv)
{
    Hetao__V1__UpdateResearcherRequest request = HETAO__V1__UPDATE_RESEARCHER_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the researcher's id" },
        { "name", CTL_STRING, &request.name, .help = "new name" },
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "new region of residence" },
        { "org", CTL_STRING, &request.organization_id, .help = "new affiliated organization's id" },
        { "orcid", CTL_STRING, &request.orcid, .help = "new ORCID iD (\"\" clears it)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl researcher update ID [options]");
    if (code)
        return code < 0? 0: code;
    return s_researcher_call ("registry.UpdateResearcher", &request.base);
}

static int
s_researcher_set_status (int argc, char **argv)
{
    Hetao__V1__SetResearcherStatusRequest request = HETAO__V1__SET_RESEARCHER_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the researcher's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__researcher_status__descriptor,
          .help = "active or inactive" },
        { "reason", CTL_STRING, &request.reason, .help = "why (optional)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl researcher set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return s_researcher_call ("registry.SetResearcherStatus", &request.base);
}

static int
s_researcher_list (int argc, char **argv)
{
    Hetao__V1__ListResearchersRequest request = HETAO__V1__LIST_RESEARCHERS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "only this region of residence" },
        { "org", CTL_STRING, &request.organization_id, .help = "only researchers of this organization" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__researcher_status__descriptor,
          .help = "only this status" },
        { "name-contains", CTL_STRING, &request.name_contains, .help = "part of the name, any case" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "researchers per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl researcher list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListResearchers", &request.base,
                           &hetao__v1__list_researchers_reply__descriptor, "researchers", RESEARCHER_COLUMNS,
                           token, all);
}

const ctl_command_t researcher_commands [] = {
    { "researcher", "register",   s_researcher_register,   "register a researcher" },
    { "researcher", "get",        s_researcher_get,        "show one researcher" },
    { "researcher", "update",     s_researcher_update,     "change name, region, affiliation or ORCID iD" },
    { "researcher", "set-status", s_researcher_set_status, "make a researcher active or inactive" },
    { "researcher", "list",       s_researcher_list,       "list and search researchers" },
    { NULL }
};

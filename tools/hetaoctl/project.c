/*  project - hetaoctl project register|get|update|set-status|list: the registry's projects  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `project list` shows without -o wide or --columns.
#define PROJECT_COLUMNS "id,title_en,title_zh,sector,origin,high_end,status"

//  Calls `method` with `request` and prints the project it returns.
static int
s_project_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__project_reply__descriptor);
}

//  --partners and --funders as one list of participants, partners first.
typedef struct {
    char **partners, **funders;
    size_t n_partners, n_funders;
    protobuf_c_boolean has_partners, has_funders;
} s_participants_t;

static Hetao__V1__ProjectParticipant **
s_participants (const s_participants_t *given, size_t *count)
{
    *count = given->n_partners + given->n_funders;
    Hetao__V1__ProjectParticipant **list = ctl_alloc (sizeof (void *) * (*count + 1));
    for (size_t i = 0; i < *count; i++) {
        bool partner = i < given->n_partners;
        list [i] = ctl_alloc (sizeof **list);
        hetao__v1__project_participant__init (list [i]);
        list [i]->organization_id = partner? given->partners [i]: given->funders [i - given->n_partners];
        list [i]->has_role = true;
        list [i]->role = partner? HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_PARTNER
                                : HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_FUNDER;
    }
    return list;
}

static int
s_project_register (int argc, char **argv)
{
    Hetao__V1__RegisterProjectRequest request = HETAO__V1__REGISTER_PROJECT_REQUEST__INIT;
    s_participants_t given = { 0 };
    request.has_high_end = true;
    const ctl_option_t options [] = {
        { "title", CTL_STRING, &request.title_en, .help = "English title" },
        { "title-zh", CTL_STRING, &request.title_zh, .help = "Chinese title" },
        { "lead", CTL_STRING, &request.lead_organization_id, .flags = CTL_REQUIRED,
          .help = "the lead organization's id" },
        { "partners", CTL_STRING_LIST, &given.partners, NULL, NULL, &given.n_partners,
          .help = "partner organizations' ids, comma-separated" },
        { "funders", CTL_STRING_LIST, &given.funders, NULL, NULL, &given.n_funders,
          .help = "funding organizations' ids, comma-separated" },
        { "origin", CTL_ENUM, &request.origin, &request.has_origin, &hetao__v1__project_origin__descriptor,
          .help = "where the project comes from" },
        { "sector", CTL_ENUM, &request.sector, &request.has_sector, &hetao__v1__sector__descriptor,
          .help = "the project's sector" },
        { "high-end", CTL_FLAG, &request.high_end, .help = "a high-end sci-tech project" },
        { "start", CTL_STRING, &request.start_date, .help = "start date, YYYY-MM-DD" },
        { "end", CTL_STRING, &request.end_date, .help = "end date, YYYY-MM-DD, after the start" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl project register --title T --lead ORG "
                          "--sector S --origin O [options]");
    if (code)
        return code < 0? 0: code;
    request.partners = s_participants (&given, &request.n_partners);
    return s_project_call ("registry.RegisterProject", &request.base);
}

static int
s_project_get (int argc, char **argv)
{
    Hetao__V1__GetProjectRequest request = HETAO__V1__GET_PROJECT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the project's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl project get ID");
    if (code)
        return code < 0? 0: code;
    return s_project_call ("registry.GetProject", &request.base);
}

static int
s_project_update (int argc, char **argv)
{
    Hetao__V1__UpdateProjectRequest request = HETAO__V1__UPDATE_PROJECT_REQUEST__INIT;
    Hetao__V1__ParticipantList partners = HETAO__V1__PARTICIPANT_LIST__INIT;
    s_participants_t given = { 0 };
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the project's id" },
        { "title", CTL_STRING, &request.title_en, .help = "new English title (\"\" clears it)" },
        { "title-zh", CTL_STRING, &request.title_zh, .help = "new Chinese title (\"\" clears it)" },
        { "partners", CTL_STRING_LIST, &given.partners, &given.has_partners, NULL, &given.n_partners,
          .help = "the partners' ids: with --funders, replaces every partner and funder" },
        { "funders", CTL_STRING_LIST, &given.funders, &given.has_funders, NULL, &given.n_funders,
          .help = "the funders' ids: with --partners, replaces every partner and funder" },
        { "origin", CTL_ENUM, &request.origin, &request.has_origin, &hetao__v1__project_origin__descriptor,
          .help = "new origin" },
        { "sector", CTL_ENUM, &request.sector, &request.has_sector, &hetao__v1__sector__descriptor,
          .help = "new sector" },
        { "high-end", CTL_BOOL, &request.high_end, &request.has_high_end, .help = "a high-end project or not" },
        { "start", CTL_STRING, &request.start_date, .help = "new start date (\"\" clears it)" },
        { "end", CTL_STRING, &request.end_date, .help = "new end date (\"\" clears it)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl project update ID [options]");
    if (code)
        return code < 0? 0: code;
    if (given.has_partners || given.has_funders) {
        partners.participants = s_participants (&given, &partners.n_participants);
        request.partners = &partners;
    }
    return s_project_call ("registry.UpdateProject", &request.base);
}

static int
s_project_set_status (int argc, char **argv)
{
    Hetao__V1__SetProjectStatusRequest request = HETAO__V1__SET_PROJECT_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the project's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__project_status__descriptor,
          .help = "the new status" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required for terminated)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl project set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return s_project_call ("registry.SetProjectStatus", &request.base);
}

static int
s_project_list (int argc, char **argv)
{
    Hetao__V1__ListProjectsRequest request = HETAO__V1__LIST_PROJECTS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "sector", CTL_ENUM, &request.sector, &request.has_sector, &hetao__v1__sector__descriptor,
          .help = "only this sector" },
        { "origin", CTL_ENUM, &request.origin, &request.has_origin, &hetao__v1__project_origin__descriptor,
          .help = "only this origin" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__project_status__descriptor,
          .help = "only this status" },
        { "lead", CTL_STRING, &request.lead_organization_id, .help = "only projects this organization leads" },
        { "org", CTL_STRING, &request.organization_id,
          .help = "only projects this organization takes part in (lead, partner or funder)" },
        { "high-end", CTL_BOOL, &request.high_end, &request.has_high_end,
          .help = "only high-end projects, or only others" },
        { "title-contains", CTL_STRING, &request.title_contains, .help = "part of either title, any case" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "projects per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl project list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListProjects", &request.base,
                           &hetao__v1__list_projects_reply__descriptor, "projects", PROJECT_COLUMNS, token, all);
}

const ctl_command_t project_commands [] = {
    { "project", "register",   s_project_register,   "register a research project" },
    { "project", "get",        s_project_get,        "show one project" },
    { "project", "update",     s_project_update,     "change titles, partners, origin, sector, dates" },
    { "project", "set-status", s_project_set_status, "activate, complete or terminate a project" },
    { "project", "list",       s_project_list,       "list and search projects" },
    { NULL }
};

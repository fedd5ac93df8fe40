/*  park - hetaoctl park register|get|update|set-status|list|occupancy: industrial parks

    Areas are square metres as decimals with at most two places (--area-m2
    1000.50), passed to the registry as written: it refuses anything else
    naming area_m2. Dates are YYYY-MM-DD.
*/

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `park list` shows without -o wide or --columns.
#define PARK_COLUMNS "id,name_en,name_zh,area_m2,operating_since,status"

static int
s_park_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__park_reply__descriptor);
}

static int
s_park_register (int argc, char **argv)
{
    Hetao__V1__RegisterParkRequest request = HETAO__V1__REGISTER_PARK_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &request.name_en, .help = "English name" },
        { "name-zh", CTL_STRING, &request.name_zh, .help = "Chinese name" },
        { "operator", CTL_STRING, &request.operator_organization_id, .flags = CTL_REQUIRED,
          .help = "id of the organization that runs the park" },
        { "area-m2", CTL_STRING, &request.area_m2, .flags = CTL_REQUIRED,
          .help = "total area in square metres, at most two decimals" },
        { "operating-since", CTL_STRING, &request.operating_since,
          .help = "YYYY-MM-DD it began operating (absent: planned)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park register --name N --operator ORG --area-m2 A");
    if (code)
        return code < 0? 0: code;
    return s_park_call ("registry.RegisterPark", &request.base);
}

static int
s_park_get (int argc, char **argv)
{
    Hetao__V1__GetParkRequest request = HETAO__V1__GET_PARK_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the park's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park get ID");
    if (code)
        return code < 0? 0: code;
    return s_park_call ("registry.GetPark", &request.base);
}

static int
s_park_update (int argc, char **argv)
{
    Hetao__V1__UpdateParkRequest request = HETAO__V1__UPDATE_PARK_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the park's id" },
        { "name", CTL_STRING, &request.name_en, .help = "new English name (\"\" clears it)" },
        { "name-zh", CTL_STRING, &request.name_zh, .help = "new Chinese name (\"\" clears it)" },
        { "operator", CTL_STRING, &request.operator_organization_id, .help = "new operator organization" },
        { "area-m2", CTL_STRING, &request.area_m2, .help = "new total area; not below its units'" },
        { "operating-since", CTL_STRING, &request.operating_since, .help = "corrected opening date" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park update ID [options]");
    if (code)
        return code < 0? 0: code;
    return s_park_call ("registry.UpdatePark", &request.base);
}

static int
s_park_set_status (int argc, char **argv)
{
    Hetao__V1__SetParkStatusRequest request = HETAO__V1__SET_PARK_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the park's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__park_status__descriptor,
          .flags = CTL_REQUIRED, .help = "the new status" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required for closed)" },
        { "operating-since", CTL_STRING, &request.operating_since,
          .help = "YYYY-MM-DD (required for operating)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park set-status ID --status S [options]");
    if (code)
        return code < 0? 0: code;
    return s_park_call ("registry.SetParkStatus", &request.base);
}

static int
s_park_list (int argc, char **argv)
{
    Hetao__V1__ListParksRequest request = HETAO__V1__LIST_PARKS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__park_status__descriptor,
          .help = "only this status" },
        { "operator", CTL_STRING, &request.operator_organization_id, .help = "only parks this organization runs" },
        { "name-contains", CTL_STRING, &request.name_contains, .help = "part of either name, any case" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "parks per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListParks", &request.base, &hetao__v1__list_parks_reply__descriptor,
                           "parks", PARK_COLUMNS, token, all);
}

//  --json: the reply as one object. For a person: the date, then a table
//  per park, per unit and per organization.
static int
s_park_occupancy (int argc, char **argv)
{
    Hetao__V1__ParkOccupancyRequest request = HETAO__V1__PARK_OCCUPANCY_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "park", CTL_STRING, &request.park_id, .flags = CTL_POSITIONAL,
          .help = "the park's id (absent: every park)" },
        { "at", CTL_STRING, &request.at, .help = "YYYY-MM-DD (absent: today in Asia/Shanghai)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl park occupancy [PARK] [--at YYYY-MM-DD]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REGISTRY, "registry.ParkOccupancy", &request.base,
                     &hetao__v1__park_occupancy_reply__descriptor, &result);
    if (code)
        return code;
    Hetao__V1__ParkOccupancyReply *reply = (Hetao__V1__ParkOccupancyReply *) result;
    if (ctl.json)
        ctl_print (result);
    else {
        printf ("at: %s\n\n", reply->at);
        code = ctl_print_list (result, "parks",
                               "park_id,name_en,area_m2,prepared_m2,allocated_m2,free_m2,allocated_percent");
        if (code == 0 && reply->n_units) {
            printf ("\n");
            code = ctl_print_list (result, "units", "unit_id,code,area_m2,allocated_m2,free_m2");
        }
        if (code == 0 && reply->n_organizations) {
            printf ("\n");
            code = ctl_print_list (result, "organizations", "organization_id,allocated_m2,allocations");
        }
    }
    protobuf_c_message_free_unpacked (result, NULL);
    return code;
}

const ctl_command_t park_commands [] = {
    { "park", "register",   s_park_register,   "register an industrial park" },
    { "park", "get",        s_park_get,        "show one industrial park" },
    { "park", "update",     s_park_update,     "change names, operator, area or opening date" },
    { "park", "set-status", s_park_set_status, "open or close an industrial park" },
    { "park", "list",       s_park_list,       "list and search industrial parks" },
    { "park", "occupancy",  s_park_occupancy,  "space prepared, allocated and free at a date" },
    { NULL }
};

/*  unit - hetaoctl unit add|get|update|set-status|list: the units of a park  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `unit list` shows without -o wide or --columns.
#define UNIT_COLUMNS "id,code,building,floor,area_m2,use,status"

static int
s_unit_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__unit_reply__descriptor);
}

static int
s_unit_add (int argc, char **argv)
{
    Hetao__V1__AddUnitRequest request = HETAO__V1__ADD_UNIT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "park", CTL_STRING, &request.park_id, .flags = CTL_REQUIRED, .help = "the park's id" },
        { "code", CTL_STRING, &request.code, .flags = CTL_REQUIRED, .help = "unique in the park, e.g. A-101" },
        { "building", CTL_STRING, &request.building, .help = "building" },
        { "floor", CTL_STRING, &request.floor, .help = "floor" },
        { "area-m2", CTL_STRING, &request.area_m2, .flags = CTL_REQUIRED,
          .help = "square metres, at most two decimals" },
        { "use", CTL_ENUM, &request.use, &request.has_use, &hetao__v1__unit_use__descriptor,
          .flags = CTL_REQUIRED, .help = "what the unit is for" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl unit add --park P --code C --area-m2 A --use U [options]");
    if (code)
        return code < 0? 0: code;
    return s_unit_call ("registry.AddUnit", &request.base);
}

static int
s_unit_get (int argc, char **argv)
{
    Hetao__V1__GetUnitRequest request = HETAO__V1__GET_UNIT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the unit's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl unit get ID");
    if (code)
        return code < 0? 0: code;
    return s_unit_call ("registry.GetUnit", &request.base);
}

static int
s_unit_update (int argc, char **argv)
{
    Hetao__V1__UpdateUnitRequest request = HETAO__V1__UPDATE_UNIT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the unit's id" },
        { "code", CTL_STRING, &request.code, .help = "new code" },
        { "building", CTL_STRING, &request.building, .help = "new building (\"\" clears it)" },
        { "floor", CTL_STRING, &request.floor, .help = "new floor (\"\" clears it)" },
        { "area-m2", CTL_STRING, &request.area_m2, .help = "new area; fits the park, holds its allocations" },
        { "use", CTL_ENUM, &request.use, &request.has_use, &hetao__v1__unit_use__descriptor, .help = "new use" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl unit update ID [options]");
    if (code)
        return code < 0? 0: code;
    return s_unit_call ("registry.UpdateUnit", &request.base);
}

static int
s_unit_set_status (int argc, char **argv)
{
    Hetao__V1__SetUnitStatusRequest request = HETAO__V1__SET_UNIT_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the unit's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__unit_status__descriptor,
          .flags = CTL_REQUIRED, .help = "the new status" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required for unavailable and retired)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl unit set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return s_unit_call ("registry.SetUnitStatus", &request.base);
}

static int
s_unit_list (int argc, char **argv)
{
    Hetao__V1__ListUnitsRequest request = HETAO__V1__LIST_UNITS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "park", CTL_STRING, &request.park_id, .help = "only units of this park" },
        { "use", CTL_ENUM, &request.use, &request.has_use, &hetao__v1__unit_use__descriptor, .help = "only this use" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__unit_status__descriptor,
          .help = "only this status" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "units per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl unit list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListUnits", &request.base, &hetao__v1__list_units_reply__descriptor,
                           "units", UNIT_COLUMNS, token, all);
}

const ctl_command_t unit_commands [] = {
    { "unit", "add",        s_unit_add,        "add a unit to a park" },
    { "unit", "get",        s_unit_get,        "show one unit" },
    { "unit", "update",     s_unit_update,     "change code, place, area or use" },
    { "unit", "set-status", s_unit_set_status, "make a unit available, unavailable or retired" },
    { "unit", "list",       s_unit_list,       "list units" },
    { NULL }
};

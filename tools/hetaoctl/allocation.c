/*  allocation - hetaoctl allocation add|get|end|extend|list: unit space
    given to organizations for [from, until)
*/

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `allocation list` shows without -o wide or --columns.
#define ALLOCATION_COLUMNS "id,unit_id,organization_id,area_m2,from_date,until_date"

static int
s_allocation_call (const char *method, const ProtobufCMessage *request)
{
    return ctl_call_print (CTL_REGISTRY, method, request, &hetao__v1__allocation_reply__descriptor);
}

static int
s_allocation_add (int argc, char **argv)
{
    Hetao__V1__AddAllocationRequest request = HETAO__V1__ADD_ALLOCATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "unit", CTL_STRING, &request.unit_id, .flags = CTL_REQUIRED, .help = "the unit's id" },
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED,
          .help = "the organization given the space" },
        { "area-m2", CTL_STRING, &request.area_m2, .flags = CTL_REQUIRED,
          .help = "square metres, at most two decimals" },
        { "from", CTL_STRING, &request.from_date, .flags = CTL_REQUIRED, .help = "first day, YYYY-MM-DD" },
        { "until", CTL_STRING, &request.until_date, .help = "the day it ends, not included (absent: open-ended)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl allocation add --unit U --org O --area-m2 A --from D [--until D]");
    if (code)
        return code < 0? 0: code;
    return s_allocation_call ("registry.AddAllocation", &request.base);
}

static int
s_allocation_get (int argc, char **argv)
{
    Hetao__V1__GetAllocationRequest request = HETAO__V1__GET_ALLOCATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the allocation's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl allocation get ID");
    if (code)
        return code < 0? 0: code;
    return s_allocation_call ("registry.GetAllocation", &request.base);
}

static int
s_allocation_end (int argc, char **argv)
{
    Hetao__V1__EndAllocationRequest request = HETAO__V1__END_ALLOCATION_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the allocation's id" },
        { "until", CTL_STRING, &request.until_date, .flags = CTL_REQUIRED,
          .help = "the new end, not included, YYYY-MM-DD" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl allocation end ID --until YYYY-MM-DD");
    if (code)
        return code < 0? 0: code;
    return s_allocation_call ("registry.EndAllocation", &request.base);
}

static int
s_allocation_extend (int argc, char **argv)
{
    Hetao__V1__ExtendAllocationRequest request = HETAO__V1__EXTEND_ALLOCATION_REQUEST__INIT;
    protobuf_c_boolean open_ended = false;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the allocation's id" },
        { "until", CTL_STRING, &request.until_date, .help = "the new end, not included, YYYY-MM-DD" },
        { "open-ended", CTL_FLAG, &open_ended, .help = "no end at all" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl allocation extend ID (--until YYYY-MM-DD | --open-ended)");
    if (code)
        return code < 0? 0: code;
    if (!request.until_date == !open_ended)
        return ctl_usage_error ("give one of --until and --open-ended");
    return s_allocation_call ("registry.ExtendAllocation", &request.base);
}

static int
s_allocation_list (int argc, char **argv)
{
    Hetao__V1__ListAllocationsRequest request = HETAO__V1__LIST_ALLOCATIONS_REQUEST__INIT;
    const char *token = NULL;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "unit", CTL_STRING, &request.unit_id, .help = "only allocations of this unit" },
        { "park", CTL_STRING, &request.park_id, .help = "only allocations in this park" },
        { "org", CTL_STRING, &request.organization_id,
          .help = "only allocations to this organization (an applicant must give its own)" },
        { "at", CTL_STRING, &request.at, .help = "only allocations that hold on this day, YYYY-MM-DD" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "allocations per page" },
        { "page-token", CTL_STRING, &token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl allocation list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListAllocations", &request.base, &hetao__v1__list_allocations_reply__descriptor,
                           "allocations", ALLOCATION_COLUMNS, token, all);
}

const ctl_command_t allocation_commands [] = {
    { "allocation", "add",    s_allocation_add,    "give part or all of a unit to an organization for a period" },
    { "allocation", "get",    s_allocation_get,    "show one allocation" },
    { "allocation", "end",    s_allocation_end,    "end an allocation early" },
    { "allocation", "extend", s_allocation_extend, "extend an allocation, or make it open-ended" },
    { "allocation", "list",   s_allocation_list,   "list allocations" },
    { NULL }
};

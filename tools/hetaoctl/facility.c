/*  facility - hetaoctl facility register|get|update|list|hours: the park's
    large facilities and the hours booked on them by researcher region  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `facility list` and `facility hours` show without -o wide or --columns.
#define FACILITY_COLUMNS "id,name,operator_organization_id,version"
#define HOURS_COLUMNS "region,scheduled_hours,completed_hours,scheduled_bookings,completed_bookings"

static int
s_facility_register (int argc, char **argv)
{
    Hetao__V1__RegisterFacilityRequest request = HETAO__V1__REGISTER_FACILITY_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &request.name, .flags = CTL_REQUIRED, .help = "the facility's name" },
        { "operator", CTL_STRING, &request.operator_organization_id, .flags = CTL_REQUIRED,
          .help = "id of the organization that runs it" },
        { "description", CTL_STRING, &request.description, .help = "what it is, for people" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl facility register --name N --operator ORG");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.RegisterFacility", &request.base,
                           &hetao__v1__facility_reply__descriptor);
}

static int
s_facility_get (int argc, char **argv)
{
    Hetao__V1__GetFacilityRequest request = HETAO__V1__GET_FACILITY_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the facility's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl facility get ID");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.GetFacility", &request.base,
                           &hetao__v1__facility_reply__descriptor);
}

static int
s_facility_update (int argc, char **argv)
{
    Hetao__V1__UpdateFacilityRequest request = HETAO__V1__UPDATE_FACILITY_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the facility's id" },
        { "name", CTL_STRING, &request.name, .help = "new name" },
        { "operator", CTL_STRING, &request.operator_organization_id, .help = "id of the new operator" },
        { "description", CTL_STRING, &request.description, .help = "new description (\"\" clears it)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl facility update ID [options]");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.UpdateFacility", &request.base,
                           &hetao__v1__facility_reply__descriptor);
}

static int
s_facility_list (int argc, char **argv)
{
    Hetao__V1__ListFacilitiesRequest request = HETAO__V1__LIST_FACILITIES_REQUEST__INIT;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "operator", CTL_STRING, &request.operator_organization_id, .help = "only those this organization runs" },
        { "name-contains", CTL_STRING, &request.name_contains, .help = "part of the name, any case" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "facilities per page" },
        { "page-token", CTL_STRING, &request.page_token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl facility list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListFacilities", &request.base,
                           &hetao__v1__list_facilities_reply__descriptor, "facilities",
                           FACILITY_COLUMNS, request.page_token, all);
}

static int
s_facility_hours (int argc, char **argv)
{
    Hetao__V1__FacilityHoursRequest request = HETAO__V1__FACILITY_HOURS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "from", CTL_TIME, &request.from_us, &request.has_from_us, .flags = CTL_REQUIRED,
          .help = "start of the period (ISO 8601; a date is its midnight in the park)" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us, .flags = CTL_REQUIRED,
          .help = "end of the period, not included" },
        { "region", CTL_ENUM, &request.region, &request.has_region, &hetao__v1__region__descriptor,
          .help = "only researchers living in this region" },
        { "facility", CTL_STRING, &request.facility_id, .help = "only this facility's instruments" },
        { "instrument", CTL_STRING, &request.instrument_id, .help = "only this instrument" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl facility hours --from T --until T [--region R] [--facility F]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *reply = NULL;
    code = ctl_call (CTL_REGISTRY, "registry.FacilityHours", &request.base,
                     &hetao__v1__facility_hours_reply__descriptor, &reply);
    if (code)
        return code;
    code = ctl_print_list (reply, "regions", HOURS_COLUMNS);
    protobuf_c_message_free_unpacked (reply, NULL);
    return code;
}

const ctl_command_t facility_commands [] = {
    { "facility", "register", s_facility_register, "register a large facility and its operator" },
    { "facility", "get",      s_facility_get,      "show one facility" },
    { "facility", "update",   s_facility_update,   "change a facility's name, operator or description" },
    { "facility", "list",     s_facility_list,     "list facilities" },
    { "facility", "hours",    s_facility_hours,    "hours scheduled and completed by researcher region" },
    { NULL }
};

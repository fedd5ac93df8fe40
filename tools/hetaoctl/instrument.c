/*  instrument - hetaoctl instrument add|get|update|set-status|list|bookings:
    the bookable instruments of a facility and the time booked on them  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `instrument list` and `instrument bookings` show without -o wide or --columns.
#define INSTRUMENT_COLUMNS "id,name,facility_id,status"
#define BOOKING_COLUMNS "from_us,until_us,hours,status,access_request_id,researcher_id"

static int
s_instrument_add (int argc, char **argv)
{
    Hetao__V1__AddInstrumentRequest request = HETAO__V1__ADD_INSTRUMENT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "facility", CTL_STRING, &request.facility_id, .flags = CTL_REQUIRED, .help = "the facility's id" },
        { "name", CTL_STRING, &request.name, .flags = CTL_REQUIRED, .help = "unique within the facility" },
        { "description", CTL_STRING, &request.description, .help = "what it does, for people" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument add --facility F --name N");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.AddInstrument", &request.base,
                           &hetao__v1__instrument_reply__descriptor);
}

static int
s_instrument_get (int argc, char **argv)
{
    Hetao__V1__GetInstrumentRequest request = HETAO__V1__GET_INSTRUMENT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the instrument's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument get ID");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.GetInstrument", &request.base,
                           &hetao__v1__instrument_reply__descriptor);
}

static int
s_instrument_update (int argc, char **argv)
{
    Hetao__V1__UpdateInstrumentRequest request = HETAO__V1__UPDATE_INSTRUMENT_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the instrument's id" },
        { "name", CTL_STRING, &request.name, .help = "new name" },
        { "description", CTL_STRING, &request.description, .help = "new description (\"\" clears it)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument update ID [options]");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.UpdateInstrument", &request.base,
                           &hetao__v1__instrument_reply__descriptor);
}

static int
s_instrument_set_status (int argc, char **argv)
{
    Hetao__V1__SetInstrumentStatusRequest request = HETAO__V1__SET_INSTRUMENT_STATUS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the instrument's id" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__instrument_status__descriptor,
          .flags = CTL_REQUIRED, .help = "the new status" },
        { "reason", CTL_STRING, &request.reason, .help = "why (required for retired)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.SetInstrumentStatus", &request.base,
                           &hetao__v1__instrument_reply__descriptor);
}

static int
s_instrument_list (int argc, char **argv)
{
    Hetao__V1__ListInstrumentsRequest request = HETAO__V1__LIST_INSTRUMENTS_REQUEST__INIT;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "facility", CTL_STRING, &request.facility_id, .help = "only this facility's" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__instrument_status__descriptor,
          .help = "only this status" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "instruments per page" },
        { "page-token", CTL_STRING, &request.page_token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListInstruments", &request.base,
                           &hetao__v1__list_instruments_reply__descriptor, "instruments",
                           INSTRUMENT_COLUMNS, request.page_token, all);
}

static int
s_instrument_bookings (int argc, char **argv)
{
    Hetao__V1__ListBookingsRequest request = HETAO__V1__LIST_BOOKINGS_REQUEST__INIT;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.instrument_id, .flags = CTL_REQUIRED | CTL_POSITIONAL,
          .help = "the instrument's id" },
        { "from", CTL_TIME, &request.from_us, &request.has_from_us, .flags = CTL_REQUIRED,
          .help = "start of the period (ISO 8601; a date is its midnight in the park)" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us, .flags = CTL_REQUIRED,
          .help = "end of the period, not included" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "bookings per page" },
        { "page-token", CTL_STRING, &request.page_token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl instrument bookings ID --from T --until T");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListBookings", &request.base,
                           &hetao__v1__list_bookings_reply__descriptor, "bookings",
                           BOOKING_COLUMNS, request.page_token, all);
}

const ctl_command_t instrument_commands [] = {
    { "instrument", "add",        s_instrument_add,        "add a bookable instrument to a facility" },
    { "instrument", "get",        s_instrument_get,        "show one instrument" },
    { "instrument", "update",     s_instrument_update,     "change an instrument's name or description" },
    { "instrument", "set-status", s_instrument_set_status, "retire an instrument or bring it back" },
    { "instrument", "list",       s_instrument_list,       "list instruments" },
    { "instrument", "bookings",   s_instrument_bookings,   "the bookings of an instrument in a period" },
    { NULL }
};

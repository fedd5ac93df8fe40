/*  access - hetaoctl access request|get|submit|approve|reject|schedule|
    complete|cancel|list: researchers' requests for instrument time  */

#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

//  What `access list` shows without -o wide or --columns.
#define ACCESS_COLUMNS "id,researcher_id,instrument_id,hours,status,from_us,until_us"

static int
s_access_request (int argc, char **argv)
{
    Hetao__V1__CreateAccessRequestRequest request = HETAO__V1__CREATE_ACCESS_REQUEST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "researcher", CTL_STRING, &request.researcher_id, .flags = CTL_REQUIRED, .help = "the researcher's id" },
        { "instrument", CTL_STRING, &request.instrument_id, .flags = CTL_REQUIRED, .help = "the instrument's id" },
        { "hours", CTL_INT32, &request.hours, &request.has_hours, .flags = CTL_REQUIRED,
          .help = "hours of instrument time wanted (1 to 8760)" },
        { "purpose", CTL_STRING, &request.purpose, .flags = CTL_REQUIRED, .help = "what the time is for" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl access request --researcher R --instrument I --hours N --purpose TEXT");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.CreateAccessRequest", &request.base,
                           &hetao__v1__access_request_reply__descriptor);
}

static int
s_access_get (int argc, char **argv)
{
    Hetao__V1__GetAccessRequestRequest request = HETAO__V1__GET_ACCESS_REQUEST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the request's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl access get ID");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.GetAccessRequest", &request.base,
                           &hetao__v1__access_request_reply__descriptor);
}

//  `reason` of s_access_act: CTL_REQUIRED for a reason that must be given,
//  REASON_OPTIONAL for one that may be.
#define REASON_OPTIONAL 4

//  One step of the lifecycle: `method` with the request's id, and a reason
//  (`reason` says whether and how) or approved hours when `hours` is set.
static int
s_access_act (int argc, char **argv, const char *method, const char *usage, unsigned reason, bool hours)
{
    Hetao__V1__AccessRequestActionRequest request = HETAO__V1__ACCESS_REQUEST_ACTION_REQUEST__INIT;
    ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the request's id" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL },
        { NULL }
    };
    if (reason)
        options [2] = (ctl_option_t) { "reason", CTL_STRING, &request.reason, .flags = reason & CTL_REQUIRED,
                                       .help = "why" };
    else
    if (hours)
        options [2] = (ctl_option_t) { "hours", CTL_INT32, &request.approved_hours, &request.has_approved_hours,
                                       .min = 1, .max = 8760, .help = "hours approved (default: all asked for)" };
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, method, &request.base, &hetao__v1__access_request_reply__descriptor);
}

static int
s_access_submit (int argc, char **argv)
{
    return s_access_act (argc, argv, "registry.SubmitAccessRequest", "Usage: hetaoctl access submit ID", 0, false);
}

static int
s_access_approve (int argc, char **argv)
{
    return s_access_act (argc, argv, "registry.ApproveAccessRequest",
                         "Usage: hetaoctl access approve ID [--hours N]", 0, true);
}

static int
s_access_reject (int argc, char **argv)
{
    return s_access_act (argc, argv, "registry.RejectAccessRequest",
                         "Usage: hetaoctl access reject ID --reason TEXT", CTL_REQUIRED, false);
}

static int
s_access_complete (int argc, char **argv)
{
    return s_access_act (argc, argv, "registry.CompleteAccessRequest", "Usage: hetaoctl access complete ID",
                         0, false);
}

static int
s_access_cancel (int argc, char **argv)
{
    return s_access_act (argc, argv, "registry.CancelAccessRequest",
                         "Usage: hetaoctl access cancel ID [--reason TEXT]", REASON_OPTIONAL, false);
}

static int
s_access_schedule (int argc, char **argv)
{
    Hetao__V1__ScheduleAccessRequestRequest request = HETAO__V1__SCHEDULE_ACCESS_REQUEST_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the request's id" },
        { "from", CTL_TIME, &request.from_us, &request.has_from_us, .flags = CTL_REQUIRED,
          .help = "start of the booking (ISO 8601, e.g. 2027-03-01T08:00:00Z)" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us, .flags = CTL_REQUIRED,
          .help = "end of the booking, not included: exactly the approved hours after --from" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl access schedule ID --from T --until T");
    if (code)
        return code < 0? 0: code;
    return ctl_call_print (CTL_REGISTRY, "registry.ScheduleAccessRequest", &request.base,
                           &hetao__v1__access_request_reply__descriptor);
}

static int
s_access_list (int argc, char **argv)
{
    Hetao__V1__ListAccessRequestsRequest request = HETAO__V1__LIST_ACCESS_REQUESTS_REQUEST__INIT;
    protobuf_c_boolean all = false;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .help = "only this organization's (an applicant's own)" },
        { "researcher", CTL_STRING, &request.researcher_id, .help = "only this researcher's" },
        { "instrument", CTL_STRING, &request.instrument_id, .help = "only for this instrument" },
        { "facility", CTL_STRING, &request.facility_id, .help = "only for this facility's instruments" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__access_request_status__descriptor,
          .help = "only this status" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "requests per page" },
        { "page-token", CTL_STRING, &request.page_token, .help = "next_page_token of the previous page" },
        { "all", CTL_FLAG, &all, .help = "follow next_page_token to the last page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl access list [filters]");
    if (code)
        return code < 0? 0: code;
    return ctl_list_pages (CTL_REGISTRY, "registry.ListAccessRequests", &request.base,
                           &hetao__v1__list_access_requests_reply__descriptor, "access_requests",
                           ACCESS_COLUMNS, request.page_token, all);
}

const ctl_command_t access_commands [] = {
    { "access", "request",  s_access_request,  "ask for hours on an instrument for a researcher" },
    { "access", "get",      s_access_get,      "show one access request" },
    { "access", "submit",   s_access_submit,   "submit a draft request for review" },
    { "access", "approve",  s_access_approve,  "approve a submitted request" },
    { "access", "reject",   s_access_reject,   "reject a submitted request, with a reason" },
    { "access", "schedule", s_access_schedule, "book the approved hours on the instrument" },
    { "access", "complete", s_access_complete, "record that the booked time was used" },
    { "access", "cancel",   s_access_cancel,   "cancel a request that is not completed" },
    { "access", "list",     s_access_list,     "list access requests" },
    { NULL }
};

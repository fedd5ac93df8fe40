/*  call - hetaoctl call open|get|close|list: calls for applications within a programme  */

#include "money.h"

#define CALL_COLUMNS "id,programme_id,name,opens_at_us,closes_at_us"

static int
s_open (int argc, char **argv)
{
    Hetao__V1__OpenCallRequest request = HETAO__V1__OPEN_CALL_REQUEST__INIT;
    const char *from = NULL, *until = NULL;
    const ctl_option_t options [] = {
        { "programme", CTL_STRING, &request.programme_id, .flags = CTL_REQUIRED, .help = "the programme's id" },
        { "name", CTL_STRING, &request.name, .flags = CTL_REQUIRED, .help = "the call's name, e.g. \"2027 round\"" },
        { "from", CTL_STRING, &from, .flags = CTL_REQUIRED, .help = "opens at, e.g. 2026-01-01T00:00:00Z" },
        { "until", CTL_STRING, &until, .flags = CTL_REQUIRED, .help = "closes at (exclusive)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl call open --programme ID --name N "
                          "--from TIME --until TIME");
    if (code)
        return code < 0? 0: code;
    if (!money_time_flag ("from", from, &request.opens_at_us) || !money_time_flag ("until", until, &request.closes_at_us))
        return CTL_EXIT_USAGE;
    request.has_opens_at_us = request.has_closes_at_us = true;
    return money_call ("funding.OpenCall", &request.base, &hetao__v1__call_reply__descriptor, "call");
}

static int
s_get (int argc, char **argv)
{
    Hetao__V1__GetCallRequest request = HETAO__V1__GET_CALL_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the call's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl call get ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.GetCall", &request.base, &hetao__v1__call_reply__descriptor, "call");
}

static int
s_close (int argc, char **argv)
{
    Hetao__V1__CloseCallRequest request = HETAO__V1__CLOSE_CALL_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the call's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl call close ID");
    if (code)
        return code < 0? 0: code;
    return money_call ("funding.CloseCall", &request.base, &hetao__v1__call_reply__descriptor, "call");
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListCallsRequest request = HETAO__V1__LIST_CALLS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "programme", CTL_STRING, &request.programme_id, .help = "only this programme's calls" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl call list [--programme ID]");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListCalls", &request.base, &hetao__v1__list_calls_reply__descriptor,
                       "calls", CALL_COLUMNS);
}

const ctl_command_t call_commands [] = {
    { "call", "open",  s_open,  "open a call for applications in a programme" },
    { "call", "get",   s_get,   "show one call" },
    { "call", "close", s_close, "close a call now" },
    { "call", "list",  s_list,  "list calls" },
    { NULL }
};

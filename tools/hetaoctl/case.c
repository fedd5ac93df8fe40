/*  case - hetaoctl case open|get|list|triage|start|wait|resume|resolve|close|
    reopen|reassign|note|notes: customs assistance cases
*/

#include "ctl.h"
#include "hetao/v1/customs.pb-c.h"

#include <string.h>

//  What `case list` shows without -o wide or --columns.
#define CASE_COLUMNS "id,organization_id,category,priority,status,officer"

//  Calls `method` with `request` and prints the case it returns.
static int
s_case_call (const char *method, const ProtobufCMessage *request)
{
    ProtobufCMessage *result = NULL;
    int code = ctl_call (CTL_CUSTOMS, method, request, &hetao__v1__case_reply__descriptor, &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__CaseReply *) result)->assistance_case->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_case_open (int argc, char **argv)
{
    Hetao__V1__OpenCaseRequest request = HETAO__V1__OPEN_CASE_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .flags = CTL_REQUIRED,
          .help = "the requesting organization's id" },
        { "category", CTL_ENUM, &request.category, &request.has_category, &hetao__v1__case_category__descriptor,
          .flags = CTL_REQUIRED, .help = "what the case is about" },
        { "priority", CTL_ENUM, &request.priority, &request.has_priority, &hetao__v1__case_priority__descriptor,
          .fallback = "normal", .help = "urgent, high, normal or low" },
        { "description", CTL_STRING, &request.description, .flags = CTL_REQUIRED, .help = "what is needed" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case open --org ID --category C "
                          "[--priority P] --description TEXT");
    if (code)
        return code < 0? 0: code;
    return s_case_call ("customs.OpenCase", &request.base);
}

static int
s_case_get (int argc, char **argv)
{
    Hetao__V1__GetCaseRequest request = HETAO__V1__GET_CASE_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the case's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case get ID");
    if (code)
        return code < 0? 0: code;
    return s_case_call ("customs.GetCase", &request.base);
}

static int
s_case_list (int argc, char **argv)
{
    Hetao__V1__ListCasesRequest request = HETAO__V1__LIST_CASES_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "org", CTL_STRING, &request.organization_id, .help = "only this organization's cases" },
        { "status", CTL_ENUM, &request.status, &request.has_status, &hetao__v1__case_status__descriptor,
          .help = "only cases in this status" },
        { "officer", CTL_STRING, &request.officer, .help = "only this officer's cases" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "cases per page" },
        { "page-token", CTL_STRING, &request.page_token, .help = "next_page_token of the previous page" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case list [filters]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.ListCases", &request.base, &hetao__v1__list_cases_reply__descriptor,
                     &result);
    if (code == 0) {
        code = ctl_print_list (result, "cases", CASE_COLUMNS);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

//  One status change: `action` with an optional (or required) note.
static int
s_case_action (int argc, char **argv, Hetao__V1__CaseAction action, const char *usage)
{
    Hetao__V1__ChangeCaseStatusRequest request = HETAO__V1__CHANGE_CASE_STATUS_REQUEST__INIT;
    request.has_action = true;
    request.action = action;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the case's id" },
        { "note", CTL_STRING, &request.note, .help = "added to the timeline (required to resolve and reopen)" },
        { "expected-version", CTL_INT64, &request.expected_version, &request.has_expected_version,
          .help = "refuse unless at this version" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    return s_case_call ("customs.ChangeCaseStatus", &request.base);
}

#define CASE_ACTION(verb, ACTION) \
    static int s_case_##verb (int argc, char **argv) { \
        return s_case_action (argc, argv, HETAO__V1__CASE_ACTION__CASE_ACTION_##ACTION, \
                              "Usage: hetaoctl case " #verb " ID [--note TEXT]"); }
CASE_ACTION (triage, TRIAGE)
CASE_ACTION (start, START)
CASE_ACTION (wait, WAIT)
CASE_ACTION (resume, RESUME)
CASE_ACTION (resolve, RESOLVE)
CASE_ACTION (close, CLOSE)
CASE_ACTION (reopen, REOPEN)

static int
s_case_reassign (int argc, char **argv)
{
    Hetao__V1__ReassignCaseRequest request = HETAO__V1__REASSIGN_CASE_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the case's id" },
        { "officer", CTL_STRING, &request.officer, .flags = CTL_REQUIRED, .help = "the new officer's id" },
        { "reason", CTL_STRING, &request.reason, .flags = CTL_REQUIRED, .help = "why" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case reassign ID --officer ID --reason TEXT");
    if (code)
        return code < 0? 0: code;
    return s_case_call ("customs.ReassignCase", &request.base);
}

static int
s_case_note (int argc, char **argv)
{
    Hetao__V1__AddCaseNoteRequest request = HETAO__V1__ADD_CASE_NOTE_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.case_id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the case's id" },
        { "text", CTL_STRING, &request.text, .flags = CTL_REQUIRED, .help = "the note" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case note ID --text TEXT");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.AddCaseNote", &request.base, &hetao__v1__case_note_reply__descriptor,
                     &result);
    if (code == 0) {
        ctl_print (&((Hetao__V1__CaseNoteReply *) result)->note->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

static int
s_case_notes (int argc, char **argv)
{
    Hetao__V1__ListCaseNotesRequest request = HETAO__V1__LIST_CASE_NOTES_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &request.case_id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the case's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl case notes ID");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.ListCaseNotes", &request.base,
                     &hetao__v1__list_case_notes_reply__descriptor, &result);
    if (code == 0) {
        code = ctl_print_list (result, "notes", "created_at_us,author,by_officer,text");
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t case_commands [] = {
    { "case", "open",     s_case_open,     "open an assistance case (customs assigns it by routing)" },
    { "case", "get",      s_case_get,      "show one case" },
    { "case", "list",     s_case_list,     "list cases, newest first" },
    { "case", "triage",   s_case_triage,   "open -> triaged" },
    { "case", "start",    s_case_start,    "triaged -> in_progress" },
    { "case", "wait",     s_case_wait,     "in_progress -> waiting_on_requester" },
    { "case", "resume",   s_case_resume,   "waiting_on_requester -> in_progress" },
    { "case", "resolve",  s_case_resolve,  "-> resolved, with a note" },
    { "case", "close",    s_case_close,    "resolved -> closed" },
    { "case", "reopen",   s_case_reopen,   "resolved -> in_progress within the reopen window, with a note" },
    { "case", "reassign", s_case_reassign, "give a case to another officer, with a reason" },
    { "case", "note",     s_case_note,     "add a note to a case's timeline" },
    { "case", "notes",    s_case_notes,    "a case's timeline" },
    { NULL }
};

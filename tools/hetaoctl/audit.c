/*  audit - hetaoctl audit: who changed what, the audit trail of a service's mutating requests  */

#include "ctl.h"
#include "hetao/v1/system.pb-c.h"

//  What `audit` shows without -o wide or --columns.
#define AUDIT_COLUMNS "id,at_us,principal_name,method,outcome"

static int
s_audit (int argc, char **argv)
{
    Hetao__V1__ReadAuditRequest request = HETAO__V1__READ_AUDIT_REQUEST__INIT;
    ctl_service_t service = CTL_REGISTRY;
    const ctl_option_t options [] = {
        { "service", CTL_SERVICE, &service, .help = "whose trail: registry (default), funding, customs or reporting" },
        { "principal", CTL_STRING, &request.principal_name, .help = "only this principal's requests" },
        { "method", CTL_STRING, &request.method, .help = "only this method" },
        { "after-id", CTL_UINT64, &request.after_id, &request.has_after_id, .fallback = "0",
          .min = 0, .max = 2147483647, .help = "records after this id" },
        { "limit", CTL_UINT32, &request.limit, &request.has_limit, .fallback = "100", .min = 1, .max = 1000,
          .help = "at most this many records" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl audit [--principal NAME] [--method M] [--after-id N] [--limit N]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (service, "system.ReadAudit", &request.base, &hetao__v1__read_audit_reply__descriptor, &result);
    if (code == 0) {
        code = ctl_print_list (result, "records", AUDIT_COLUMNS);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t audit_commands [] = {
    { "audit", NULL, s_audit, "who changed what: the audit trail of mutating requests" },
    { NULL }
};

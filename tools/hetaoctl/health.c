/*  health - hetaoctl health: version, uptime, database and streams of a service  */

#include "ctl.h"
#include "ht_status.h"
#include "hetao/v1/system.pb-c.h"

static int
s_health (int argc, char **argv)
{
    ctl_service_t service = CTL_REGISTRY;
    const ctl_option_t options [] = {
        { "service", CTL_SERVICE, &service, .flags = CTL_POSITIONAL,
          .help = "registry (default), funding, customs or reporting" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl health [SERVICE]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__HealthRequest request = HETAO__V1__HEALTH_REQUEST__INIT;
    ProtobufCMessage *result = NULL;
    code = ctl_call (service, "system.Health", &request.base, &hetao__v1__health_reply__descriptor, &result);
    if (code == 0) {
        ctl_print (result);
        Hetao__V1__HealthReply *health = (Hetao__V1__HealthReply *) result;
        if (!health->database_ok) {
            fprintf (stderr, "hetaoctl: %s cannot reach its database\n", health->service);
            code = ht_status_exit_code (HT_UNAVAILABLE);
        }
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t health_commands [] = {
    { "health", NULL, s_health, "version, uptime, database and streams of a service" },
    { NULL }
};

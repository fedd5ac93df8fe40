/*  customs - hetaoctl customs stats: figures of assistance cases  */

#include "ctl.h"
#include "hetao/v1/customs.pb-c.h"

static int
s_customs_stats (int argc, char **argv)
{
    Hetao__V1__CaseStatsRequest request = HETAO__V1__CASE_STATS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "from", CTL_STRING, &request.from, .help = "first day, YYYY-MM-DD (default 30 days ago)" },
        { "until", CTL_STRING, &request.until, .help = "up to this day, exclusive (default tomorrow)" },
        { "category", CTL_ENUM, &request.category, &request.has_category, &hetao__v1__case_category__descriptor,
          .help = "only this category" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl customs stats [--from D] [--until D] [--category C]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_CUSTOMS, "customs.CaseStats", &request.base, &hetao__v1__case_stats_reply__descriptor,
                     &result);
    if (code == 0) {
        code = ctl_print_list (result, "categories", "category,opened,open,resolved,breaches,"
                               "median_first_response_s,median_resolution_s");
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

const ctl_command_t customs_commands [] = {
    { "customs", "stats", s_customs_stats, "cases per category: opened, open, resolved, breaches, median times" },
    { NULL }
};

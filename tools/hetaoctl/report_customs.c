/*  report_customs - hetaoctl report customs: customs cases by category,
    from reporting

    Per category, over the cases opened in [--from, --until): opened,
    resolved, open, median time to resolution (hours, two places) and
    deadlines breached; then how far reporting had followed each stream.
    A table by default; --csv prints the rows as CSV on stdout and the
    "as of" lines on stderr; --json one object (docs/protocol.md).
*/

#include "ctl.h"
#include "report.h"
#include "hetao/v1/reporting.pb-c.h"

#include <inttypes.h>
#include <string.h>

//  The category's median as hours text, or NULL when it has none.
static const char *
s_median (const Hetao__V1__CustomsCategoryFigures *figures, char *out, size_t size)
{
    if (!figures->has_median_resolution_s)
        return NULL;
    report_hours (out, size, figures->median_resolution_s);
    return out;
}

//  "from" or "until" of the reply as a JSON value: a time string, or null.
static void
s_json_time (const Hetao__V1__CustomsByCategoryReply *reply, const char *name, bool present)
{
    printf ("\"%s\":", name);
    if (!present) {
        printf ("null");
        return;
    }
    char field [16];
    snprintf (field, sizeof field, "%s_us", name);
    putchar ('"');
    ctl_format_field (stdout, &reply->base,
                      protobuf_c_message_descriptor_get_field_by_name (reply->base.descriptor, field));
    putchar ('"');
}

static void
s_print_json (const Hetao__V1__CustomsByCategoryReply *reply)
{
    putchar ('{');
    s_json_time (reply, "from", reply->has_from_us);
    putchar (',');
    s_json_time (reply, "until", reply->has_until_us);
    printf (",\"categories\":{");
    for (size_t i = 0; i < reply->n_categories; i++) {
        const Hetao__V1__CustomsCategoryFigures *c = reply->categories [i];
        char median [32];
        const char *hours = s_median (c, median, sizeof median);
        printf ("%s\"%s\":{\"opened\":%" PRId64 ",\"resolved\":%" PRId64 ",\"open\":%" PRId64
                ",\"median_resolution_hours\":%s%s%s,\"breaches\":%" PRId64 "}",
                i? ",": "", c->category, c->opened, c->resolved, c->open,
                hours? "\"": "", hours? hours: "null", hours? "\"": "", c->breaches);
    }
    printf ("},");
    report_as_of_json (reply->as_of, reply->n_as_of);
    puts ("}");
}

static int
s_report_customs (int argc, char **argv)
{
    Hetao__V1__CustomsByCategoryRequest request = HETAO__V1__CUSTOMS_BY_CATEGORY_REQUEST__INIT;
    protobuf_c_boolean csv = false;
    const ctl_option_t options [] = {
        { "from", CTL_TIME, &request.from_us, &request.has_from_us,
          .help = "cases opened at or after this date or time (default: the first)" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us,
          .help = "cases opened before this date or time (default: now)" },
        { "csv", CTL_FLAG, &csv, .help = "print the categories as CSV (\"as of\" on stderr)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl report customs [--from DATE] [--until DATE] [--json | --csv]");
    if (code)
        return code < 0? 0: code;
    if (request.has_from_us && request.has_until_us && request.until_us <= request.from_us)
        return ctl_usage_error ("--until must be after --from");
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.CustomsByCategory", &request.base,
                     &hetao__v1__customs_by_category_reply__descriptor, &result);
    if (code)
        return code;
    const Hetao__V1__CustomsByCategoryReply *reply = (const Hetao__V1__CustomsByCategoryReply *) result;
    if (ctl.json)
        s_print_json (reply);
    else
    if (csv) {
        puts ("category,opened,resolved,open,median_resolution_hours,breaches");
        for (size_t i = 0; i < reply->n_categories; i++) {
            const Hetao__V1__CustomsCategoryFigures *c = reply->categories [i];
            char median [32];
            const char *hours = s_median (c, median, sizeof median);
            printf ("%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%s,%" PRId64 "\n", c->category, c->opened,
                    c->resolved, c->open, hours? hours: "", c->breaches);
        }
        report_as_of_print (stderr, reply->as_of, reply->n_as_of);
    }
    else {
        ctl_table_t *table = ctl_table_new ("category,opened,resolved,open,median_resolution_hours,breaches");
        for (size_t i = 0; i < reply->n_categories; i++) {
            const Hetao__V1__CustomsCategoryFigures *c = reply->categories [i];
            char numbers [4][24], median [32];
            snprintf (numbers [0], sizeof numbers [0], "%" PRId64, c->opened);
            snprintf (numbers [1], sizeof numbers [1], "%" PRId64, c->resolved);
            snprintf (numbers [2], sizeof numbers [2], "%" PRId64, c->open);
            snprintf (numbers [3], sizeof numbers [3], "%" PRId64, c->breaches);
            ctl_table_row (table, (const char *[]) { c->category, numbers [0], numbers [1], numbers [2],
                                                     s_median (c, median, sizeof median), numbers [3] });
        }
        if (reply->n_categories == 0)
            puts ("no customs case was opened in the window");
        ctl_table_print (&table);
        report_as_of_print (stdout, reply->as_of, reply->n_as_of);
    }
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}

const ctl_command_t report_customs_commands [] = {
    { "report", "customs", s_report_customs, "customs cases by category, as of each stream (reporting)" },
    { NULL }
};

/*  ctl - what every hetaoctl command shares: services, calls, flags, output

    Written once so that a noun group is only its requests: the services and
    their endpoints and keys, the call with its idempotency key, deadline and
    exit code, the flag parser, and output generic over protobuf descriptors.
    What --json prints is an interface scripts read: it comes from ht_json
    unchanged. What a person reads follows kubectl and psql (docs/cli.md).
*/

#include "ctl.h"
#include "ht_auth.h"
#include "ht_config.h"
#include "ht_enum.h"
#include "ht_json.h"
#include "ht_money.h"
#include "hetao/v1/funding.pb-c.h"
#include "ht_status.h"

#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

ctl_globals_t ctl;

//  ---------------------------------------------------------------------------
//  Services: one row per service hetaoctl talks to. A service listens for
//  requests on its port and publishes events on the port after it.

typedef struct {
    const char *name;
    int port;
    const char *endpoint;           //  as given (flag, variable or default)
    const char *events;
    const char *server_key;         //  Z85 or a certificate file, as given
    char key [HT_KEY_TEXT];         //  server_key resolved to Z85
    bool resolved;
    //  Flag, variable and default texts of the options built from the row
    char endpoint_flag [48], endpoint_env [48], endpoint_default [48];
    char events_flag [48], events_env [48], events_default [48];
    char key_flag [48], key_env [48], key_default [4200];
} s_service_t;

static s_service_t s_services [CTL_SERVICES] = {
    [CTL_REGISTRY]  = { "registry",  7101 },
    [CTL_FUNDING]   = { "funding",   7201 },
    [CTL_CUSTOMS]   = { "customs",   7301 },
    [CTL_REPORTING] = { "reporting", 7401 },
};

//  var/keys of the dev stack this hetaoctl was built in (build/bin/hetaoctl -> var/keys).
static const char *
s_dev_keys (void)
{
    static char dir [4096];
    if (*dir)
        return dir;
    char exe [4096];
    ssize_t length = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (length <= 0)
        return NULL;
    exe [length] = 0;
    char guess [4200];
    snprintf (guess, sizeof guess, "%s/../var/keys", dirname (dirname (exe)));
    //  Resolved: CZMQ's certificate loader does not follow "..".
    return realpath (guess, dir);
}

static void
s_upper (char *text)
{
    for (; *text; text++)
        *text = *text == '-'? '_': (char) toupper ((unsigned char) *text);
}

//  The global options: fixed ones, then three per service.
static ht_option_t s_globals [8 + 3 * CTL_SERVICES + 1];

static const ht_option_t *
s_globals_table (void)
{
    if (s_globals [0].flag)
        return s_globals;
    const ht_option_t fixed [] = {
        { "json", NULL, HT_OPT_BOOL, &ctl.json, "false", 0, 0, "print one JSON object per result" },
        { "utc", NULL, HT_OPT_BOOL, &ctl.utc, "false", 0, 0, "print times in UTC (default: Asia/Shanghai, +08:00)" },
        { "output", NULL, HT_OPT_STRING, &ctl.output, NULL, 0, 0, "-o wide: every column of a table; -o json: as --json" },
        { "columns", NULL, HT_OPT_STRING, &ctl.columns, NULL, 0, 0, "the columns of a table, comma-separated field names" },
        { "timeout", "HETAO_TIMEOUT_MS", HT_OPT_INT, &ctl.timeout_ms, "5000", 100, 3600000,
          "deadline of each call in milliseconds, retries included" },
        { "idempotency-key", NULL, HT_OPT_STRING, &ctl.idempotency_key, NULL, 0, 0,
          "key of a mutating call (default: a new one); repeat a call with the same key safely" },
        { "cert", "HETAO_CERT", HT_OPT_STRING, &ctl.cert, NULL, 0, 0,
          "this client's CURVE certificate (secret in <file>_secret); default var/keys/operator.key of the dev stack" },
        { "principals", "HETAO_PRINCIPALS", HT_OPT_STRING, &ctl.principals, NULL, 0, 0,
          "the principals file that `principal` edits; default var/keys/principals of the dev stack" },
    };
    size_t n = 0;
    for (; n < sizeof fixed / sizeof fixed [0]; n++)
        s_globals [n] = fixed [n];
    const char *dir = s_dev_keys ();
    for (int i = 0; i < CTL_SERVICES; i++) {
        s_service_t *s = &s_services [i];
        snprintf (s->endpoint_flag, sizeof s->endpoint_flag, "%s-endpoint", s->name);
        snprintf (s->events_flag, sizeof s->events_flag, "%s-events", s->name);
        snprintf (s->key_flag, sizeof s->key_flag, "%s-server-key", s->name);
        snprintf (s->endpoint_env, sizeof s->endpoint_env, "HETAO_%s", s->endpoint_flag);
        snprintf (s->events_env, sizeof s->events_env, "HETAO_%s", s->events_flag);
        snprintf (s->key_env, sizeof s->key_env, "HETAO_%s", s->key_flag);
        s_upper (s->endpoint_env + 6);
        s_upper (s->events_env + 6);
        s_upper (s->key_env + 6);
        snprintf (s->endpoint_default, sizeof s->endpoint_default, "tcp://127.0.0.1:%d", s->port);
        snprintf (s->events_default, sizeof s->events_default, "tcp://127.0.0.1:%d", s->port + 1);
        if (dir)
            snprintf (s->key_default, sizeof s->key_default, "%s/%s.key", dir, s->name);
        s_globals [n++] = (ht_option_t) { s->endpoint_flag, s->endpoint_env, HT_OPT_STRING, &s->endpoint,
                                          s->endpoint_default, 0, 0, "requests to the service" };
        s_globals [n++] = (ht_option_t) { s->events_flag, s->events_env, HT_OPT_STRING, &s->events,
                                          s->events_default, 0, 0, "events of the service" };
        s_globals [n++] = (ht_option_t) { s->key_flag, s->key_env, HT_OPT_STRING, &s->server_key,
                                          dir? s->key_default: NULL, 0, 0,
                                          "the service's public key, Z85 or a certificate file; "
                                          "default var/keys/<service>.key of the dev stack" };
    }
    s_globals [n] = (ht_option_t) { NULL };
    return s_globals;
}

//  Whether the global flag `arg` ("--json") takes no value.
static bool
s_global_is_bool (const char *arg)
{
    for (const ht_option_t *option = s_globals_table (); option->flag; option++)
        if (option->type == HT_OPT_BOOL && !strcmp (arg + 2, option->flag))
            return true;
    return false;
}

static int
s_output_check (void)
{
    if (ctl.output && !strcmp (ctl.output, "json"))
        ctl.json = true;
    else
    if (ctl.output && strcmp (ctl.output, "wide") != 0)
        return ctl_usage_error ("--output: '%s' is not one of: wide, json", ctl.output);
    return 0;
}

int
ctl_globals_parse (int argc, char **argv, int *first)
{
    //  Global options come before the command; -o is --output.
    int i = 1;
    while (i < argc && (!strncmp (argv [i], "--", 2) || !strcmp (argv [i], "-o"))
    &&  strcmp (argv [i], "--help") != 0) {
        if (!strcmp (argv [i], "-o"))
            argv [i] = "--output";
        i += strchr (argv [i], '=') || s_global_is_bool (argv [i])? 1: 2;
    }
    *first = i;
    char error [256];
    if (i > argc)
        return ctl_usage_error ("flag %s needs a value", argv [argc - 1]);
    if (ht_config_parse (s_globals_table (), i, argv, 1, NULL, 0, NULL, error, sizeof error) != HT_CONFIG_OK)
        return ctl_usage_error ("%s", error);
    if (!ctl.cert && s_dev_keys ()) {
        static char cert [4200];
        snprintf (cert, sizeof cert, "%s/operator.key", s_dev_keys ());
        ctl.cert = cert;
    }
    if (!ctl.principals && s_dev_keys ()) {
        static char principals [4200];
        snprintf (principals, sizeof principals, "%s/principals", s_dev_keys ());
        ctl.principals = principals;
    }
    return s_output_check ();
}

void
ctl_globals_usage (void)
{
    ht_config_usage ("Global options:", s_globals_table ());
}

bool
ctl_service_find (const char *name, ctl_service_t *service)
{
    for (int i = 0; i < CTL_SERVICES; i++)
        if (!strcmp (s_services [i].name, name)) {
            *service = (ctl_service_t) i;
            return true;
        }
    return false;
}

const char *
ctl_service_name (ctl_service_t service)
{
    return s_services [service].name;
}

const char *
ctl_service_events (ctl_service_t service)
{
    return s_services [service].events;
}

const char *
ctl_service_key (ctl_service_t service)
{
    s_service_t *s = &s_services [service];
    if (!s->resolved) {
        ht_client_server_key (s->server_key, s->key);
        s->resolved = true;
    }
    return s->key;
}

ht_client_t *
ctl_client_new (ctl_service_t service)
{
    s_service_t *s = &s_services [service];
    const char *key = ctl_service_key (service);
    ht_client_options_t options = {
        .deadline_ms = ctl.timeout_ms, .attempts = 3, .cert = ctl.cert, .server_key = key
    };
    ht_client_t *client = ht_client_new (s->endpoint, &options);
    if (!client)
        fprintf (stderr, "hetaoctl: cannot use certificate %s (with %s_secret) and server key %s: "
                 "give --cert and --%s, or run deploy/dev up\n",
                 ctl.cert? ctl.cert: "(none)", ctl.cert? ctl.cert: "(none)",
                 *key? key: s->server_key? s->server_key: "(none)", s->key_flag);
    return client;
}

int
ctl_report (const Hetao__V1__Reply *reply)
{
    fprintf (stderr, "hetaoctl: %s: %s\n", ht_status_name (reply->status),
             reply->message && *reply->message? reply->message: "(no message)");
    for (size_t i = 0; i < reply->n_violations; i++)
        if (reply->n_violations > 1)
            fprintf (stderr, "  %s: %s\n", reply->violations [i]->field, reply->violations [i]->description);
    return ht_status_exit_code (reply->status);
}

int
ctl_call (ctl_service_t service, const char *method, const ProtobufCMessage *request,
          const ProtobufCMessageDescriptor *reply_type, ProtobufCMessage **result)
{
    ht_client_t *client = ctl_client_new (service);
    if (!client)
        return CTL_EXIT_USAGE;
    Hetao__V1__Reply *reply = ht_client_call (client, method, ctl.idempotency_key, request);
    ht_client_destroy (&client);
    int code = 0;
    if (reply->status != HETAO__V1__STATUS__OK)
        code = ctl_report (reply);
    else {
        *result = protobuf_c_message_unpack (reply_type, NULL, reply->payload.len, reply->payload.data);
        if (!*result) {
            fprintf (stderr, "hetaoctl: the reply payload is not a %s\n", reply_type->name);
            code = ht_status_exit_code (HT_INTERNAL);
        }
    }
    hetao__v1__reply__free_unpacked (reply, NULL);
    return code;
}

int
ctl_usage_error (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("hetaoctl: ", stderr);
    vfprintf (stderr, format, args);
    fputs ("\n", stderr);
    va_end (args);
    return CTL_EXIT_USAGE;
}

//  Blocks that live until the command ends.
static void **s_blocks;
static size_t s_n_blocks;

void *
ctl_alloc (size_t size)
{
    void *block = calloc (1, size? size: 1);
    void **blocks = realloc (s_blocks, (s_n_blocks + 1) * sizeof (void *));
    assert (block && blocks);
    s_blocks = blocks;
    s_blocks [s_n_blocks++] = block;
    return block;
}

void
ctl_free_all (void)
{
    for (size_t i = 0; i < s_n_blocks; i++)
        free (s_blocks [i]);
    free (s_blocks);
    s_blocks = NULL;
    s_n_blocks = 0;
}

//  ---------------------------------------------------------------------------
//  Flags

//  --json, --utc, -o and --columns may also follow the command.
static protobuf_c_boolean s_json_flag, s_utc_flag;
static const char *s_output_flag, *s_columns_flag;
static const ctl_option_t s_output_options [] = {
    { "json", CTL_FLAG, &s_json_flag, .help = "as the global --json" },
    { "utc", CTL_FLAG, &s_utc_flag, .help = "as the global --utc" },
    { "output", CTL_STRING, &s_output_flag, .help = "as the global --output" },
    { "columns", CTL_STRING, &s_columns_flag, .help = "as the global --columns" },
    { NULL }
};

static bool
s_number (const ctl_option_t *option, const char *value, long long *number)
{
    char *end;
    errno = 0;
    *number = strtoll (value, &end, 10);
    bool ranged = option->min < option->max;
    if (errno || end == value || *end || (ranged && (*number < option->min || *number > option->max))) {
        if (ranged)
            ctl_usage_error ("--%s: '%s' is not a whole number from %lld to %lld",
                             option->flag, value, option->min, option->max);
        else
            ctl_usage_error ("--%s: '%s' is not a whole number", option->flag, value);
        return false;
    }
    return true;
}

//  Days from 1970-01-01 to the proleptic Gregorian date y-m-d (Howard
//  Hinnant's days_from_civil: exact for every year, no time zone involved).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (m + (m > 2? -3: 9)) + 2) / 5 + d - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

//  Reads exactly `digits` decimal digits at *p into *value and moves past them.
static bool
s_digits (const char **p, int digits, int *value)
{
    *value = 0;
    for (int i = 0; i < digits; i++, (*p)++) {
        if (!isdigit ((unsigned char) **p))
            return false;
        *value = *value * 10 + (**p - '0');
    }
    return true;
}

bool
ctl_time_parse (const char *text, int64_t *us)
{
    static const int month_days [] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const char *p = text;
    int year, month, day, hour = 0, minute = 0, second = 0, fraction = 0;
    if (!s_digits (&p, 4, &year) || *p++ != '-' || !s_digits (&p, 2, &month) || *p++ != '-'
    ||  !s_digits (&p, 2, &day) || month < 1 || month > 12 || day < 1 || day > month_days [month - 1]
    || (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))))
        return false;
    int offset_minutes = 8 * 60;        //  Asia/Shanghai, which has no daylight saving
    if (*p == 'T') {
        p++;
        if (!s_digits (&p, 2, &hour) || *p++ != ':' || !s_digits (&p, 2, &minute) || hour > 23 || minute > 59)
            return false;
        if (*p == ':') {
            p++;
            if (!s_digits (&p, 2, &second) || second > 59)
                return false;
            if (*p == '.') {
                p++;
                int digits = 0;
                for (; isdigit ((unsigned char) *p); p++, digits++)
                    if (digits < 6)
                        fraction = fraction * 10 + (*p - '0');
                if (digits == 0 || digits > 6)
                    return false;
                for (; digits < 6; digits++)
                    fraction *= 10;
            }
        }
        if (*p == 'Z') {
            p++;
            offset_minutes = 0;
        }
        else
        if (*p == '+' || *p == '-') {
            int sign = *p++ == '-'? -1: 1, offset_hours, offset_mins;
            if (!s_digits (&p, 2, &offset_hours) || *p++ != ':' || !s_digits (&p, 2, &offset_mins)
            ||  offset_hours > 23 || offset_mins > 59)
                return false;
            offset_minutes = sign * (offset_hours * 60 + offset_mins);
        }
    }
    if (*p)
        return false;
    int64_t seconds = s_days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second
                    - offset_minutes * 60;
    *us = seconds * 1000000 + fraction;
    return true;
}

static bool
s_enum (const ctl_option_t *option, const char *value, int *number)
{
    if (ht_enum_value (option->type, value, number))
        return true;
    char keys [1024];
    ht_enum_keys (option->type, keys, sizeof keys);
    ctl_usage_error ("--%s: '%s' is not one of: %s", option->flag, value, keys);
    return false;
}

//  Splits comma-separated `value` into *count pieces (none for "").
static char **
s_split (const char *value, size_t *count)
{
    char **pieces = ctl_alloc ((strlen (value) + 1) * sizeof (char *));
    char *copy = ctl_alloc (strlen (value) + 1);
    strcpy (copy, value);
    *count = 0;
    char *save;
    for (char *piece = strtok_r (copy, ",", &save); piece; piece = strtok_r (NULL, ",", &save))
        pieces [(*count)++] = piece;
    return pieces;
}

static bool
s_set (const ctl_option_t *option, const char *value)
{
    long long number = 0;
    switch (option->kind) {
        case CTL_STRING:
            *(const char **) option->target = value;
            break;
        case CTL_INT32: case CTL_UINT32: case CTL_INT64: case CTL_UINT64:
            if (!s_number (option, value, &number))
                return false;
            if (option->kind == CTL_INT32)
                *(int32_t *) option->target = (int32_t) number;
            else
            if (option->kind == CTL_UINT32)
                *(uint32_t *) option->target = (uint32_t) number;
            else
            if (option->kind == CTL_INT64)
                *(int64_t *) option->target = number;
            else
                *(uint64_t *) option->target = (uint64_t) number;
            break;
        case CTL_BOOL: case CTL_FLAG:
            if (!strcmp (value, "true") || !strcmp (value, "yes"))
                *(protobuf_c_boolean *) option->target = true;
            else
            if (!strcmp (value, "false") || !strcmp (value, "no"))
                *(protobuf_c_boolean *) option->target = false;
            else {
                ctl_usage_error ("--%s: '%s' is not true or false", option->flag, value);
                return false;
            }
            break;
        case CTL_ENUM:
            if (!s_enum (option, value, option->target))
                return false;
            break;
        case CTL_ENUM_LIST: {
            size_t count;
            char **keys = s_split (value, &count);
            int *values = ctl_alloc ((count + 1) * sizeof (int));
            for (size_t i = 0; i < count; i++)
                if (!s_enum (option, keys [i], &values [i]))
                    return false;
            *(int **) option->target = values;
            *option->count = count;
            break;
        }
        case CTL_STRING_LIST:
            *(char ***) option->target = s_split (value, option->count);
            break;
        case CTL_TIME:
            if (!ctl_time_parse (value, option->target)) {
                ctl_usage_error ("--%s: '%s' is not a time like 2027-03-01T08:00:00Z or a date like "
                                 "2027-03-01 (without an offset: Asia/Shanghai)", option->flag, value);
                return false;
            }
            break;
        case CTL_SERVICE:
            if (!ctl_service_find (value, option->target)) {
                char names [200] = "";
                for (int i = 0; i < CTL_SERVICES; i++)
                    snprintf (names + strlen (names), sizeof names - strlen (names), "%s%s",
                              i? ", ": "", s_services [i].name);
                ctl_usage_error ("--%s: '%s' is not one of: %s", option->flag, value, names);
                return false;
            }
            break;
    }
    if (option->has)
        *option->has = true;
    return true;
}

static void
s_usage (const char *usage, const ctl_option_t *options)
{
    printf ("%s\n\nOptions:\n", usage);
    for (const ctl_option_t *option = options; option->flag; option++) {
        const char *value = option->kind == CTL_FLAG? "":
                            option->kind == CTL_STRING || option->kind == CTL_SERVICE? " TEXT":
                            option->kind == CTL_BOOL? " true|false":
                            option->kind == CTL_ENUM? " KEY":
                            option->kind == CTL_ENUM_LIST? " KEY,KEY...":
                            option->kind == CTL_STRING_LIST? " TEXT,TEXT...":
                            option->kind == CTL_TIME? " TIME": " N";
        printf ("  --%s%s%s%s\n      %s", option->flag, value,
                option->flags & CTL_REQUIRED? "  (required)": "",
                option->flags & CTL_POSITIONAL? "  (or as the argument)": "", option->help? option->help: "");
        if (option->kind == CTL_ENUM || option->kind == CTL_ENUM_LIST) {
            char keys [1024];
            ht_enum_keys (option->type, keys, sizeof keys);
            printf ("\n      one of: %s", keys);
        }
        if (option->fallback)
            printf ("; default %s", option->fallback);
        printf ("\n");
    }
    printf ("  --json, --utc, -o wide, --columns a,b,c\n      output (see hetaoctl --help)\n"
            "  --help\n      print this help and exit\n");
}

static const ctl_option_t *
s_find (const ctl_option_t *options, const char *name, size_t length)
{
    for (const ctl_option_t *option = options; option->flag; option++)
        if (strlen (option->flag) == length && !strncmp (option->flag, name, length))
            return option;
    return NULL;
}

int
ctl_parse (const ctl_option_t *options, int argc, char **argv, const char *usage)
{
    size_t n_options = 0;
    while (options [n_options].flag)
        n_options++;
    bool *seen = ctl_alloc (n_options + 1);
    for (const ctl_option_t *option = options; option->flag; option++)
        if (option->fallback && !s_set (option, option->fallback))
            return CTL_EXIT_USAGE;
    const char *bare = NULL;
    for (int i = 0; i < argc; i++) {
        char *arg = argv [i];
        if (!strcmp (arg, "--help") || !strcmp (arg, "-h")) {
            s_usage (usage, options);
            return CTL_HELP;
        }
        if (!strcmp (arg, "-o"))
            arg = "--output";
        if (strncmp (arg, "--", 2) != 0 || arg [2] == 0) {
            if (bare)
                return ctl_usage_error ("unexpected argument '%s'", arg);
            bare = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *equals = strchr (name, '=');
        size_t length = equals? (size_t) (equals - name): strlen (name);
        const ctl_option_t *option = s_find (options, name, length);
        if (!option)
            option = s_find (s_output_options, name, length);
        if (!option)
            return ctl_usage_error ("unknown flag '--%.*s' (see --help)", (int) length, name);
        const char *value = equals? equals + 1: NULL;
        if (!value && option->kind == CTL_FLAG)
            value = "true";
        if (!value) {
            if (i + 1 >= argc)
                return ctl_usage_error ("flag --%s needs a value", option->flag);
            value = argv [++i];
        }
        if (!s_set (option, value))
            return CTL_EXIT_USAGE;
        if (option >= options && option < options + n_options)
            seen [option - options] = true;
    }
    if (bare) {
        size_t i = 0;
        while (i < n_options && !(options [i].flags & CTL_POSITIONAL))
            i++;
        if (i == n_options)
            return ctl_usage_error ("unexpected argument '%s'", bare);
        if (!seen [i] && !s_set (&options [i], bare))
            return CTL_EXIT_USAGE;
        seen [i] = true;
    }
    for (size_t i = 0; i < n_options; i++)
        if ((options [i].flags & CTL_REQUIRED) && !seen [i] && !options [i].fallback)
            return ctl_usage_error ("missing --%s%s", options [i].flag,
                                    options [i].flags & CTL_POSITIONAL? " (or give it as the argument)": "");
    if (s_json_flag)
        ctl.json = true;
    if (s_utc_flag)
        ctl.utc = true;
    if (s_output_flag)
        ctl.output = s_output_flag;
    if (s_columns_flag)
        ctl.columns = s_columns_flag;
    return s_output_check ();
}

//  ---------------------------------------------------------------------------
//  Values as a person reads them. Integer fields whose names end in one of
//  these suffixes print through the formatter; add a row for a new unit.

static void
s_format_time (FILE *out, int64_t us)
{
    int64_t seconds = us / 1000000 - (us % 1000000 < 0);
    //  Asia/Shanghai has kept +08:00 without daylight saving since 1991, so
    //  a fixed offset is exact for every time the park records, and needs no
    //  time zone database on the machine.
    time_t local = (time_t) (ctl.utc? seconds: seconds + 8 * 3600);
    struct tm parts;
    gmtime_r (&local, &parts);
    char text [40];
    strftime (text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
    fprintf (out, "%s%s", text, ctl.utc? "Z": "+08:00");
}

//  Minor units (fen, cents) as a decimal with two places: 1234 -> 12.34.
static void
s_format_money (FILE *out, int64_t minor)
{
    uint64_t magnitude = minor < 0? (uint64_t) 0 - (uint64_t) minor: (uint64_t) minor;
    fprintf (out, "%s%" PRIu64 ".%02" PRIu64, minor < 0? "-": "", magnitude / 100, magnitude % 100);
}

static const struct {
    const char *suffix;
    void (*format) (FILE *out, int64_t value);
} s_formats [] = {
    { "_at_us", s_format_time },
    { "_from_us", s_format_time },      //  and from_us: the start of a range
    { "_until_us", s_format_time },     //  and until_us: its end
    { "_minor", s_format_money },
    { "_fen",   s_format_money },
    { NULL }
};

//  The formatter of an integer field by its name's suffix ("created_at_us"),
//  or the suffix alone without its "_" ("at_us"); NULL when none.
static void (*s_formatter (const ProtobufCFieldDescriptor *field)) (FILE *, int64_t)
{
    size_t length = strlen (field->name);
    for (int i = 0; s_formats [i].suffix; i++) {
        const char *suffix = s_formats [i].suffix;
        if ((length > strlen (suffix) && !strcmp (field->name + length - strlen (suffix), suffix))
        ||  !strcmp (field->name, suffix + 1))
            return s_formats [i].format;
    }
    return NULL;
}

//  An integer field's value as int64; false when it is not an integer or does not fit.
static bool
s_integer (const ProtobufCFieldDescriptor *field, const void *value, int64_t *number)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            *number = *(const int32_t *) value;
            return true;
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            *number = *(const uint32_t *) value;
            return true;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
            *number = *(const int64_t *) value;
            return true;
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            *number = (int64_t) *(const uint64_t *) value;
            return *(const uint64_t *) value <= INT64_MAX;
        default:
            return false;
    }
}

static void
s_format_value (FILE *out, const ProtobufCFieldDescriptor *field, const void *value)
{
    void (*format) (FILE *, int64_t) = s_formatter (field);
    int64_t number;
    char key [128];
    if (format && s_integer (field, value, &number))
        format (out, number);
    else
    if (field->type == PROTOBUF_C_TYPE_ENUM && ht_enum_key (field->descriptor, *(const int *) value, key, sizeof key))
        fputs (key, out);
    else
    if (field->type == PROTOBUF_C_TYPE_BYTES)
        fprintf (out, "(%zu bytes)", ((const ProtobufCBinaryData *) value)->len);
    else
    if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        //  Money reads as its decimal amount; any other message in a table cell as {...}.
        const ProtobufCMessage *inner = *(const ProtobufCMessage *const *) value;
        char amount [HT_MONEY_TEXT_MAX];
        if (ht_json_money (inner, amount, sizeof amount))
            fprintf (out, "%s %s", amount, ((const Hetao__V1__Money *) inner)->currency);
        else
            fputs ("{...}", out);
    }
    else
        ht_json_write_value (out, field, value, false);
}

void
ctl_format_field (FILE *out, const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field)
{
    size_t count;
    const char *value = ht_json_field (message, field, &count);
    for (size_t i = 0; i < count; i++) {
        if (i)
            fputc (',', out);
        s_format_value (out, field, value + i * ht_json_value_size (field->type));
    }
}

//  ---------------------------------------------------------------------------
//  One object as aligned "key: value" lines

//  Prints `message` at `indent`; with `dash`, its first line starts "- " in
//  the indent (an element of a repeated message field).
static void
s_text (FILE *out, const ProtobufCMessage *message, int indent, bool dash)
{
    const ProtobufCMessageDescriptor *type = message->descriptor;
    int width = 0;
    for (unsigned i = 0; i < type->n_fields; i++) {
        size_t count;
        ht_json_field (message, &type->fields [i], &count);
        if (count && (int) strlen (type->fields [i].name) > width)
            width = (int) strlen (type->fields [i].name);
    }
    bool first = true;
    for (unsigned i = 0; i < type->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &type->fields [i];
        size_t count;
        const char *value = ht_json_field (message, field, &count);
        if (count == 0)
            continue;
        if (first && dash)
            fprintf (out, "%*s- ", indent - 2, "");
        else
            fprintf (out, "%*s", indent, "");
        first = false;
        char amount [HT_MONEY_TEXT_MAX];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE
        ||  (field->label != PROTOBUF_C_LABEL_REPEATED
             && ht_json_money (*(const ProtobufCMessage *const *) value, amount, sizeof amount))) {
            fprintf (out, "%s:%*s ", field->name, width - (int) strlen (field->name), "");
            ctl_format_field (out, message, field);
            fputc ('\n', out);
            continue;
        }
        fprintf (out, "%s:\n", field->name);
        bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
        for (size_t j = 0; j < count; j++) {
            const ProtobufCMessage *inner = *(const ProtobufCMessage *const *) (value + j * sizeof (void *));
            s_text (out, inner, indent + (repeated? 4: 2), repeated);
        }
    }
}

void
ctl_print_text (FILE *out, const ProtobufCMessage *message, int indent)
{
    s_text (out, message, indent, false);
}

void
ctl_print (const ProtobufCMessage *message)
{
    if (ctl.json) {
        ht_json_write (stdout, message);
        fputs ("\n", stdout);
    }
    else
        s_text (stdout, message, 0, false);
    fflush (stdout);
}

//  ---------------------------------------------------------------------------
//  Tables

struct _ctl_table_t {
    size_t columns;
    char ***rows;               //  each of `columns` cells, NULL-terminated; the header first
    size_t n_rows;
};

//  Columns a terminal gives UTF-8 `text`: two for East Asian wide characters.
static size_t
s_display_width (const char *text)
{
    size_t width = 0;
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        uint32_t code = *p;
        int extra = code >= 0xF0? 3: code >= 0xE0? 2: code >= 0xC0? 1: 0;
        code &= extra == 3? 0x07: extra == 2? 0x0F: extra == 1? 0x1F: 0xFF;
        p++;
        for (; extra > 0 && (*p & 0xC0) == 0x80; extra--, p++)
            code = (code << 6) | (*p & 0x3F);
        bool wide = (code >= 0x1100 && code <= 0x115F) || (code >= 0x2E80 && code <= 0xA4CF)
                 || (code >= 0xAC00 && code <= 0xD7A3) || (code >= 0xF900 && code <= 0xFAFF)
                 || (code >= 0xFE30 && code <= 0xFE4F) || (code >= 0xFF00 && code <= 0xFF60)
                 || (code >= 0xFFE0 && code <= 0xFFE6) || (code >= 0x20000 && code <= 0x3FFFD);
        width += wide? 2: 1;
    }
    return width;
}

//  A row of `columns` copies of `cells`, NULL-terminated.
static char **
s_row_new (size_t columns, const char **cells)
{
    char **row = calloc (columns + 1, sizeof (char *));
    assert (row);
    for (size_t i = 0; i < columns; i++)
        row [i] = strdup (cells [i] && *cells [i]? cells [i]: "-");
    return row;
}

ctl_table_t *
ctl_table_new (const char *columns)
{
    ctl_table_t *self = calloc (1, sizeof *self);
    assert (self);
    size_t count;
    char **names = s_split (columns, &count);
    self->columns = count;
    ctl_table_row (self, (const char **) names);
    for (size_t i = 0; i < count; i++)
        for (char *c = self->rows [0][i]; *c; c++)
            *c = (char) toupper ((unsigned char) *c);
    return self;
}

void
ctl_table_row (ctl_table_t *self, const char **cells)
{
    char ***rows = realloc (self->rows, (self->n_rows + 1) * sizeof (char **));
    assert (rows);
    self->rows = rows;
    self->rows [self->n_rows++] = s_row_new (self->columns, cells);
}

void
ctl_table_print (ctl_table_t **self_p)
{
    ctl_table_t *self = *self_p;
    if (!self)
        return;
    size_t *widths = calloc (self->columns + 1, sizeof (size_t));
    assert (widths);
    for (size_t r = 0; r < self->n_rows; r++)
        for (size_t i = 0; i < self->columns; i++)
            if (s_display_width (self->rows [r][i]) > widths [i])
                widths [i] = s_display_width (self->rows [r][i]);
    //  No rows, no header: an empty list prints nothing, as `--json` does.
    for (size_t r = 0; self->n_rows > 1 && r < self->n_rows; r++) {
        for (size_t i = 0; i < self->columns; i++) {
            fputs (self->rows [r][i], stdout);
            if (i + 1 < self->columns)
                printf ("%*s", (int) (widths [i] - s_display_width (self->rows [r][i]) + 2), "");
        }
        fputc ('\n', stdout);
    }
    fflush (stdout);
    for (size_t r = 0; r < self->n_rows; r++) {
        for (size_t i = 0; i < self->columns; i++)
            free (self->rows [r][i]);
        free (self->rows [r]);
    }
    free (self->rows);
    free (widths);
    free (self);
    *self_p = NULL;
}

//  ---------------------------------------------------------------------------
//  Lists of messages

struct _ctl_list_t {
    const ProtobufCMessageDescriptor *row_type;
    const ProtobufCFieldDescriptor **fields;
    size_t n_fields;
    ctl_table_t *table;
};

ctl_list_t *
ctl_list_new (const ProtobufCMessageDescriptor *row_type, const char *columns)
{
    ctl_list_t *self = calloc (1, sizeof *self);
    assert (self);
    self->row_type = row_type;
    if (ctl.json)
        return self;
    //  The columns: --columns, else every scalar field with -o wide, else the default.
    char *names = NULL;
    size_t size = 0;
    FILE *text = open_memstream (&names, &size);
    if (ctl.columns)
        fputs (ctl.columns, text);
    else
    if (ctl.output && !strcmp (ctl.output, "wide")) {
        for (unsigned i = 0; i < row_type->n_fields; i++)
            if (row_type->fields [i].type != PROTOBUF_C_TYPE_MESSAGE
            &&  row_type->fields [i].type != PROTOBUF_C_TYPE_BYTES)
                fprintf (text, "%s%s", ftell (text)? ",": "", row_type->fields [i].name);
    }
    else
        fputs (columns, text);
    fclose (text);
    size_t count;
    char **list = s_split (names, &count);
    self->fields = calloc (count + 1, sizeof (void *));
    assert (self->fields);
    for (size_t i = 0; i < count; i++) {
        self->fields [i] = protobuf_c_message_descriptor_get_field_by_name (row_type, list [i]);
        if (!self->fields [i]) {
            char all [2048] = "";
            for (unsigned j = 0; j < row_type->n_fields; j++)
                snprintf (all + strlen (all), sizeof all - strlen (all), "%s%s", j? ", ": "",
                          row_type->fields [j].name);
            ctl_usage_error ("--columns: '%s' is not a field of %s: %s", list [i], row_type->short_name, all);
            free (names);
            free (self->fields);
            free (self);
            return NULL;
        }
    }
    self->n_fields = count;
    self->table = ctl_table_new (names);
    free (names);
    return self;
}

void
ctl_list_add (ctl_list_t *self, const ProtobufCMessage *row)
{
    assert (row->descriptor == self->row_type);
    if (ctl.json) {
        ht_json_write (stdout, row);
        fputs ("\n", stdout);
        fflush (stdout);
        return;
    }
    char **cells = calloc (self->n_fields + 1, sizeof (char *));
    for (size_t i = 0; i < self->n_fields; i++) {
        size_t size = 0;
        FILE *cell = open_memstream (&cells [i], &size);
        ctl_format_field (cell, row, self->fields [i]);
        fclose (cell);
    }
    ctl_table_row (self->table, (const char **) cells);
    for (size_t i = 0; i < self->n_fields; i++)
        free (cells [i]);
    free (cells);
}

void
ctl_list_end (ctl_list_t **self_p)
{
    ctl_list_t *self = *self_p;
    if (!self)
        return;
    ctl_table_print (&self->table);
    free (self->fields);
    free (self);
    *self_p = NULL;
}

int
ctl_print_list (const ProtobufCMessage *reply, const char *field, const char *columns)
{
    const ProtobufCFieldDescriptor *repeated =
        protobuf_c_message_descriptor_get_field_by_name (reply->descriptor, field);
    assert (repeated && repeated->label == PROTOBUF_C_LABEL_REPEATED
            && repeated->type == PROTOBUF_C_TYPE_MESSAGE);
    ctl_list_t *list = ctl_list_new (repeated->descriptor, columns);
    if (!list)
        return CTL_EXIT_USAGE;
    size_t count;
    const ProtobufCMessage *const *rows = ht_json_field (reply, repeated, &count);
    for (size_t i = 0; i < count; i++)
        ctl_list_add (list, rows [i]);
    ctl_list_end (&list);
    return 0;
}

//  The string field `name` of `message`, as a place to read or write.
static char **
s_string_field (const ProtobufCMessage *message, const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (message->descriptor, name);
    assert (field && field->type == PROTOBUF_C_TYPE_STRING);
    return (char **) ((char *) message + field->offset);
}

int
ctl_list_pages (ctl_service_t service, const char *method, ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *reply_type, const char *field, const char *columns,
                const char *token, bool all)
{
    const ProtobufCFieldDescriptor *repeated = protobuf_c_message_descriptor_get_field_by_name (reply_type, field);
    assert (repeated && repeated->label == PROTOBUF_C_LABEL_REPEATED && repeated->type == PROTOBUF_C_TYPE_MESSAGE);
    ctl_list_t *list = ctl_list_new (repeated->descriptor, columns);
    if (!list)
        return CTL_EXIT_USAGE;
    int code;
    char *next = token? strdup (token): NULL;
    do {
        *s_string_field (request, "page_token") = next;
        ProtobufCMessage *reply = NULL;
        code = ctl_call (service, method, request, reply_type, &reply);
        free (next);
        next = NULL;
        if (code)
            break;
        size_t count;
        const ProtobufCMessage *const *rows = ht_json_field (reply, repeated, &count);
        for (size_t i = 0; i < count; i++)
            ctl_list_add (list, rows [i]);
        const char *more = *s_string_field (reply, "next_page_token");
        if (more) {
            next = strdup (more);
            if (!all)
                fprintf (stderr, "hetaoctl: more: --page-token %s\n", next);
        }
        protobuf_c_message_free_unpacked (reply, NULL);
    } while (all && next);
    *s_string_field (request, "page_token") = NULL;
    free (next);
    ctl_list_end (&list);
    return code;
}

int
ctl_call_print (ctl_service_t service, const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *reply_type)
{
    const ProtobufCFieldDescriptor *field = &reply_type->fields [0];
    assert (field->type == PROTOBUF_C_TYPE_MESSAGE && field->label != PROTOBUF_C_LABEL_REPEATED);
    ProtobufCMessage *reply = NULL;
    int code = ctl_call (service, method, request, reply_type, &reply);
    if (code == 0) {
        const ProtobufCMessage *entity = *(const ProtobufCMessage *const *) ((const char *) reply + field->offset);
        if (entity)
            ctl_print (entity);
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    return code;
}

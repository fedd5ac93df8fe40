/*  hetaoctl - the command line of Hetao Park Services

    hetaoctl [global options] NOUN VERB [options]

    Every command is one row of s_commands; each builds a request from its
    flags, calls the service through ht_client (deadline, retries, one
    idempotency key for all retries) and prints the reply: readable text by
    default, one JSON object per result with --json. The exit code says what
    class of error happened (docs/cli.md).
*/

#include "ht_auth.h"
#include "ht_client.h"
#include "ht_config.h"
#include "ht_enum.h"
#include "ht_json.h"
#include "ht_status.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"
#include "hetao/v1/system.pb-c.h"

#include <czmq.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

//  Global options
static bool s_json;
static int s_timeout_ms;
static const char *s_idempotency_key;
static const char *s_registry_endpoint;
static const char *s_registry_events;
static const char *s_cert;
static const char *s_registry_server_key;
static const char *s_principals;
static char s_server_key [HT_KEY_TEXT];     //  s_registry_server_key resolved to Z85

static const ht_option_t s_global_options [] = {
    { "json", NULL, HT_OPT_BOOL, &s_json, "false", 0, 0, "print one JSON object per result" },
    { "timeout", "HETAO_TIMEOUT_MS", HT_OPT_INT, &s_timeout_ms, "5000", 100, 3600000,
      "deadline of each call in milliseconds, retries included" },
    { "idempotency-key", NULL, HT_OPT_STRING, &s_idempotency_key, NULL, 0, 0,
      "key of a mutating call (default: a new one); repeat a call with the same key safely" },
    { "registry-endpoint", "HETAO_REGISTRY_ENDPOINT", HT_OPT_STRING, &s_registry_endpoint,
      "tcp://127.0.0.1:7101", 0, 0, "requests to the registry" },
    { "registry-events", "HETAO_REGISTRY_EVENTS", HT_OPT_STRING, &s_registry_events,
      "tcp://127.0.0.1:7102", 0, 0, "events of the registry" },
    { "cert", "HETAO_CERT", HT_OPT_STRING, &s_cert, NULL, 0, 0,
      "this client's CURVE certificate (secret in <file>_secret); default var/keys/operator.key of the dev stack" },
    { "registry-server-key", "HETAO_REGISTRY_SERVER_KEY", HT_OPT_STRING, &s_registry_server_key, NULL, 0, 0,
      "the registry's public key, Z85 or a certificate file; default var/keys/registry.key of the dev stack" },
    { "principals", "HETAO_PRINCIPALS", HT_OPT_STRING, &s_principals, NULL, 0, 0,
      "the principals file that `principal` edits; default var/keys/principals of the dev stack" },
    { NULL }
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

//  Fills in the dev stack's defaults for options not given.
static void
s_key_defaults (void)
{
    static char cert [4200], server [4200], principals [4200];
    const char *dir = s_dev_keys ();
    if (!s_cert && dir) {
        snprintf (cert, sizeof cert, "%s/operator.key", dir);
        s_cert = cert;
    }
    if (!s_registry_server_key && dir) {
        snprintf (server, sizeof server, "%s/registry.key", dir);
        s_registry_server_key = server;
    }
    if (!s_principals && dir) {
        snprintf (principals, sizeof principals, "%s/principals", dir);
        s_principals = principals;
    }
    ht_client_server_key (s_registry_server_key, s_server_key);
}

//  A client of `endpoint` with this hetaoctl's keys; NULL (reported) when they cannot be read.
static ht_client_t *
s_client_new (const char *endpoint)
{
    ht_client_options_t options = {
        .deadline_ms = s_timeout_ms, .attempts = 3, .cert = s_cert, .server_key = s_server_key
    };
    ht_client_t *client = ht_client_new (endpoint, &options);
    if (!client)
        fprintf (stderr, "hetaoctl: cannot use certificate %s (with %s_secret) and server key %s: "
                 "give --cert and --registry-server-key, or run deploy/dev up\n",
                 s_cert? s_cert: "(none)", s_cert? s_cert: "(none)",
                 *s_server_key? s_server_key: s_registry_server_key? s_registry_server_key: "(none)");
    return client;
}

//  ---------------------------------------------------------------------------
//  Output and errors

static int
s_usage_error (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fputs ("hetaoctl: ", stderr);
    vfprintf (stderr, format, args);
    fputs ("\n", stderr);
    va_end (args);
    return EXIT_USAGE;
}

static void
s_print (const ProtobufCMessage *message)
{
    if (s_json)
        ht_json_write (stdout, message);
    else
        ht_json_write_text (stdout, message, 0);
    fputs ("\n", stdout);
    fflush (stdout);
}

//  Prints a failed reply on stderr and returns its exit code.
static int
s_report (const Hetao__V1__Reply *reply)
{
    fprintf (stderr, "hetaoctl: %s: %s\n", ht_status_name (reply->status),
             reply->message && *reply->message? reply->message: "(no message)");
    for (size_t i = 0; i < reply->n_violations; i++)
        if (reply->n_violations > 1)
            fprintf (stderr, "  %s: %s\n", reply->violations [i]->field, reply->violations [i]->description);
    return ht_status_exit_code (reply->status);
}

//  Calls `method` on the service at `endpoint`; on success unpacks the
//  payload as `type` into *result (caller frees with protobuf_c_message_free_unpacked).
static int
s_call (const char *endpoint, const char *method, const ProtobufCMessage *request,
        const ProtobufCMessageDescriptor *type, ProtobufCMessage **result)
{
    ht_client_t *client = s_client_new (endpoint);
    if (!client)
        return EXIT_USAGE;
    Hetao__V1__Reply *reply = ht_client_call (client, method, s_idempotency_key, request);
    ht_client_destroy (&client);
    int code = 0;
    if (reply->status != HETAO__V1__STATUS__OK)
        code = s_report (reply);
    else {
        *result = protobuf_c_message_unpack (type, NULL, reply->payload.len, reply->payload.data);
        if (!*result) {
            fprintf (stderr, "hetaoctl: the reply payload is not a %s\n", type->name);
            code = ht_status_exit_code (HT_INTERNAL);
        }
    }
    hetao__v1__reply__free_unpacked (reply, NULL);
    return code;
}

//  ---------------------------------------------------------------------------
//  Flags that name enum values, lists and yes/no

static bool
s_enum_flag (const char *flag, const char *text, const ProtobufCEnumDescriptor *type,
             protobuf_c_boolean *has, int *value)
{
    if (!text)
        return true;
    if (ht_enum_value (type, text, value)) {
        if (has)
            *has = true;
        return true;
    }
    char keys [512];
    ht_enum_keys (type, keys, sizeof keys);
    s_usage_error ("--%s: '%s' is not one of: %s", flag, text, keys);
    return false;
}

//  Parses comma-separated sector keys into a new array (caller frees).
static bool
s_sectors_flag (const char *text, Hetao__V1__Sector **sectors, size_t *count)
{
    *count = 0;
    *sectors = calloc (strlen (text) + 1, sizeof (Hetao__V1__Sector));
    char *copy = strdup (text);
    bool ok = true;
    for (char *save, *key = strtok_r (copy, ",", &save); ok && key; key = strtok_r (NULL, ",", &save)) {
        int value;
        ok = s_enum_flag ("sectors", key, &hetao__v1__sector__descriptor, NULL, &value);
        (*sectors) [(*count)++] = value;
    }
    free (copy);
    return ok;
}

//  A whole number flag that may be absent; false (reported) when it is not a number.
static bool
s_int64_flag (const char *flag, const char *text, protobuf_c_boolean *has, int64_t *value)
{
    if (!text)
        return true;
    char *end;
    errno = 0;
    long long number = strtoll (text, &end, 10);
    if (errno || end == text || *end) {
        s_usage_error ("--%s: '%s' is not a whole number", flag, text);
        return false;
    }
    *has = true;
    *value = number;
    return true;
}

static bool
s_yes_no_flag (const char *flag, const char *text, protobuf_c_boolean *has, protobuf_c_boolean *value)
{
    if (!text)
        return true;
    if (!strcmp (text, "true") || !strcmp (text, "yes"))
        *value = true;
    else
    if (!strcmp (text, "false") || !strcmp (text, "no"))
        *value = false;
    else {
        s_usage_error ("--%s: '%s' is not true or false", flag, text);
        return false;
    }
    *has = true;
    return true;
}

//  Parses a command's flags; *id gets the one positional argument, if allowed.
static int
s_parse (const ht_option_t *options, int argc, char **argv, const char **id, const char *usage)
{
    char error [256];
    char *rest [1];
    int count = 0;
    switch (ht_config_parse (options, argc, argv, 0, id? rest: NULL, 1, &count, error, sizeof error)) {
        case HT_CONFIG_HELP:
            ht_config_usage (usage, options);
            return -1;
        case HT_CONFIG_ERROR:
            return s_usage_error ("%s", error);
        case HT_CONFIG_OK:
            break;
    }
    if (id && count == 1)
        *id = rest [0];
    return 0;
}

static int
s_print_org_reply (int code, ProtobufCMessage *result)
{
    if (code == 0) {
        Hetao__V1__OrganizationReply *reply = (Hetao__V1__OrganizationReply *) result;
        s_print (&reply->organization->base);
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

//  ---------------------------------------------------------------------------
//  org

static int
s_org_register (int argc, char **argv)
{
    const char *name = NULL, *name_zh = NULL, *kind = NULL, *region = NULL, *uscc = NULL;
    const char *hk_br = NULL, *other = NULL, *sectors = NULL;
    bool major = false;
    const ht_option_t options [] = {
        { "name", NULL, HT_OPT_STRING, &name, NULL, 0, 0, "English name" },
        { "name-zh", NULL, HT_OPT_STRING, &name_zh, NULL, 0, 0, "Chinese name" },
        { "kind", NULL, HT_OPT_STRING, &kind, NULL, 0, 0, "research_institute, university, enterprise, ..." },
        { "region", NULL, HT_OPT_STRING, &region, NULL, 0, 0, "mainland, hong_kong, macao or overseas" },
        { "uscc", NULL, HT_OPT_STRING, &uscc, NULL, 0, 0, "mainland Unified Social Credit Code" },
        { "hk-br", NULL, HT_OPT_STRING, &hk_br, NULL, 0, 0, "Hong Kong Business Registration number" },
        { "reg-id", NULL, HT_OPT_STRING, &other, NULL, 0, 0, "any other registration identifier" },
        { "sectors", NULL, HT_OPT_STRING, &sectors, NULL, 0, 0, "comma-separated, e.g. quantum_technology" },
        { "major-platform", NULL, HT_OPT_BOOL, &major, "false", 0, 0, "a major research platform" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl org register [options]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__RegisterOrganizationRequest request = HETAO__V1__REGISTER_ORGANIZATION_REQUEST__INIT;
    request.name_en = (char *) name;
    request.name_zh = (char *) name_zh;
    int value = 0;
    if (!s_enum_flag ("kind", kind, &hetao__v1__organization_kind__descriptor, &request.has_kind, &value))
        return EXIT_USAGE;
    request.kind = value;
    if (!s_enum_flag ("region", region, &hetao__v1__region__descriptor, &request.has_region, &value))
        return EXIT_USAGE;
    request.region = value;
    if (!!uscc + !!hk_br + !!other > 1)
        return s_usage_error ("give one of --uscc, --hk-br and --reg-id");
    request.has_registration_type = uscc || hk_br || other;
    request.registration_type = uscc? HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC
                              : hk_br? HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR
                              : HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_OTHER;
    request.registration_id = (char *) (uscc? uscc: hk_br? hk_br: other);
    Hetao__V1__Sector *list = NULL;
    if (sectors && !s_sectors_flag (sectors, &list, &request.n_sectors)) {
        free (list);
        return EXIT_USAGE;
    }
    request.sectors = list;
    request.has_major_platform = true;
    request.major_platform = major;
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "registry.RegisterOrganization", &request.base,
                   &hetao__v1__organization_reply__descriptor, &result);
    free (list);
    return s_print_org_reply (code, result);
}

static int
s_org_get (int argc, char **argv)
{
    const char *id = NULL;
    const ht_option_t options [] = {
        { "id", NULL, HT_OPT_STRING, &id, NULL, 0, 0, "the organization's id (or give it as the argument)" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, &id, "Usage: hetaoctl org get ID");
    if (code)
        return code < 0? 0: code;
    if (!id)
        return s_usage_error ("org get: give the organization's id");
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    request.id = (char *) id;
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "registry.GetOrganization", &request.base,
                   &hetao__v1__organization_reply__descriptor, &result);
    return s_print_org_reply (code, result);
}

static int
s_org_update (int argc, char **argv)
{
    const char *id = NULL, *name = NULL, *name_zh = NULL, *kind = NULL, *sectors = NULL, *major = NULL;
    const char *version = NULL;
    const ht_option_t options [] = {
        { "id", NULL, HT_OPT_STRING, &id, NULL, 0, 0, "the organization's id (or give it as the argument)" },
        { "name", NULL, HT_OPT_STRING, &name, NULL, 0, 0, "new English name (\"\" clears it)" },
        { "name-zh", NULL, HT_OPT_STRING, &name_zh, NULL, 0, 0, "new Chinese name (\"\" clears it)" },
        { "kind", NULL, HT_OPT_STRING, &kind, NULL, 0, 0, "new kind" },
        { "sectors", NULL, HT_OPT_STRING, &sectors, NULL, 0, 0, "new sectors, comma-separated (\"\" for none)" },
        { "major-platform", NULL, HT_OPT_STRING, &major, NULL, 0, 0, "true or false" },
        { "expected-version", NULL, HT_OPT_STRING, &version, NULL, 0, 0, "refuse unless at this version" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, &id, "Usage: hetaoctl org update ID [options]");
    if (code)
        return code < 0? 0: code;
    if (!id)
        return s_usage_error ("org update: give the organization's id");
    Hetao__V1__UpdateOrganizationRequest request = HETAO__V1__UPDATE_ORGANIZATION_REQUEST__INIT;
    Hetao__V1__SectorList list = HETAO__V1__SECTOR_LIST__INIT;
    request.id = (char *) id;
    request.name_en = (char *) name;
    request.name_zh = (char *) name_zh;
    int value = 0;
    if (!s_enum_flag ("kind", kind, &hetao__v1__organization_kind__descriptor, &request.has_kind, &value))
        return EXIT_USAGE;
    request.kind = value;
    if (!s_yes_no_flag ("major-platform", major, &request.has_major_platform, &request.major_platform))
        return EXIT_USAGE;
    if (!s_int64_flag ("expected-version", version, &request.has_expected_version,
                       &request.expected_version))
        return EXIT_USAGE;
    if (sectors) {
        if (!s_sectors_flag (sectors, &list.sectors, &list.n_sectors)) {
            free (list.sectors);
            return EXIT_USAGE;
        }
        request.sectors = &list;
    }
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "registry.UpdateOrganization", &request.base,
                   &hetao__v1__organization_reply__descriptor, &result);
    free (list.sectors);
    return s_print_org_reply (code, result);
}

static int
s_org_set_status (int argc, char **argv)
{
    const char *id = NULL, *status = NULL, *reason = NULL, *version = NULL;
    const ht_option_t options [] = {
        { "id", NULL, HT_OPT_STRING, &id, NULL, 0, 0, "the organization's id (or give it as the argument)" },
        { "status", NULL, HT_OPT_STRING, &status, NULL, 0, 0, "active, suspended or withdrawn" },
        { "reason", NULL, HT_OPT_STRING, &reason, NULL, 0, 0, "why (required for suspended and withdrawn)" },
        { "expected-version", NULL, HT_OPT_STRING, &version, NULL, 0, 0, "refuse unless at this version" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, &id, "Usage: hetaoctl org set-status ID --status S [--reason R]");
    if (code)
        return code < 0? 0: code;
    if (!id)
        return s_usage_error ("org set-status: give the organization's id");
    Hetao__V1__SetOrganizationStatusRequest request = HETAO__V1__SET_ORGANIZATION_STATUS_REQUEST__INIT;
    request.id = (char *) id;
    request.reason = (char *) reason;
    int value = 0;
    if (!s_enum_flag ("status", status, &hetao__v1__organization_status__descriptor, &request.has_status, &value))
        return EXIT_USAGE;
    request.status = value;
    if (!s_int64_flag ("expected-version", version, &request.has_expected_version,
                       &request.expected_version))
        return EXIT_USAGE;
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "registry.SetOrganizationStatus", &request.base,
                   &hetao__v1__organization_reply__descriptor, &result);
    return s_print_org_reply (code, result);
}

static int
s_org_list (int argc, char **argv)
{
    const char *kind = NULL, *region = NULL, *status = NULL, *sector = NULL, *major = NULL;
    const char *name = NULL, *reg_id = NULL, *token = NULL;
    int page_size = 50;
    bool all = false;
    const ht_option_t options [] = {
        { "kind", NULL, HT_OPT_STRING, &kind, NULL, 0, 0, "only this kind" },
        { "region", NULL, HT_OPT_STRING, &region, NULL, 0, 0, "only this region" },
        { "status", NULL, HT_OPT_STRING, &status, NULL, 0, 0, "only this status" },
        { "sector", NULL, HT_OPT_STRING, &sector, NULL, 0, 0, "only organizations in this sector" },
        { "major-platform", NULL, HT_OPT_STRING, &major, NULL, 0, 0, "true or false" },
        { "name-contains", NULL, HT_OPT_STRING, &name, NULL, 0, 0, "part of either name, any case" },
        { "registration-id", NULL, HT_OPT_STRING, &reg_id, NULL, 0, 0, "exactly this identifier" },
        { "page-size", NULL, HT_OPT_INT, &page_size, "50", 1, 500, "organizations per page" },
        { "page-token", NULL, HT_OPT_STRING, &token, NULL, 0, 0, "next_page_token of the previous page" },
        { "all", NULL, HT_OPT_BOOL, &all, "false", 0, 0, "follow next_page_token to the last page" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl org list [filters]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__ListOrganizationsRequest request = HETAO__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
    int value = 0;
    if (!s_enum_flag ("kind", kind, &hetao__v1__organization_kind__descriptor, &request.has_kind, &value))
        return EXIT_USAGE;
    request.kind = value;
    if (!s_enum_flag ("region", region, &hetao__v1__region__descriptor, &request.has_region, &value))
        return EXIT_USAGE;
    request.region = value;
    if (!s_enum_flag ("status", status, &hetao__v1__organization_status__descriptor, &request.has_status, &value))
        return EXIT_USAGE;
    request.status = value;
    if (!s_enum_flag ("sector", sector, &hetao__v1__sector__descriptor, &request.has_sector, &value))
        return EXIT_USAGE;
    request.sector = value;
    if (!s_yes_no_flag ("major-platform", major, &request.has_major_platform, &request.major_platform))
        return EXIT_USAGE;
    request.name_contains = (char *) name;
    request.registration_id = (char *) reg_id;
    request.has_page_size = true;
    request.page_size = (uint32_t) page_size;
    char *next = token? strdup (token): NULL;
    do {
        request.page_token = next;
        ProtobufCMessage *result = NULL;
        code = s_call (s_registry_endpoint, "registry.ListOrganizations", &request.base,
                       &hetao__v1__list_organizations_reply__descriptor, &result);
        free (next);
        next = NULL;
        if (code)
            break;
        Hetao__V1__ListOrganizationsReply *reply = (Hetao__V1__ListOrganizationsReply *) result;
        for (size_t i = 0; i < reply->n_organizations; i++) {
            s_print (&reply->organizations [i]->base);
            if (!s_json && i + 1 < reply->n_organizations)
                puts ("");
        }
        if (reply->next_page_token) {
            next = strdup (reply->next_page_token);
            if (!all)
                fprintf (stderr, "hetaoctl: more: --page-token %s\n", next);
        }
        protobuf_c_message_free_unpacked (result, NULL);
    } while (all && next);
    free (next);
    return code;
}

//  ---------------------------------------------------------------------------
//  events

//  The payload type of each event type prefix.
static const struct {
    const char *prefix;
    const ProtobufCMessageDescriptor *payload;
} s_event_payloads [] = {
    { "registry.organization.", &hetao__v1__organization_event__descriptor },
    { NULL }
};

static void
s_print_event (const Hetao__V1__Event *event)
{
    const ProtobufCMessageDescriptor *type = NULL;
    for (int i = 0; s_event_payloads [i].prefix; i++)
        if (!strncmp (event->type, s_event_payloads [i].prefix, strlen (s_event_payloads [i].prefix)))
            type = s_event_payloads [i].payload;
    ProtobufCMessage *payload = type
        ? protobuf_c_message_unpack (type, NULL, event->payload.len, event->payload.data): NULL;
    Hetao__V1__Event head = *event;
    head.has_payload = !payload;    //  raw bytes only when we cannot decode them
    if (s_json) {
        //  One object: the envelope's fields, then the decoded "payload".
        char *text = NULL;
        size_t size = 0;
        FILE *buffer = open_memstream (&text, &size);
        ht_json_write (buffer, &head.base);
        fclose (buffer);
        if (payload) {
            text [size - 1] = 0;        //  drop the closing brace
            fputs (text, stdout);
            fputs (size > 2? ",\"payload\":": "\"payload\":", stdout);
            ht_json_write (stdout, payload);
            fputs ("}", stdout);
        }
        else
            fputs (text, stdout);
        fputs ("\n", stdout);
        free (text);
    }
    else {
        ht_json_write_text (stdout, &head.base, 0);
        if (payload) {
            fputs ("payload:\n", stdout);
            ht_json_write_text (stdout, payload, 2);
        }
        fputs ("\n", stdout);
    }
    fflush (stdout);
    if (payload)
        protobuf_c_message_free_unpacked (payload, NULL);
}

static int
s_events_tail (int argc, char **argv)
{
    const char *stream = "registry";
    int from = 0, max = 0;
    const ht_option_t options [] = {
        { "stream", NULL, HT_OPT_STRING, &stream, "registry", 0, 0, "the stream to follow" },
        { "from-seq", NULL, HT_OPT_INT, &from, "0", 0, 2147483647, "print events after this sequence" },
        { "max", NULL, HT_OPT_INT, &max, "0", 0, 2147483647, "stop after this many events (0: never)" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl events tail [--stream S] [--from-seq N] [--max N]");
    if (code)
        return code < 0? 0: code;
    if (strcmp (stream, "registry") != 0)
        return s_usage_error ("--stream: '%s' is not a stream this hetaoctl knows (registry)", stream);
    //  Subscribe first, then read history: nothing published in between is missed.
    zsock_t *subscriber = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (subscriber, 100000);
    zsock_set_maxmsgsize (subscriber, 16 * 1024 * 1024);
    zsock_set_reconnect_ivl_max (subscriber, 5000);
    char topic [80];
    snprintf (topic, sizeof topic, "%s.", stream);
    zsock_set_subscribe (subscriber, topic);
    ht_client_t *client = s_client_new (s_registry_endpoint);
    if (!client || !ht_client_curve (subscriber, s_cert, s_server_key)) {
        ht_client_destroy (&client);
        zsock_destroy (&subscriber);
        return EXIT_USAGE;
    }
    zsock_connect (subscriber, "%s", s_registry_events);
    uint64_t last = (uint64_t) from;
    int printed = 0;
    bool caught_up = false;
    while (!zsys_interrupted && (max == 0 || printed < max)) {
        if (!caught_up) {
            //  Read history (or a gap) back by sequence.
            Hetao__V1__ReadEventsRequest request = HETAO__V1__READ_EVENTS_REQUEST__INIT;
            request.stream = (char *) stream;
            request.has_after_sequence = request.has_limit = true;
            request.after_sequence = last;
            request.limit = 1000;
            Hetao__V1__Reply *reply = ht_client_call (client, "system.ReadEvents", NULL, &request.base);
            if (reply->status != HETAO__V1__STATUS__OK) {
                code = s_report (reply);
                hetao__v1__reply__free_unpacked (reply, NULL);
                break;
            }
            Hetao__V1__ReadEventsReply *page =
                hetao__v1__read_events_reply__unpack (NULL, reply->payload.len, reply->payload.data);
            hetao__v1__reply__free_unpacked (reply, NULL);
            for (size_t i = 0; page && i < page->n_events && (max == 0 || printed < max); i++) {
                s_print_event (page->events [i]);
                last = page->events [i]->sequence;
                printed++;
            }
            caught_up = !page || page->n_events < 1000;
            hetao__v1__read_events_reply__free_unpacked (page, NULL);
            continue;
        }
        zmq_pollitem_t item = { zsock_resolve (subscriber), 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 1000) <= 0) {
            caught_up = false;          //  quiet: look for anything the live feed missed
            continue;
        }
        char *type = NULL;
        zframe_t *body = NULL;
        if (zsock_recv (subscriber, "sf", &type, &body) != 0)
            continue;
        Hetao__V1__Event *event = body
            ? hetao__v1__event__unpack (NULL, zframe_size (body), zframe_data (body)): NULL;
        if (event && event->sequence == last + 1) {
            s_print_event (event);
            last = event->sequence;
            printed++;
        }
        else
        if (event && event->sequence > last + 1)
            caught_up = false;          //  a gap: read it back
        if (event)
            hetao__v1__event__free_unpacked (event, NULL);
        zstr_free (&type);
        zframe_destroy (&body);
    }
    ht_client_destroy (&client);
    zsock_destroy (&subscriber);
    return code;
}

//  ---------------------------------------------------------------------------
//  health

static int
s_health (int argc, char **argv)
{
    int code = s_parse ((const ht_option_t []) { { NULL } }, argc, argv, NULL, "Usage: hetaoctl health");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__HealthRequest request = HETAO__V1__HEALTH_REQUEST__INIT;
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "system.Health", &request.base,
                   &hetao__v1__health_reply__descriptor, &result);
    if (code == 0) {
        s_print (result);
        Hetao__V1__HealthReply *health = (Hetao__V1__HealthReply *) result;
        if (!health->database_ok) {
            fprintf (stderr, "hetaoctl: %s cannot reach its database\n", health->service);
            code = ht_status_exit_code (HT_UNAVAILABLE);
        }
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

//  ---------------------------------------------------------------------------
//  keys, principals and the audit trail

static int
s_keys_gen (int argc, char **argv)
{
    const char *out = NULL;
    bool force = false;
    const ht_option_t options [] = {
        { "out", NULL, HT_OPT_STRING, &out, NULL, 0, 0, "write the public key to FILE and the secret to FILE_secret" },
        { "force", NULL, HT_OPT_BOOL, &force, "false", 0, 0, "replace existing files" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl keys gen --out FILE");
    if (code)
        return code < 0? 0: code;
    if (!out)
        return s_usage_error ("keys gen: give --out FILE");
    char secret [4200];
    snprintf (secret, sizeof secret, "%s_secret", out);
    if (!force && (access (out, F_OK) == 0 || access (secret, F_OK) == 0))
        return s_usage_error ("keys gen: %s exists; --force replaces it", out);
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "generated-by", "hetaoctl keys gen");
    int rc = zcert_save (cert, out);
    if (rc == 0)
        chmod (secret, 0600);
    if (rc == 0)
        printf (s_json? "{\"public_key\":\"%s\",\"file\":\"%s\"}\n": "public key %s written to %s\n",
                zcert_public_txt (cert), out);
    zcert_destroy (&cert);
    if (rc != 0) {
        fprintf (stderr, "hetaoctl: cannot write %s: %s\n", out, strerror (errno));
        return 1;
    }
    return 0;
}

//  Reads every principal of the principals file; false (reported) when it cannot.
static bool
s_principals_read (ht_principal_t **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    if (!s_principals) {
        s_usage_error ("give --principals FILE");
        return false;
    }
    if (access (s_principals, F_OK) != 0 && errno == ENOENT)
        return true;                    //  a new file
    char error [300];
    if (!ht_principals_read (s_principals, list, count, error, sizeof error)) {
        fprintf (stderr, "hetaoctl: %s\n", error);
        return false;
    }
    return true;
}

//  Replaces the principals file at once (write, then rename), so a service
//  never reads half a file.
static int
s_principals_write (const ht_principal_t *list, size_t count)
{
    char temporary [4200];
    snprintf (temporary, sizeof temporary, "%s.new", s_principals);
    FILE *file = fopen (temporary, "w");
    if (!file) {
        fprintf (stderr, "hetaoctl: cannot write %s: %s\n", temporary, strerror (errno));
        return 1;
    }
    fputs ("# key name organization roles status - edited with hetaoctl principal\n", file);
    for (size_t i = 0; i < count; i++) {
        char line [512];
        ht_principal_format (&list [i], line, sizeof line);
        fputs (line, file);
    }
    if (fclose (file) != 0 || rename (temporary, s_principals) != 0) {
        fprintf (stderr, "hetaoctl: cannot replace %s: %s\n", s_principals, strerror (errno));
        return 1;
    }
    return 0;
}

static void
s_principal_print (const ht_principal_t *principal)
{
    char roles [256];
    ht_roles_format (principal->roles, roles, sizeof roles);
    if (s_json)
        printf ("{\"key\":\"%s\",\"name\":\"%s\",\"organization_id\":\"%s\",\"roles\":\"%s\",\"status\":\"%s\"}\n",
                principal->key, principal->name, principal->organization_id, roles,
                principal->revoked? "revoked": "active");
    else
        printf ("%-20s %-8s %s  roles %s%s%s\n", principal->name, principal->revoked? "revoked": "active",
                principal->key, roles, *principal->organization_id? "  organization ": "",
                principal->organization_id);
}

static int
s_principal_add (int argc, char **argv)
{
    const char *key = NULL, *cert = NULL, *name = NULL, *roles = NULL, *organization = NULL;
    const ht_option_t options [] = {
        { "key", NULL, HT_OPT_STRING, &key, NULL, 0, 0, "the client's public key (Z85)" },
        { "cert", NULL, HT_OPT_STRING, &cert, NULL, 0, 0, "or the client's certificate file" },
        { "name", NULL, HT_OPT_STRING, &name, NULL, 0, 0, "the principal's name, e.g. hku-research-office" },
        { "roles", NULL, HT_OPT_STRING, &roles, NULL, 0, 0, "comma-separated roles (see docs/security.md)" },
        { "organization", NULL, HT_OPT_STRING, &organization, NULL, 0, 0, "id of the organization it speaks for" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl principal add (--key K | --cert FILE) --name N --roles R [--organization ID]");
    if (code)
        return code < 0? 0: code;
    char from_cert [HT_KEY_TEXT] = "";
    if (cert && !key) {
        zcert_t *loaded = zcert_load (cert);
        if (!loaded)
            return s_usage_error ("--cert: cannot read %s", cert);
        snprintf (from_cert, sizeof from_cert, "%s", zcert_public_txt (loaded));
        zcert_destroy (&loaded);
        key = from_cert;
    }
    if (!key || !name || !roles)
        return s_usage_error ("principal add: give --key (or --cert), --name and --roles");
    char line [512], error [256];
    snprintf (line, sizeof line, "%s %s %s %s active", key, name, organization? organization: "-", roles);
    ht_principal_t principal;
    if (!ht_principal_parse (line, &principal, error, sizeof error))
        return s_usage_error ("principal add: %s", error);
    ht_principal_t *list;
    size_t count;
    if (!s_principals_read (&list, &count))
        return 1;
    for (size_t i = 0; i < count; i++)
        if (!strcmp (list [i].key, principal.key) || !strcmp (list [i].name, principal.name)) {
            free (list);
            return s_usage_error ("principal add: a principal with this %s exists (%s); revoke it first "
                                  "or choose another", !strcmp (list [i].key, principal.key)? "key": "name",
                                  principal.name);
        }
    list = realloc (list, (count + 1) * sizeof *list);
    list [count++] = principal;
    code = s_principals_write (list, count);
    if (code == 0)
        s_principal_print (&principal);
    free (list);
    return code;
}

static int
s_principal_list (int argc, char **argv)
{
    int code = s_parse ((const ht_option_t []) { { NULL } }, argc, argv, NULL, "Usage: hetaoctl principal list");
    if (code)
        return code < 0? 0: code;
    ht_principal_t *list;
    size_t count;
    if (!s_principals_read (&list, &count))
        return 1;
    for (size_t i = 0; i < count; i++)
        s_principal_print (&list [i]);
    free (list);
    return 0;
}

static int
s_principal_revoke (int argc, char **argv)
{
    const char *who = NULL;
    int code = s_parse ((const ht_option_t []) { { NULL } }, argc, argv, &who,
                        "Usage: hetaoctl principal revoke NAME-OR-KEY");
    if (code)
        return code < 0? 0: code;
    if (!who)
        return s_usage_error ("principal revoke: give the principal's name or key");
    ht_principal_t *list;
    size_t count;
    if (!s_principals_read (&list, &count))
        return 1;
    size_t i = 0;
    while (i < count && strcmp (list [i].name, who) != 0 && strcmp (list [i].key, who) != 0)
        i++;
    if (i == count) {
        free (list);
        fprintf (stderr, "hetaoctl: NOT_FOUND: no principal named or keyed '%s' in %s\n", who, s_principals);
        return ht_status_exit_code (HT_NOT_FOUND);
    }
    list [i].revoked = true;
    code = s_principals_write (list, count);
    if (code == 0)
        s_principal_print (&list [i]);
    free (list);
    return code;
}

static int
s_audit (int argc, char **argv)
{
    const char *principal = NULL, *method = NULL;
    int limit = 100, after = 0;
    const ht_option_t options [] = {
        { "principal", NULL, HT_OPT_STRING, &principal, NULL, 0, 0, "only this principal's requests" },
        { "method", NULL, HT_OPT_STRING, &method, NULL, 0, 0, "only this method" },
        { "after-id", NULL, HT_OPT_INT, &after, "0", 0, 2147483647, "records after this id" },
        { "limit", NULL, HT_OPT_INT, &limit, "100", 1, 1000, "at most this many records" },
        { NULL }
    };
    int code = s_parse (options, argc, argv, NULL, "Usage: hetaoctl audit [--principal NAME] [--method M] [--after-id N] [--limit N]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__ReadAuditRequest request = HETAO__V1__READ_AUDIT_REQUEST__INIT;
    request.principal_name = (char *) principal;
    request.method = (char *) method;
    request.has_after_id = request.has_limit = true;
    request.after_id = (uint64_t) after;
    request.limit = (uint32_t) limit;
    ProtobufCMessage *result = NULL;
    code = s_call (s_registry_endpoint, "system.ReadAudit", &request.base,
                   &hetao__v1__read_audit_reply__descriptor, &result);
    if (code == 0) {
        Hetao__V1__ReadAuditReply *reply = (Hetao__V1__ReadAuditReply *) result;
        for (size_t i = 0; i < reply->n_records; i++) {
            s_print (&reply->records [i]->base);
            if (!s_json && i + 1 < reply->n_records)
                puts ("");
        }
        protobuf_c_message_free_unpacked (result, NULL);
    }
    return code;
}

//  ---------------------------------------------------------------------------

static const struct {
    const char *noun, *verb;
    int (*run) (int argc, char **argv);
    const char *summary;
} s_commands [] = {
    { "org",    "register",   s_org_register,   "register an organization" },
    { "org",    "get",        s_org_get,        "show one organization" },
    { "org",    "update",     s_org_update,     "change names, kind, sectors or the major-platform flag" },
    { "org",    "set-status", s_org_set_status, "activate, suspend or withdraw an organization" },
    { "org",    "list",       s_org_list,       "list and search organizations" },
    { "events", "tail",       s_events_tail,    "print a stream's events from a sequence, then follow" },
    { "health", NULL,         s_health,         "version, uptime, database and streams of a service" },
    { "audit",  NULL,         s_audit,          "who changed what: the audit trail of mutating requests" },
    { "keys",   "gen",        s_keys_gen,       "write a new CURVE key pair" },
    { "principal", "add",     s_principal_add,  "admit a client key with a name, roles and organization" },
    { "principal", "list",    s_principal_list, "list the principals file" },
    { "principal", "revoke",  s_principal_revoke, "refuse a key from its next request and connection" },
    { NULL }
};

static void
s_help (void)
{
    printf ("Usage: hetaoctl [global options] COMMAND [options]\n\n"
            "Commands (COMMAND --help for their options):\n");
    for (int i = 0; s_commands [i].noun; i++)
        printf ("  %-9s %-11s %s\n", s_commands [i].noun, s_commands [i].verb? s_commands [i].verb: "",
                s_commands [i].summary);
    puts ("");
    ht_config_usage ("Global options:", s_global_options);
}

int
main (int argc, char **argv)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    //  Global options come before the command.
    int first = 1;
    while (first < argc && !strncmp (argv [first], "--", 2) && strcmp (argv [first], "--help"))
        first += strchr (argv [first], '=') || !strcmp (argv [first], "--json")? 1: 2;
    char error [256];
    if (first > argc
    ||  ht_config_parse (s_global_options, first, argv, 1, NULL, 0, NULL, error, sizeof error)
        != HT_CONFIG_OK) {
        if (first > argc)
            snprintf (error, sizeof error, "flag %s needs a value", argv [argc - 1]);
        return s_usage_error ("%s", error);
    }
    if (first >= argc || !strcmp (argv [first], "--help") || !strcmp (argv [first], "help")) {
        s_help ();
        return first >= argc? EXIT_USAGE: 0;
    }
    s_key_defaults ();
    const char *noun = argv [first];
    const char *verb = first + 1 < argc? argv [first + 1]: NULL;
    for (int i = 0; s_commands [i].noun; i++) {
        if (strcmp (s_commands [i].noun, noun) != 0)
            continue;
        if (!s_commands [i].verb)
            return s_commands [i].run (argc - first - 1, argv + first + 1);
        if (verb && !strcmp (s_commands [i].verb, verb))
            return s_commands [i].run (argc - first - 2, argv + first + 2);
    }
    return s_usage_error ("unknown command '%s%s%s' (see hetaoctl --help)", noun, verb? " ": "", verb? verb: "");
}

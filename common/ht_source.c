/*  ht_source - other services this one follows or asks: their settings,
    and calls to them from a handler

    Every source a service's consumers name gets the same five settings,
    --<name>-endpoint, --<name>-events, --<name>-server-key,
    --<name>-deadline-ms and --<name>-poll-ms, so adding a consumer of a new
    stream adds no configuration code. A worker keeps one client per source,
    made when a handler first asks it (ht_call_ask) and kept for the
    worker's life: the CURVE handshake is paid once.
*/

#include "ht_internal.h"
#include "ht_client.h"
#include "ht_log.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ht_source_t ht_source_registry = { "registry", 7101 };
const ht_source_t ht_source_funding = { "funding", 7201 };
const ht_source_t ht_source_customs = { "customs", 7301 };

enum { S_ENDPOINT, S_EVENTS, S_SERVER_KEY, S_DEADLINE, S_POLL };

//  Adds the source once, however many consumers name it.
static ht_source_settings_t *
s_source_add (ht_settings_t *settings, const ht_source_t *source)
{
    for (int i = 0; i < settings->n_sources; i++)
        if (!strcmp (settings->sources [i].source->name, source->name))
            return NULL;
    assert (settings->n_sources < HT_SOURCES_MAX);
    ht_source_settings_t *self = &settings->sources [settings->n_sources++];
    self->source = source;
    return self;
}

static void
s_texts (ht_source_settings_t *self, int which, const char *suffix, const char *fallback,
         const char *help)
{
    //  `help` names the source with its one %s.
    snprintf (self->help [which], sizeof self->help [which], help, self->source->name);
    char upper [41];
    size_t i = 0;
    for (const char *c = self->source->name; *c && i < sizeof upper - 1; c++)
        upper [i++] = *c == '-'? '_': (char) toupper ((unsigned char) *c);
    upper [i] = 0;
    char env_suffix [32];
    for (i = 0; suffix [i] && i < sizeof env_suffix - 1; i++)
        env_suffix [i] = suffix [i] == '-'? '_': (char) toupper ((unsigned char) suffix [i]);
    env_suffix [i] = 0;
    snprintf (self->text [which][0], sizeof self->text [which][0], "%.40s-%.12s", self->source->name, suffix);
    snprintf (self->text [which][1], sizeof self->text [which][1], "HETAO_%.40s_%.12s", upper, env_suffix);
    snprintf (self->text [which][2], sizeof self->text [which][2], "%s", fallback? fallback: "");
}

void
ht__sources_options (const ht_service_t *service, ht_settings_t *settings,
                     ht_option_t *options, int *count, int max)
{
    for (const ht_consumer_spec_t *const *spec = service->consumers; spec && *spec; spec++) {
        ht_source_settings_t *self = s_source_add (settings, (*spec)->source);
        if (!self)
            continue;
        char endpoint [64];
        snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", self->source->default_port);
        s_texts (self, S_ENDPOINT, "endpoint", endpoint,
                 "the %s service's request socket: read-backs of its events, lookups on a miss");
        s_texts (self, S_EVENTS, "events", NULL, "the %s service's event socket; default: its request port + 1");
        s_texts (self, S_SERVER_KEY, "server-key", NULL,
                 "the %s service's CURVE public key, as Z85 text or a certificate file; required");
        s_texts (self, S_DEADLINE, "deadline-ms", "2000", "deadline of each call to the %s service");
        s_texts (self, S_POLL, "poll-ms", "1000",
                 "the %s stream is read back after this long without a live event");
        assert (*count + 5 < max);
        options [(*count)++] = (ht_option_t) {
            self->text [S_ENDPOINT][0], self->text [S_ENDPOINT][1], HT_OPT_STRING, &self->endpoint,
            self->text [S_ENDPOINT][2], 0, 0, self->help [S_ENDPOINT] };
        options [(*count)++] = (ht_option_t) {
            self->text [S_EVENTS][0], self->text [S_EVENTS][1], HT_OPT_STRING, &self->events,
            NULL, 0, 0, self->help [S_EVENTS] };
        options [(*count)++] = (ht_option_t) {
            self->text [S_SERVER_KEY][0], self->text [S_SERVER_KEY][1], HT_OPT_STRING,
            &self->server_key_arg, NULL, 0, 0, self->help [S_SERVER_KEY] };
        options [(*count)++] = (ht_option_t) {
            self->text [S_DEADLINE][0], self->text [S_DEADLINE][1], HT_OPT_INT, &self->deadline_ms,
            self->text [S_DEADLINE][2], 100, 600000, self->help [S_DEADLINE] };
        options [(*count)++] = (ht_option_t) {
            self->text [S_POLL][0], self->text [S_POLL][1], HT_OPT_INT, &self->poll_ms,
            self->text [S_POLL][2], 50, 600000, self->help [S_POLL] };
    }
}

bool
ht__sources_resolve (ht_settings_t *settings, char *error, size_t error_size)
{
    for (int i = 0; i < settings->n_sources; i++) {
        ht_source_settings_t *self = &settings->sources [i];
        if (!self->server_key_arg || !ht_client_server_key (self->server_key_arg, self->server_key)) {
            snprintf (error, error_size, "--%s (%s): %s", self->text [S_SERVER_KEY][0],
                      self->text [S_SERVER_KEY][1],
                      self->server_key_arg? "is neither a Z85 public key nor a readable certificate"
                                          : "is required: the source service's public key");
            return false;
        }
        if (self->events)
            snprintf (self->events_default, sizeof self->events_default, "%s", self->events);
        else {
            //  tcp://host:port -> tcp://host:port+1
            const char *colon = strrchr (self->endpoint, ':');
            int port = colon? atoi (colon + 1): 0;
            if (!colon || port <= 0 || port >= 65535) {
                snprintf (error, error_size, "--%s: '%s' has no port; give --%s as well",
                          self->text [S_ENDPOINT][0], self->endpoint, self->text [S_EVENTS][0]);
                return false;
            }
            snprintf (self->events_default, sizeof self->events_default, "%.*s:%d",
                      (int) (colon - self->endpoint), self->endpoint, port + 1);
        }
        self->events = self->events_default;
    }
    return true;
}

const ht_source_settings_t *
ht__source_find (const ht_settings_t *settings, const char *name)
{
    for (int i = 0; i < settings->n_sources; i++)
        if (!strcmp (settings->sources [i].source->name, name))
            return &settings->sources [i];
    return NULL;
}

void
ht__sources_worker_end (ht_worker_t *worker)
{
    for (int i = 0; i < HT_SOURCES_MAX; i++)
        ht_client_destroy ((ht_client_t **) &worker->clients [i]);
}

//  ---------------------------------------------------------------------------
//  Asking a source from a handler

ht_status_t
ht_call_ask (ht_call_t *call, const char *source, const char *method,
             const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
             ProtobufCMessage **reply, const char **message)
{
    ht_worker_t *worker = ht__call_worker (call);
    const ht_settings_t *settings = worker->shared->settings;
    ht_arena_t *arena = ht_call_arena (call);
    if (reply)
        *reply = NULL;
    if (message)
        *message = NULL;
    const ht_source_settings_t *self = ht__source_find (settings, source);
    if (!self) {
        //  A source no consumer of the service names has no settings.
        ht_error ("ht_call_ask: this service has no source '%s' (list a consumer of it)", source);
        if (message)
            *message = ht_arena_printf (arena, "this service is not configured to ask %s", source);
        return HT_UNAVAILABLE;
    }
    int index = (int) (self - settings->sources);
    ht_client_t *client = worker->clients [index];
    if (!client) {
        ht_client_options_t options = {
            .deadline_ms = self->deadline_ms, .attempts = 2,
            .cert = settings->curve_cert, .server_key = self->server_key
        };
        client = ht_client_new (self->endpoint, &options);
        if (!client) {
            if (message)
                *message = ht_arena_printf (arena, "cannot load this service's certificate %s",
                                            settings->curve_cert);
            return HT_UNAVAILABLE;
        }
        worker->clients [index] = client;
    }
    Hetao__V1__Reply *answer = ht_client_call (client, method, NULL, request);
    ht_status_t status = answer->has_status? (ht_status_t) answer->status: HT_INTERNAL;
    if (status == HT_DEADLINE_EXCEEDED)
        status = HT_UNAVAILABLE;
    if (message)
        *message = ht_arena_strdup (arena, answer->message? answer->message: "");
    if (status == HT_OK && reply) {
        *reply = protobuf_c_message_unpack (reply_type, ht_arena_allocator (arena),
                                            answer->payload.len, answer->payload.data);
        if (!*reply) {
            status = HT_UNAVAILABLE;
            if (message)
                *message = ht_arena_printf (arena, "%s answered with a payload that is not a %s",
                                            source, reply_type->name);
        }
    }
    if (status != HT_OK && status != HT_NOT_FOUND)
        ht_warn ("%s of %s: %s: %s", method, source, ht_status_name (status),
                 answer->message? answer->message: "");
    hetao__v1__reply__free_unpacked (answer, NULL);
    return status;
}

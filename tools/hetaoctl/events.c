/*  events - hetaoctl events tail: a service's event stream, history then live

    Each service publishes one stream named after it. The tail subscribes
    first, then reads history by sequence, so nothing published in between
    is missed; a gap in the live feed (or a quiet second) is read back.
    --stream all follows every service's stream at once, each in its order.
*/

#include "ctl.h"
#include "ht_json.h"
#include "ht_status.h"
#include "hetao/v1/funding.pb-c.h"
#include "hetao/v1/registry.pb-c.h"
#include "hetao/v1/system.pb-c.h"

#include <czmq.h>
#include <string.h>

//  The payload type of each event type prefix: a line per kind of entity.
static const struct {
    const char *prefix;
    const ProtobufCMessageDescriptor *payload;
} s_event_payloads [] = {
    { "registry.organization.", &hetao__v1__organization_event__descriptor },
    { "registry.project.", &hetao__v1__project_event__descriptor },
    { "registry.researcher.", &hetao__v1__researcher_event__descriptor },
    { "registry.facility.", &hetao__v1__facility_event__descriptor },
    { "registry.instrument.", &hetao__v1__instrument_event__descriptor },
    { "registry.access_request.", &hetao__v1__access_request_event__descriptor },
    { "registry.park.",         &hetao__v1__park_event__descriptor },
    { "registry.unit.",         &hetao__v1__unit_event__descriptor },
    { "registry.allocation.",   &hetao__v1__allocation_event__descriptor },
    { "funding.programme.",     &hetao__v1__programme_event__descriptor },
    { "funding.call.",          &hetao__v1__call_event__descriptor },
    { "funding.application.",   &hetao__v1__application_event__descriptor },
    { "funding.review.",        &hetao__v1__review_event__descriptor },
    { "funding.award.",         &hetao__v1__award_event__descriptor },
    { "funding.disbursement.",  &hetao__v1__disbursement_event__descriptor },
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
    if (ctl.json) {
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
        ctl_print_text (stdout, &head.base, 0);
        if (payload) {
            fputs ("payload:\n", stdout);
            ctl_print_text (stdout, payload, 2);
        }
        fputs ("\n", stdout);
    }
    fflush (stdout);
    if (payload)
        protobuf_c_message_free_unpacked (payload, NULL);
}

//  One stream being followed: subscribed first, then read back by sequence
//  from `last` whenever it is not caught up (start, a gap, a quiet second).
typedef struct {
    ctl_service_t service;
    const char *stream;
    zsock_t *subscriber;
    ht_client_t *client;
    uint64_t last;
    bool caught_up;
    bool warned;                    //  --stream all: said once that it cannot be read
} s_follower_t;

//  False when the follower cannot be set up (keys); reported.
static bool
s_follower_start (s_follower_t *self, ctl_service_t service, uint64_t from)
{
    self->service = service;
    self->stream = ctl_service_name (service);
    self->last = from;
    self->subscriber = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (self->subscriber, 100000);
    zsock_set_maxmsgsize (self->subscriber, 16 * 1024 * 1024);
    zsock_set_reconnect_ivl_max (self->subscriber, 5000);
    char topic [80];
    snprintf (topic, sizeof topic, "%s.", self->stream);
    zsock_set_subscribe (self->subscriber, topic);
    self->client = ctl_client_new (service);
    if (!self->client || !ht_client_curve (self->subscriber, ctl.cert, ctl_service_key (service)))
        return false;
    zsock_connect (self->subscriber, "%s", ctl_service_events (service));
    return true;
}

static void
s_follower_stop (s_follower_t *self)
{
    ht_client_destroy (&self->client);
    zsock_destroy (&self->subscriber);
}

//  Reads one page back; prints its events. Returns 0, or the refusal's exit
//  code (reported; with `quiet_after_once`, only the first time).
static int
s_follower_read (s_follower_t *self, uint32_t max, uint32_t *printed, bool quiet_after_once)
{
    Hetao__V1__ReadEventsRequest request = HETAO__V1__READ_EVENTS_REQUEST__INIT;
    request.stream = (char *) self->stream;
    request.has_after_sequence = request.has_limit = true;
    request.after_sequence = self->last;
    request.limit = 1000;
    Hetao__V1__Reply *reply = ht_client_call (self->client, "system.ReadEvents", NULL, &request.base);
    if (reply->status != HETAO__V1__STATUS__OK) {
        int code = ht_status_exit_code ((ht_status_t) reply->status);
        if (!quiet_after_once || !self->warned)
            code = ctl_report (reply);
        self->warned = true;
        hetao__v1__reply__free_unpacked (reply, NULL);
        return code;
    }
    self->warned = false;
    Hetao__V1__ReadEventsReply *page =
        hetao__v1__read_events_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    hetao__v1__reply__free_unpacked (reply, NULL);
    for (size_t i = 0; page && i < page->n_events && (max == 0 || *printed < max); i++) {
        s_print_event (page->events [i]);
        self->last = page->events [i]->sequence;
        (*printed)++;
    }
    self->caught_up = !page || page->n_events < 1000;
    hetao__v1__read_events_reply__free_unpacked (page, NULL);
    return 0;
}

//  Takes one live event; prints it when it is the next, asks for a read-back on a jump.
static void
s_follower_live (s_follower_t *self, uint32_t *printed)
{
    char *type = NULL;
    zframe_t *body = NULL;
    if (zsock_recv (self->subscriber, "sf", &type, &body) != 0)
        return;
    Hetao__V1__Event *event = body
        ? hetao__v1__event__unpack (NULL, zframe_size (body), zframe_data (body)): NULL;
    if (event && event->sequence == self->last + 1) {
        s_print_event (event);
        self->last = event->sequence;
        (*printed)++;
    }
    else
    if (event && event->sequence > self->last + 1)
        self->caught_up = false;        //  a gap: read it back
    if (event)
        hetao__v1__event__free_unpacked (event, NULL);
    zstr_free (&type);
    zframe_destroy (&body);
}

//  The services that publish a stream, for --stream all.
static const ctl_service_t s_publishers [] = { CTL_REGISTRY, CTL_FUNDING, CTL_CUSTOMS };
#define S_PUBLISHERS (sizeof s_publishers / sizeof s_publishers [0])

static int
s_events_tail (int argc, char **argv)
{
    const char *which = NULL;
    uint32_t from = 0, max = 0;
    const ctl_option_t options [] = {
        { "stream", CTL_STRING, &which, .fallback = "registry",
          .help = "the stream to follow: a service's name (default registry), or all: every service's, "
                  "interleaved as they come (--from-seq then applies to each)" },
        { "from-seq", CTL_UINT32, &from, .fallback = "0", .min = 0, .max = 2147483647,
          .help = "print events after this sequence" },
        { "max", CTL_UINT32, &max, .fallback = "0", .min = 0, .max = 2147483647,
          .help = "stop after this many events (0: never)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl events tail [--stream S|all] [--from-seq N] [--max N]");
    if (code)
        return code < 0? 0: code;
    bool all = !strcmp (which, "all");
    ctl_service_t one = CTL_REGISTRY;
    if (!all && !ctl_service_find (which, &one))
        return ctl_usage_error ("--stream: no service is named '%s' (registry, funding, customs, or all)", which);
    s_follower_t followers [S_PUBLISHERS] = { 0 };
    size_t count = all? S_PUBLISHERS: 1;
    for (size_t i = 0; i < count; i++)
        if (!s_follower_start (&followers [i], all? s_publishers [i]: one, from)) {
            for (size_t j = 0; j <= i; j++)
                s_follower_stop (&followers [j]);
            return CTL_EXIT_USAGE;
        }
    uint32_t printed = 0;
    int64_t quiet_until = 0;            //  --stream all: a stream that cannot be read waits a while
    while (!zsys_interrupted && (max == 0 || printed < max) && code == 0) {
        bool reading = false;
        for (size_t i = 0; i < count && code == 0 && (max == 0 || printed < max); i++) {
            if (followers [i].caught_up || (all && followers [i].warned && zclock_mono () < quiet_until))
                continue;
            code = s_follower_read (&followers [i], max, &printed, all);
            if (all && code) {
                code = 0;               //  that service may start later: the others go on
                quiet_until = zclock_mono () + 5000;
            }
            reading |= !followers [i].caught_up && !followers [i].warned;
        }
        if (reading || code)
            continue;
        zmq_pollitem_t items [S_PUBLISHERS];
        for (size_t i = 0; i < count; i++)
            items [i] = (zmq_pollitem_t) { zsock_resolve (followers [i].subscriber), 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (items, (int) count, 1000) <= 0) {
            for (size_t i = 0; i < count; i++)
                followers [i].caught_up = false;    //  quiet: look for anything the live feed missed
            continue;
        }
        for (size_t i = 0; i < count; i++)
            if (items [i].revents & ZMQ_POLLIN)
                s_follower_live (&followers [i], &printed);
    }
    for (size_t i = 0; i < count; i++)
        s_follower_stop (&followers [i]);
    return code;
}

const ctl_command_t events_commands [] = {
    { "events", "tail", s_events_tail, "print a stream's events from a sequence, then follow" },
    { NULL }
};

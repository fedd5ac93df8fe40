/*  events - hetaoctl events tail: a service's event stream, history then live

    Each service publishes one stream named after it. The tail subscribes
    first, then reads history by sequence, so nothing published in between
    is missed; a gap in the live feed (or a quiet second) is read back.
*/

#include "ctl.h"
#include "ht_json.h"
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

static int
s_events_tail (int argc, char **argv)
{
    ctl_service_t service = CTL_REGISTRY;
    uint32_t from = 0, max = 0;
    const ctl_option_t options [] = {
        { "stream", CTL_SERVICE, &service, .help = "the stream to follow: a service's name (default registry)" },
        { "from-seq", CTL_UINT32, &from, .fallback = "0", .min = 0, .max = 2147483647,
          .help = "print events after this sequence" },
        { "max", CTL_UINT32, &max, .fallback = "0", .min = 0, .max = 2147483647,
          .help = "stop after this many events (0: never)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl events tail [--stream S] [--from-seq N] [--max N]");
    if (code)
        return code < 0? 0: code;
    const char *stream = ctl_service_name (service);
    //  Subscribe first, then read history: nothing published in between is missed.
    zsock_t *subscriber = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (subscriber, 100000);
    zsock_set_maxmsgsize (subscriber, 16 * 1024 * 1024);
    zsock_set_reconnect_ivl_max (subscriber, 5000);
    char topic [80];
    snprintf (topic, sizeof topic, "%s.", stream);
    zsock_set_subscribe (subscriber, topic);
    ht_client_t *client = ctl_client_new (service);
    if (!client || !ht_client_curve (subscriber, ctl.cert, ctl_service_key (service))) {
        ht_client_destroy (&client);
        zsock_destroy (&subscriber);
        return CTL_EXIT_USAGE;
    }
    zsock_connect (subscriber, "%s", ctl_service_events (service));
    uint64_t last = from;
    uint32_t printed = 0;
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
                code = ctl_report (reply);
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

const ctl_command_t events_commands [] = {
    { "events", "tail", s_events_tail, "print a stream's events from a sequence, then follow" },
    { NULL }
};

/*  subscriber - an example partner subscriber of one Hetao event stream

    Subscribes first, then reads what it missed with system.ReadEvents, then
    follows the live feed; any jump in sequence is read back, so it prints
    every event once and in order. Keep `last` durable in a real subscriber.

    subscriber REQUESTS EVENTS SERVER_CERT CLIENT_CERT STREAM [AFTER [COUNT]]

    e.g. subscriber tcp://127.0.0.1:7101 tcp://127.0.0.1:7102 var/keys/registry.key \
             agency.key registry 0 10
    Prints "<stream> <sequence> <type> <aggregate id>" per event.
*/

#include <czmq.h>
#include <inttypes.h>
#include "hetao/v1/envelope.pb-c.h"
#include "hetao/v1/system.pb-c.h"

static void
s_print (const Hetao__V1__Event *event, uint64_t *last, long *count)
{
    printf ("%s %" PRIu64 " %s %s\n", event->stream, event->sequence, event->type,
            event->aggregate_id? event->aggregate_id: "-");
    fflush (stdout);
    *last = event->sequence;
    (*count)--;
}

//  Reads events after *last with system.ReadEvents until none are left. Returns false on failure.
static bool
s_read_back (zsock_t *requests, const char *stream, uint64_t *last, long *count)
{
    while (*count > 0) {
        Hetao__V1__ReadEventsRequest read = HETAO__V1__READ_EVENTS_REQUEST__INIT;
        read.stream = (char *) stream;
        read.has_after_sequence = read.has_limit = true;
        read.after_sequence = *last;
        read.limit = 1000;
        uint8_t payload [256];
        Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
        request.request_id = "example-read";
        request.method = "system.ReadEvents";
        request.has_payload = true;
        request.payload.len = hetao__v1__read_events_request__pack (&read, payload);
        request.payload.data = payload;
        zframe_t *frame = zframe_new (NULL, hetao__v1__request__get_packed_size (&request));
        hetao__v1__request__pack (&request, zframe_data (frame));
        zframe_send (&frame, requests, 0);
        frame = zframe_recv (requests);
        Hetao__V1__Reply *reply = frame? hetao__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame)): NULL;
        zframe_destroy (&frame);
        if (!reply || reply->status != HETAO__V1__STATUS__OK) {
            fprintf (stderr, "subscriber: ReadEvents: %s\n", reply && reply->message? reply->message: "no reply");
            hetao__v1__reply__free_unpacked (reply, NULL);
            return false;
        }
        Hetao__V1__ReadEventsReply *page =
            hetao__v1__read_events_reply__unpack (NULL, reply->payload.len, reply->payload.data);
        hetao__v1__reply__free_unpacked (reply, NULL);
        size_t n = page? page->n_events: 0;
        for (size_t i = 0; i < n && *count > 0; i++)
            s_print (page->events [i], last, count);
        hetao__v1__read_events_reply__free_unpacked (page, NULL);
        if (n < 1000)
            return true;
    }
    return true;
}

int
main (int argc, char **argv)
{
    if (argc < 6) {
        fprintf (stderr, "usage: subscriber REQUESTS EVENTS SERVER_CERT CLIENT_CERT STREAM [AFTER [COUNT]]\n");
        return 2;
    }
    const char *stream = argv [5];
    uint64_t last = argc > 6? strtoull (argv [6], NULL, 10): 0;
    long count = argc > 7? atol (argv [7]): LONG_MAX;
    zcert_t *server = zcert_load (argv [3]);
    zcert_t *client = zcert_load (argv [4]);
    if (!server || !client) {
        fprintf (stderr, "subscriber: cannot read %s or %s\n", argv [3], argv [4]);
        return 2;
    }
    //  Subscribe first, so that nothing published during the read-back is lost.
    zsock_t *events = zsock_new (ZMQ_SUB);
    zsock_t *requests = zsock_new (ZMQ_REQ);
    zsock_t *both [] = { events, requests };
    for (int i = 0; i < 2; i++) {
        zcert_apply (client, both [i]);
        zsock_set_curve_serverkey (both [i], zcert_public_txt (server));
        zsock_set_rcvtimeo (both [i], 10000);
    }
    char topic [64];
    snprintf (topic, sizeof topic, "%s.", stream);
    zsock_set_subscribe (events, topic);
    zsock_connect (events, "%s", argv [2]);
    zsock_connect (requests, "%s", argv [1]);
    int rc = s_read_back (requests, stream, &last, &count)? 0: 1;
    while (rc == 0 && count > 0 && !zsys_interrupted) {
        zmsg_t *message = zmsg_recv (events);
        if (!message) {                     //  quiet for a while: look for what was missed
            rc = s_read_back (requests, stream, &last, &count)? 0: 1;
            continue;
        }
        zframe_t *body = zmsg_last (message);
        Hetao__V1__Event *event = body? hetao__v1__event__unpack (NULL, zframe_size (body), zframe_data (body)): NULL;
        if (event && event->sequence == last + 1)
            s_print (event, &last, &count);
        else
        if (event && event->sequence > last + 1)
            rc = s_read_back (requests, stream, &last, &count)? 0: 1;
        hetao__v1__event__free_unpacked (event, NULL);
        zmsg_destroy (&message);
    }
    zsock_destroy (&events);
    zsock_destroy (&requests);
    zcert_destroy (&server);
    zcert_destroy (&client);
    return rc;
}

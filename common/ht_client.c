/*  ht_client - calls to a Hetao service with deadlines and retries  */

#include "ht_client.h"
#include "ht_fiber.h"
#include "ht_status.h"
#include "ht_text.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_REPLY_BYTES (64 * 1024 * 1024)
//  When every replica refused or dropped the connection in turn, the next
//  round waits this long: the replicas may be restarting.
#define S_ROUND_PAUSE_MS 100

struct _ht_client_t {
    char **endpoints;           //  one per replica
    size_t n_endpoints;
    size_t current;             //  the replica the socket is connected to
    ht_client_options_t options;
    zcert_t *cert;
    zsock_t *socket;
    zsock_t *monitor;           //  connection events of socket, with several replicas
};

bool
ht_client_server_key (const char *key_or_file, char out [41])
{
    out [0] = 0;
    if (!key_or_file)
        return false;
    //  A file first: a path can be 40 characters of the Z85 alphabet too
    //  ("/work/wt/reg-space/var/keys/registry.key" is).
    if (zsys_file_exists (key_or_file)) {
        zcert_t *cert = zcert_load (key_or_file);
        if (cert)
            memcpy (out, zcert_public_txt (cert), 41);
        zcert_destroy (&cert);
        return *out != 0;
    }
    if (strlen (key_or_file) == 40 && zmq_z85_decode ((byte [32]) { 0 }, key_or_file)) {
        memcpy (out, key_or_file, 41);
        return true;
    }
    return false;
}

bool
ht_client_curve (zsock_t *socket, const char *cert_file, const char *server_key)
{
    zcert_t *cert = cert_file? zcert_load (cert_file): NULL;
    if (!cert || !server_key || strlen (server_key) != 40) {
        zcert_destroy (&cert);
        return false;
    }
    zcert_apply (cert, socket);
    zsock_set_curve_serverkey (socket, server_key);
    zcert_destroy (&cert);
    return true;
}

static zsock_t *
s_socket_new (const char *endpoint, zcert_t *cert, const char *server_key)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert (socket);
    //  Queue nothing for a connection that is not up: a request either
    //  reaches a live peer or the attempt times out and is retried.
    zsock_set_immediate (socket, 1);
    //  Pending requests die with the socket (Lazy Pirate discards it).
    zsock_set_linger (socket, 0);
    zsock_set_sndhwm (socket, 1000);
    zsock_set_rcvhwm (socket, 1000);
    zsock_set_maxmsgsize (socket, S_MAX_REPLY_BYTES);
    zsock_set_reconnect_ivl (socket, 100);
    zsock_set_reconnect_ivl_max (socket, 5000);
    zsock_set_heartbeat_ivl (socket, 5000);
    zsock_set_heartbeat_timeout (socket, 15000);
    zsock_set_handshake_ivl (socket, 5000);
    if (cert) {
        zcert_apply (cert, socket);
        zsock_set_curve_serverkey (socket, server_key);
    }
    zsock_connect (socket, "%s", endpoint);
    return socket;
}

//  A fresh socket to the current replica. With several replicas a monitor
//  reports when the connection drops or cannot be made, so the client can
//  move on at once instead of waiting out the attempt.
static void
s_client_connect (ht_client_t *self)
{
    if (self->monitor) {
        zmq_socket_monitor (zsock_resolve (self->socket), NULL, 0);
        zsock_destroy (&self->monitor);
    }
    zsock_destroy (&self->socket);
    self->socket = s_socket_new (self->endpoints [self->current], self->cert, self->options.server_key);
    if (self->n_endpoints < 2)
        return;
    static int s_monitors = 0;
    char address [80];
    snprintf (address, sizeof address, "inproc://ht-client-monitor-%p-%d", (void *) self,
              __atomic_fetch_add (&s_monitors, 1, __ATOMIC_RELAXED));
    if (zmq_socket_monitor (zsock_resolve (self->socket), address,
                            ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED
                          | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                          | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0) {
        self->monitor = zsock_new (ZMQ_PAIR);
        assert (self->monitor);
        zsock_set_linger (self->monitor, 0);
        if (zsock_connect (self->monitor, "%s", address) != 0)
            zsock_destroy (&self->monitor);
    }
}

//  True when the monitor reported the connection lost or refused; drains it.
static bool
s_client_dropped (ht_client_t *self)
{
    bool dropped = false;
    while (self->monitor && (zsock_events (self->monitor) & ZMQ_POLLIN)) {
        zmsg_t *event = zmsg_recv (self->monitor);
        dropped = dropped || event != NULL;
        zmsg_destroy (&event);
    }
    return dropped;
}

ht_client_t *
ht_client_new (const char *endpoint, const ht_client_options_t *options)
{
    ht_client_t *self = calloc (1, sizeof *self);
    assert (self);
    self->endpoints = calloc (strlen (endpoint) / 2 + 2, sizeof (char *));
    assert (self->endpoints);
    char *list = strdup (endpoint), *save = NULL;
    for (char *one = strtok_r (list, ", ", &save); one; one = strtok_r (NULL, ", ", &save))
        self->endpoints [self->n_endpoints++] = strdup (one);
    free (list);
    self->options.deadline_ms = options && options->deadline_ms > 0? options->deadline_ms: 5000;
    self->options.attempts = options && options->attempts > 0? options->attempts: 3;
    if (options && options->cert) {
        self->cert = zcert_load (options->cert);
        if (!self->cert || !options->server_key || strlen (options->server_key) != 40) {
            ht_client_destroy (&self);
            return NULL;
        }
        self->options.server_key = strdup (options->server_key);
    }
    if (self->n_endpoints == 0) {
        ht_client_destroy (&self);
        return NULL;
    }
    //  Clients spread over the replicas by starting at a random one.
    uint32_t random;
    ht_random_bytes (&random, sizeof random);
    self->current = random % self->n_endpoints;
    s_client_connect (self);
    return self;
}

void
ht_client_destroy (ht_client_t **self_p)
{
    ht_client_t *self = *self_p;
    if (self) {
        if (self->monitor)
            zmq_socket_monitor (zsock_resolve (self->socket), NULL, 0);
        zsock_destroy (&self->monitor);
        zsock_destroy (&self->socket);
        zcert_destroy (&self->cert);
        free ((char *) self->options.server_key);
        for (size_t i = 0; i < self->n_endpoints; i++)
            free (self->endpoints [i]);
        free (self->endpoints);
        free (self);
        *self_p = NULL;
    }
}

//  A reply made here, in the same shape as one unpacked from the wire.
static Hetao__V1__Reply *
s_local_reply (const char *request_id, ht_status_t status, const char *message)
{
    Hetao__V1__Reply reply = HETAO__V1__REPLY__INIT;
    reply.request_id = (char *) request_id;
    reply.has_status = true;
    reply.status = (Hetao__V1__Status) status;
    reply.message = (char *) message;
    size_t size = hetao__v1__reply__get_packed_size (&reply);
    uint8_t *buffer = malloc (size);
    hetao__v1__reply__pack (&reply, buffer);
    Hetao__V1__Reply *copy = hetao__v1__reply__unpack (NULL, size, buffer);
    free (buffer);
    return copy;
}

static bool
s_send (zsock_t *socket, const void *frame, size_t size, int timeout_ms)
{
    void *handle = zsock_resolve (socket);
    zsock_set_sndtimeo (socket, timeout_ms);
    return zmq_send (handle, "", 0, ZMQ_SNDMORE) == 0
        && zmq_send (handle, frame, size, 0) == (int) size;
}

//  Waits until `until_us` (monotonic) for one reply; NULL on timeout.
static zmsg_t *
s_receive (zsock_t *socket, int64_t until_us)
{
    int64_t left = until_us - ht_mono_us ();
    if (left <= 0)
        return NULL;
    zmq_pollitem_t item = { zsock_resolve (socket), 0, ZMQ_POLLIN, 0 };
    if (ht_fiber_poll (&item, 1, (long) (left / 1000) + 1) <= 0)
        return NULL;
    return zmsg_recv (socket);
}

typedef enum { S_ANSWERED, S_TIMED_OUT, S_DROPPED } s_outcome_t;

//  Waits until `until_us` for `events` on the socket or for a connection
//  event of the monitor. Returns 1 when the socket is ready, 0 on timeout,
//  -1 when the connection dropped or was refused.
static int
s_client_wait (ht_client_t *self, short events, int64_t until_us)
{
    zmq_pollitem_t items [] = {
        { zsock_resolve (self->socket), 0, events, 0 },
        { self->monitor? zsock_resolve (self->monitor): NULL, 0, ZMQ_POLLIN, 0 }
    };
    while (true) {
        if (s_client_dropped (self))
            return -1;
        int64_t left = until_us - ht_mono_us ();
        if (left <= 0)
            return 0;
        int rc = ht_fiber_poll (items, self->monitor? 2: 1, (long) (left / 1000) + 1);
        if (rc > 0 && (items [0].revents & events))
            return 1;
        if (rc < 0 && errno != EINTR)
            return 0;
    }
}

//  One attempt on the current replica: sends `frame` once it can, then
//  waits for the reply to `request_id` until `until_us`.
static s_outcome_t
s_client_attempt (ht_client_t *self, const uint8_t *frame, size_t size, const char *request_id,
                  int64_t until_us, bool *sent, Hetao__V1__Reply **reply)
{
    //  ZMQ_IMMEDIATE: the socket is writable only once a connection is up.
    int ready = s_client_wait (self, ZMQ_POLLOUT, until_us);
    if (ready <= 0)
        return ready < 0? S_DROPPED: S_TIMED_OUT;
    if (!s_send (self->socket, frame, size, 0))
        return S_TIMED_OUT;
    *sent = true;
    while (true) {
        ready = s_client_wait (self, ZMQ_POLLIN, until_us);
        if (ready <= 0)
            return ready < 0? S_DROPPED: S_TIMED_OUT;
        zmsg_t *msg = zmsg_recv (self->socket);
        zframe_t *body = msg? zmsg_last (msg): NULL;
        Hetao__V1__Reply *candidate = body
            ? hetao__v1__reply__unpack (NULL, zframe_size (body), zframe_data (body)): NULL;
        zmsg_destroy (&msg);
        //  A reply without a request id: the server could not read ours.
        if (candidate && (!candidate->request_id || !strcmp (candidate->request_id, request_id))) {
            *reply = candidate;
            return S_ANSWERED;
        }
        if (candidate)
            hetao__v1__reply__free_unpacked (candidate, NULL);   //  a late reply
    }
}

Hetao__V1__Reply *
ht_client_call_raw (ht_client_t *self, const char *method, const char *idempotency_key,
                    const void *payload, size_t size)
{
    char request_id [37], key [37];
    ht_uuid_v7 (request_id);
    if (!idempotency_key) {
        ht_uuid_v7 (key);
        idempotency_key = key;
    }
    Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.method = (char *) method;
    request.idempotency_key = (char *) idempotency_key;
    request.has_payload = true;
    request.payload.data = (uint8_t *) payload;
    request.payload.len = size;
    size_t frame_size = hetao__v1__request__get_packed_size (&request);
    uint8_t *frame = malloc (frame_size);
    hetao__v1__request__pack (&request, frame);

    //  Attempts that ran out their time count against `attempts`; a replica
    //  that refuses or drops the connection is left at once for the next,
    //  and only a whole round of those makes the client pause.
    int64_t deadline = ht_mono_us () + (int64_t) self->options.deadline_ms * 1000;
    int64_t per_attempt = (int64_t) self->options.deadline_ms * 1000 / self->options.attempts;
    bool sent_once = false;
    Hetao__V1__Reply *reply = NULL;
    int timeouts = 0;
    size_t refusals = 0;
    while (timeouts < self->options.attempts) {
        int64_t now = ht_mono_us ();
        if (now >= deadline)
            break;
        int64_t attempt_end = now + per_attempt;
        if (attempt_end > deadline || timeouts == self->options.attempts - 1)
            attempt_end = deadline;
        s_outcome_t outcome = s_client_attempt (self, frame, frame_size, request_id, attempt_end,
                                                &sent_once, &reply);
        if (outcome == S_ANSWERED)
            break;
        if (outcome == S_DROPPED) {
            int64_t left_ms = (deadline - ht_mono_us ()) / 1000 + 1;
            if (++refusals % self->n_endpoints == 0)
                ht_fiber_sleep ((long) (left_ms < S_ROUND_PAUSE_MS? left_ms: S_ROUND_PAUSE_MS));
        }
        else {
            timeouts++;
            refusals = 0;
        }
        //  Lazy Pirate: a new socket, so nothing of the last attempt is
        //  delivered late, and a fresh connection, to the next replica if any.
        self->current = (self->current + 1) % self->n_endpoints;
        s_client_connect (self);
    }
    free (frame);
    if (!reply) {
        char message [600], endpoints [400] = "";
        for (size_t i = 0; i < self->n_endpoints; i++)
            snprintf (endpoints + strlen (endpoints), sizeof endpoints - strlen (endpoints), "%s%s",
                      i? ",": "", self->endpoints [i]);
        if (sent_once)
            snprintf (message, sizeof message, "no reply from %s within %d ms (%d attempts)",
                      endpoints, self->options.deadline_ms, self->options.attempts);
        else
            snprintf (message, sizeof message, "cannot connect to %s within %d ms: is the service running, "
                      "and is this client's key registered with it?",
                      endpoints, self->options.deadline_ms);
        reply = s_local_reply (request_id, sent_once? HT_DEADLINE_EXCEEDED: HT_UNAVAILABLE, message);
    }
    return reply;
}

const char *
ht_client_endpoint (ht_client_t *self)
{
    return self->endpoints [self->current];
}

Hetao__V1__Reply *
ht_client_call (ht_client_t *self, const char *method, const char *idempotency_key,
                const ProtobufCMessage *request)
{
    size_t size = request? protobuf_c_message_get_packed_size (request): 0;
    uint8_t *payload = malloc (size + 1);
    if (request)
        protobuf_c_message_pack (request, payload);
    Hetao__V1__Reply *reply = ht_client_call_raw (self, method, idempotency_key, payload, size);
    free (payload);
    return reply;
}

void *
ht_client_exchange (ht_client_t *self, const void *frame, size_t size, int timeout_ms,
                    size_t *reply_size)
{
    int64_t until = ht_mono_us () + (int64_t) timeout_ms * 1000;
    if (!s_send (self->socket, frame, size, timeout_ms))
        return NULL;
    zmsg_t *msg = s_receive (self->socket, until);
    if (!msg)
        return NULL;
    zframe_t *body = zmsg_last (msg);
    *reply_size = zframe_size (body);
    void *copy = malloc (*reply_size + 1);
    memcpy (copy, zframe_data (body), *reply_size);
    zmsg_destroy (&msg);
    return copy;
}

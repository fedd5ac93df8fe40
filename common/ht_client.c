/*  ht_client - calls to a Hetao service with deadlines and retries  */

#include "ht_client.h"
#include "ht_status.h"
#include "ht_text.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_REPLY_BYTES (64 * 1024 * 1024)

struct _ht_client_t {
    char *endpoint;
    ht_client_options_t options;
    zcert_t *cert;
    zsock_t *socket;
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

ht_client_t *
ht_client_new (const char *endpoint, const ht_client_options_t *options)
{
    ht_client_t *self = calloc (1, sizeof *self);
    assert (self);
    self->endpoint = strdup (endpoint);
    self->options.deadline_ms = options && options->deadline_ms > 0? options->deadline_ms: 5000;
    self->options.attempts = options && options->attempts > 0? options->attempts: 3;
    if (options && options->cert) {
        self->cert = zcert_load (options->cert);
        if (!self->cert || !options->server_key || strlen (options->server_key) != 40) {
            zcert_destroy (&self->cert);
            free (self->endpoint);
            free (self);
            return NULL;
        }
        self->options.server_key = strdup (options->server_key);
    }
    self->socket = s_socket_new (endpoint, self->cert, self->options.server_key);
    return self;
}

void
ht_client_destroy (ht_client_t **self_p)
{
    ht_client_t *self = *self_p;
    if (self) {
        zsock_destroy (&self->socket);
        zcert_destroy (&self->cert);
        free ((char *) self->options.server_key);
        free (self->endpoint);
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
    if (zmq_poll (&item, 1, (long) (left / 1000) + 1) <= 0)
        return NULL;
    return zmsg_recv (socket);
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

    int64_t deadline = ht_mono_us () + (int64_t) self->options.deadline_ms * 1000;
    int64_t per_attempt = (int64_t) self->options.deadline_ms * 1000 / self->options.attempts;
    bool sent_once = false;
    Hetao__V1__Reply *reply = NULL;
    for (int attempt = 1; attempt <= self->options.attempts && !reply; attempt++) {
        if (attempt > 1) {
            //  Lazy Pirate: a new socket, so nothing of the last attempt is
            //  delivered late, and a fresh connection if the old one hung.
            zsock_destroy (&self->socket);
            self->socket = s_socket_new (self->endpoint, self->cert, self->options.server_key);
        }
        int64_t attempt_end = ht_mono_us () + per_attempt;
        if (attempt_end > deadline || attempt == self->options.attempts)
            attempt_end = deadline;
        int send_ms = (int) ((attempt_end - ht_mono_us ()) / 1000);
        if (send_ms <= 0 || !s_send (self->socket, frame, frame_size, send_ms))
            continue;               //  no connection within this attempt
        sent_once = true;
        zmsg_t *msg;
        while (!reply && (msg = s_receive (self->socket, attempt_end)) != NULL) {
            zframe_t *body = zmsg_last (msg);
            Hetao__V1__Reply *candidate = body
                ? hetao__v1__reply__unpack (NULL, zframe_size (body), zframe_data (body)): NULL;
            zmsg_destroy (&msg);
            if (candidate && candidate->request_id && !strcmp (candidate->request_id, request_id))
                reply = candidate;
            else
            if (candidate && !candidate->request_id) {
                reply = candidate;  //  the server could not read our request id
            }
            else
            if (candidate)
                hetao__v1__reply__free_unpacked (candidate, NULL);   //  a late reply
        }
    }
    free (frame);
    if (!reply) {
        char message [300];
        if (sent_once)
            snprintf (message, sizeof message, "no reply from %s within %d ms (%d attempts)",
                      self->endpoint, self->options.deadline_ms, self->options.attempts);
        else
            snprintf (message, sizeof message, "cannot connect to %s within %d ms: is the service running, "
                      "and is this client's key registered with it?",
                      self->endpoint, self->options.deadline_ms);
        reply = s_local_reply (request_id, sent_once? HT_DEADLINE_EXCEEDED: HT_UNAVAILABLE, message);
    }
    return reply;
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

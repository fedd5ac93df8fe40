/*  ht_client - calls to a Hetao service with deadlines, retries and fail-over

    Each call gets a reply or a status within its deadline. A call that is
    not answered within one attempt's timeout is sent again on a fresh
    socket (the Guide's Lazy Pirate), with the same request id and
    idempotency key: safe, because every mutating method is idempotent.
    Replies to earlier attempts are recognised by request id and dropped.

    A service may run as several replicas: the endpoint is then a
    comma-separated list. A client starts at a random replica (so many
    clients spread over them) and stays with it while it answers; when an
    attempt times out, or its connection drops or is refused, the request
    goes to the next replica at once, still with the same request id and
    idempotency key.
*/
#ifndef HT_CLIENT_H_INCLUDED
#define HT_CLIENT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <czmq.h>
#include <protobuf-c/protobuf-c.h>

#include "hetao/v1/envelope.pb-c.h"

//  The topic of the heartbeat every service publishes on its event socket,
//  a hetao.v1.Heartbeat with each stream's last sequence (docs/protocol.md).
//  Subscribe to it as well as to a stream's prefix to notice a loss early.
#define HT_HEARTBEAT_TOPIC "hetao.heartbeat"

typedef struct _ht_client_t ht_client_t;

typedef struct {
    int deadline_ms;            //  whole call, all attempts; default 5000
    int attempts;               //  at most; default 3
    const char *cert;           //  the client's CURVE certificate file (secret in <file>_secret)
    const char *server_key;     //  the service's CURVE public key, Z85
} ht_client_options_t;

//  A client of the service at `endpoint` (e.g. "tcp://127.0.0.1:7101"), or
//  at any of several replicas ("tcp://10.0.0.1:7101,tcp://10.0.0.2:7101").
//  Without `cert` and `server_key` it connects without CURVE, which every
//  Hetao service refuses: that is for tests of exactly that. NULL when the
//  certificate cannot be loaded or `endpoint` lists none. Caller owns the result.
ht_client_t *ht_client_new (const char *endpoint, const ht_client_options_t *options);
void ht_client_destroy (ht_client_t **self_p);

//  Calls `method` with `request` (may be NULL for an empty payload). For a
//  mutating method, `idempotency_key` must be set; NULL makes a new one per
//  call (retries within the call still share it). Returns the reply, or a
//  reply made here with DEADLINE_EXCEEDED or UNAVAILABLE when the service did
//  not answer. Caller owns the result: free with hetao__v1__reply__free_unpacked.
Hetao__V1__Reply *ht_client_call (ht_client_t *self, const char *method,
                                  const char *idempotency_key, const ProtobufCMessage *request);

//  Same, with a payload that is already serialized (for tests of bad input).
Hetao__V1__Reply *ht_client_call_raw (ht_client_t *self, const char *method,
                                      const char *idempotency_key,
                                      const void *payload, size_t size);

//  Reads a server's public key given as Z85 text or as a certificate file
//  into `out`; false when it is neither.
bool ht_client_server_key (const char *key_or_file, char out [41]);

//  Makes `socket` a CURVE client with `cert` (a certificate file) towards
//  `server_key` (Z85). False when the certificate cannot be loaded.
bool ht_client_curve (zsock_t *socket, const char *cert, const char *server_key);

//  The endpoint the client talks to now (one of those it was given).
const char *ht_client_endpoint (ht_client_t *self);

//  Sends `frame` as the whole request and waits for one reply frame, once,
//  with no retry and no check of what comes back (for tests of bad input).
//  Returns the reply frame's bytes, or NULL on timeout; caller frees.
void *ht_client_exchange (ht_client_t *self, const void *frame, size_t size,
                          int timeout_ms, size_t *reply_size);

#endif

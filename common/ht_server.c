/*  ht_server - the request server every service runs

    One ROUTER socket faces clients; one thread (the loop) reads requests,
    runs them and sends the replies. Each request runs on a worker: a
    fiber (ht_fiber.h) with its own PostgreSQL connection and arena, all
    of them on the loop's thread. A handler is a plain synchronous
    function; when it waits for the database (or another service), its
    fiber hands the thread back to the loop, whose single poll covers the
    request socket and every connection a worker waits on. So a request
    crosses no thread between the socket and the database: no queue under
    a lock, no wake-up of another thread, no context switch of the kernel.

    Requests waiting for a free worker are held in memory, oldest first:
    [client id][delimiter flag][user id][request frames...]. The flag
    remembers whether the client sent the empty delimiter frame of a REQ
    socket, so the reply goes back in the shape the client expects.

    The loop reads requests while fewer than S_PENDING_MAX wait for a
    worker (so a burst waits in ZeroMQ's queues, bounded by the high-water
    marks, not in our memory), and answers system.Health itself, from
    memory, ahead of the queue, so that requests blocked in the database
    never keep a health check waiting. A reply that cannot be sent at once
    (the client reads slowly and its queue is full) is held in bounded
    memory and sent when the client reads again: no reply is dropped
    silently.

    One loop uses one core: a service scales past it with replicas (the
    clients spread requests over them), as it scales past one machine.

    Signals: SIGTERM and SIGINT stop the service: the loop stops reading
    requests, waits until every worker is idle (at most --shutdown-grace-ms),
    then cancels the statements still running (PQcancel), sends the last
    replies and stops the workers and then the relay. SIGHUP re-reads the
    principals file and the log level file. SIGPIPE is ignored (a closed
    log pipe must not kill the service). Every other signal keeps its
    default action, on purpose.
*/

#include "ht_internal.h"
#include "ht_fiber.h"
#include "ht_log.h"
#include "ht_text.h"
#include "ht_config.h"
#include "ht_wire.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define S_MAX_WORKERS       64              //  fibers, each with a database connection
#define S_PENDING_MAX       256             //  requests read, waiting for a worker
#define S_PENDING_BYTES_MAX (16 << 20)
#define S_HELD_PEER_MAX     (8 << 20)       //  reply bytes held for one slow client
#define S_HELD_TOTAL_MAX    (64 << 20)      //  and for all of them
#define S_CANCEL_WAIT_US    3000000         //  after PQcancel, for workers to come back
#define S_HEALTH_METHOD     "system.Health"

static volatile sig_atomic_t s_reload_requested;

static void
s_on_sighup (int signal_number)
{
    (void) signal_number;
    s_reload_requested = 1;
}

extern const ht_migration_t runtime_migrations [];

//  ---------------------------------------------------------------------------
//  Settings

static ht_option_t *
s_options (ht_settings_t *settings, const ht_service_t *service)
{
    static char bind [64], events [64], db [80];
    snprintf (bind, sizeof bind, "tcp://127.0.0.1:%d", service->default_port);
    snprintf (events, sizeof events, "tcp://127.0.0.1:%d", service->default_port + 1);
    snprintf (db, sizeof db, "dbname=hetao_%s", service->name);
    static ht_option_t options [24 + 5 * HT_SOURCES_MAX + 64];
    ht_option_t table [] = {
        { "bind", "HETAO_BIND", HT_OPT_STRING, &settings->bind, bind, 0, 0,
          "ZeroMQ endpoint of the request socket (tcp://*:PORT for all interfaces)" },
        { "events-bind", "HETAO_EVENTS_BIND", HT_OPT_STRING, &settings->events_bind, events, 0, 0,
          "ZeroMQ endpoint of the event PUB socket" },
        { "db", "HETAO_DB", HT_OPT_STRING, &settings->db, db, 0, 0,
          "PostgreSQL connection string or URI of this service's database" },
        { "workers", "HETAO_WORKERS", HT_OPT_INT, &settings->workers, "8", 1, S_MAX_WORKERS,
          "requests run at once, each on a worker with its own database connection" },
        { "log-level", "HETAO_LOG_LEVEL", HT_OPT_STRING, &settings->log_level, "info", 0, 0,
          "debug, info (one line per request), warn, error or off" },
        { "max-request-bytes", "HETAO_MAX_REQUEST_BYTES", HT_OPT_INT, &settings->max_request_bytes,
          "262144", 1024, 16 * 1024 * 1024,
          "larger requests are answered RESOURCE_EXHAUSTED; above 4x this the peer is disconnected" },
        { "relay-poll-ms", "HETAO_RELAY_POLL_MS", HT_OPT_INT, &settings->relay_poll_ms, "100", 5, 10000,
          "how often the relay looks for events committed by other replicas" },
        { "idempotency-ttl-hours", "HETAO_IDEMPOTENCY_TTL_HOURS", HT_OPT_INT,
          &settings->idempotency_ttl_hours, "72", 1, 8760,
          "how long a repeated idempotency key returns the stored reply" },
        { "shutdown-grace-ms", "HETAO_SHUTDOWN_GRACE_MS", HT_OPT_INT, &settings->shutdown_grace_ms,
          "10000", 0, 600000, "on SIGTERM, how long requests in flight may take to finish; then "
          "their statements are cancelled" },
        { "statement-timeout-ms", "HETAO_STATEMENT_TIMEOUT_MS", HT_OPT_INT,
          &settings->statement_timeout_ms, "30000", 0, 3600000,
          "longest a database statement may run (statement_timeout); 0: the server's default" },
        { "lock-timeout-ms", "HETAO_LOCK_TIMEOUT_MS", HT_OPT_INT, &settings->lock_timeout_ms,
          "10000", 0, 3600000,
          "longest a statement may wait for a lock (lock_timeout); 0: the server's default" },
        { "heartbeat-ms", "HETAO_HEARTBEAT_MS", HT_OPT_INT, &settings->heartbeat_ms, "1000", 100, 60000,
          "how often the event socket carries a heartbeat with each stream's last sequence" },
        { "log-level-file", "HETAO_LOG_LEVEL_FILE", HT_OPT_STRING, &settings->log_level_file, NULL, 0, 0,
          "a file holding a log level; read at start and on SIGHUP, it overrides --log-level" },
        { "curve-cert", "HETAO_CURVE_CERT", HT_OPT_STRING, &settings->curve_cert, NULL, 0, 0,
          "the service's CURVE certificate (public part; the secret is in <file>_secret); required" },
        { "principals", "HETAO_PRINCIPALS", HT_OPT_STRING, &settings->principals, NULL, 0, 0,
          "the principals file (client keys, names, organizations, roles); required" },
        { "rate-limit", "HETAO_RATE_LIMIT", HT_OPT_INT, &settings->rate_limit, "2000", 0, 1000000,
          "requests per second per principal (and burst); more get RESOURCE_EXHAUSTED; 0: no limit" },
        { "job-interval-ms", "HETAO_JOB_INTERVAL_MS", HT_OPT_INT, &settings->job_interval_ms, "1000", 10, 600000,
          "how often the service's own jobs (e.g. deadline timers) look for work" },
        { NULL }
    };
    //  Then the settings of every source the consumers name, then the service's own.
    int count = (int) (sizeof table / sizeof table [0]) - 1;
    memcpy (options, table, sizeof table);
    int max = (int) (sizeof options / sizeof options [0]) - 1;
    ht__sources_options (service, settings, options, &count, max);
    if (service->consumers && service->consumers [0])
        options [count++] = (ht_option_t) {
            "test-drop-live", "HETAO_TEST_DROP_LIVE", HT_OPT_INT, &settings->test_drop_live, "0", 0, 1000000,
            "TEST SETTING, never in production: consumers of other services' streams drop every "
            "Nth live event (and heal the gap by reading back); 0: off" };
    for (const ht_option_t *option = service->options; option && option->flag; option++) {
        assert (count < max);
        options [count++] = *option;
    }
    options [count] = (ht_option_t) { NULL };
    return options;
}

//  ---------------------------------------------------------------------------
//  Workers

//  Replies held for one client that is not reading fast enough.
typedef struct {
    zlist_t *replies;               //  zmsg_t: [client id][delimiter flag][reply]
    size_t bytes;
} peer_t;

typedef struct _worker_slot_t worker_slot_t;

typedef struct {
    const ht_shared_t *shared;
    zsock_t *frontend;
    ht_fibers_t *fibers;
    int n_workers;
    worker_slot_t *slots;
    zlist_t *requests;              //  zmsg_t, waiting for a worker, oldest first
    size_t request_bytes;
    int running;                    //  requests a worker took and has not answered yet
    bool stopping;                  //  workers end once idle
    zhash_t *held;                  //  client id (hex) -> peer_t
    size_t held_bytes;
    ht_worker_t health;             //  runs system.Health in the loop, without a database
} loop_t;

struct _worker_slot_t {
    ht_worker_t worker;
    loop_t *loop;
    ht_fiber_t *fiber;
    bool idle;                      //  parked, waiting for a request
    bool opened;                    //  its first connection attempt is over
};

//  A reply for a request the runtime refuses before decoding it.
static zframe_t *
s_refuse (const char *field, const char *message)
{
    Hetao__V1__FieldViolation violation = HETAO__V1__FIELD_VIOLATION__INIT;
    Hetao__V1__FieldViolation *violations [] = { &violation };
    violation.field = (char *) field;
    violation.description = (char *) message;
    Hetao__V1__Reply reply = HETAO__V1__REPLY__INIT;
    reply.has_status = true;
    reply.status = HETAO__V1__STATUS__INVALID_ARGUMENT;
    reply.message = (char *) message;
    reply.violations = violations;
    reply.n_violations = 1;
    zframe_t *frame = zframe_new (NULL, hetao__v1__reply__get_packed_size (&reply));
    hetao__v1__reply__pack (&reply, zframe_data (frame));
    return frame;
}

void
ht__curve_server (const ht_shared_t *shared, zsock_t *socket, const char *domain)
{
    //  The ZAP domain tells the handler which socket a client is joining.
    zsock_set_zap_domain (socket, domain);
    zcert_apply (shared->cert, socket);
    zsock_set_curve_server (socket, 1);
}

//  "<schema>, public" for a service that keeps read models in a schema of
//  their own (ht_service_t.read_model_schema); NULL for the server's default.
static const char *
s_search_path (const ht_service_t *service, char *out, size_t size)
{
    if (!service->read_model_schema)
        return NULL;
    snprintf (out, size, "%s, public", service->read_model_schema);
    return out;
}

void
ht__worker_open (ht_worker_t *worker, const char *role)
{
    const ht_shared_t *shared = worker->shared;
    //  The runtime's statements, then every table of the service's.
    //  Kept in the worker: the connection reads them again when it reconnects.
    const ht_query_t **tables = worker->tables;
    tables [0] = ht__runtime_queries;
    size_t count = 1;
    for (const ht_query_t *const *table = shared->service->queries; table && *table; table++) {
        assert (count < HT_QUERY_TABLES_MAX + 1);
        tables [count++] = *table;
    }
    //  Handlers look up what the service's consumers keep (ht_regview).
    for (const ht_consumer_spec_t *const *spec = shared->service->consumers; spec && *spec; spec++)
        for (const ht_query_t *const *table = (*spec)->queries; table && *table; table++) {
            assert (count < HT_QUERY_TABLES_MAX + 1);
            tables [count++] = *table;
        }
    tables [count] = NULL;
    char name [64];
    snprintf (name, sizeof name, "hetao-%s", shared->service->name);
    worker->db = ht_db_new (shared->settings->db, name, tables);
    ht_db_set_timeouts (worker->db, shared->settings->statement_timeout_ms,
                        shared->settings->lock_timeout_ms);
    char path [128];
    ht_db_set_search_path (worker->db, s_search_path (shared->service, path, sizeof path));
    worker->arena = ht_arena_new ();
    worker->relay_wake = zsock_new (ZMQ_PUSH);
    zsock_set_sndtimeo (worker->relay_wake, 0);     //  a wake-up never blocks a request
    zsock_set_sndhwm (worker->relay_wake, 10);
    zsock_connect (worker->relay_wake, "%s", ht__relay_wake_endpoint (shared->relay));
    if (!ht_db_ready (worker->db))
        ht_warn ("%s: database not ready yet (%s); will retry", role, ht_db_error (worker->db));
}

void
ht__worker_close (ht_worker_t *worker)
{
    zsock_destroy (&worker->relay_wake);
    ht__sources_worker_end (worker);
    ht_arena_destroy (&worker->arena);
    ht_db_destroy (&worker->db);
}

static size_t
s_msg_bytes (zmsg_t *msg)
{
    return zmsg_content_size (msg) + 64;    //  frames and bookkeeping
}

//  ---------------------------------------------------------------------------
//  The loop

static zsock_t *
s_frontend_new (const ht_settings_t *settings)
{
    zsock_t *frontend = zsock_new (ZMQ_ROUTER);
    assert (frontend);
    //  Report replies to vanished or full clients instead of dropping them silently.
    zsock_set_router_mandatory (frontend, 1);
    //  Per-client queues: a client with 1000 requests outstanding waits.
    zsock_set_rcvhwm (frontend, 1000);
    zsock_set_sndhwm (frontend, 1000);
    //  Hard cap: protobuf-c has no size limit of its own. Frames between the
    //  soft limit and this get a RESOURCE_EXHAUSTED reply; above it the peer
    //  is disconnected before anything is buffered.
    //  libzmq measures the CURVE MESSAGE command, which is the request plus
    //  33 bytes ("\x07MESSAGE", an 8-byte nonce, a flags byte, a 16-byte MAC):
    //  so the cap applies to the request itself, exactly.
    zsock_set_maxmsgsize (frontend, (int64_t) settings->max_request_bytes * 4 + 33);
    //  Give the last replies time to leave on shutdown, but never hang.
    zsock_set_linger (frontend, 2000);
    zsock_set_heartbeat_ivl (frontend, 5000);
    zsock_set_heartbeat_timeout (frontend, 15000);
    zsock_set_handshake_ivl (frontend, 5000);
    zsock_set_tcp_keepalive (frontend, 1);
    return frontend;
}

//  Sends [client id][delimiter flag][reply] without ever blocking the
//  loop: 0 when sent, else the errno (EAGAIN: the client's queue is full;
//  EHOSTUNREACH: the client is gone). Destroys `msg` only when sent.
static int
s_reply_try (loop_t *self, zmsg_t *msg)
{
    zframe_t *client = zmsg_first (msg);
    zframe_t *flag = zmsg_next (msg);
    zframe_t *reply = zmsg_next (msg);
    void *socket = zsock_resolve (self->frontend);
    bool delimiter = flag && zframe_size (flag) == 1 && zframe_data (flag) [0] == 1;
    //  The first frame decides: once it is accepted, the rest of the
    //  message always is (libzmq checks the high-water mark per message).
    if (zmq_send (socket, zframe_data (client), zframe_size (client), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno ();
    if (delimiter)
        zmq_send (socket, "", 0, ZMQ_SNDMORE);
    zmq_send (socket, zframe_data (reply), zframe_size (reply), 0);
    zmsg_destroy (&msg);
    return 0;
}

static void
s_peer_destroy (void *item)
{
    peer_t *peer = item;
    zmsg_t *msg;
    while ((msg = zlist_pop (peer->replies)))
        zmsg_destroy (&msg);
    zlist_destroy (&peer->replies);
    free (peer);
}

//  Sends a reply, or holds it while the client's queue is full. Beyond the
//  bounds on held memory the reply is dropped, loudly.
static void
s_reply_deliver (loop_t *self, zmsg_t *msg)
{
    //  The client's key is needed only when some reply is held: most of the
    //  time none is, and the reply leaves without a lookup.
    char *key = zhash_size (self->held)? zframe_strhex (zmsg_first (msg)): NULL;
    peer_t *peer = key? zhash_lookup (self->held, key): NULL;
    int error = peer? EAGAIN: s_reply_try (self, msg);
    if (error == EAGAIN && !key)
        key = zframe_strhex (zmsg_first (msg));
    if (error == EAGAIN) {
        size_t bytes = s_msg_bytes (msg);
        if ((peer? peer->bytes: 0) + bytes > S_HELD_PEER_MAX || self->held_bytes + bytes > S_HELD_TOTAL_MAX) {
            ht_error ("reply dropped: client %.16s leaves %zu bytes of replies unread (limit %d per "
                      "client, %d in all)", key, peer? peer->bytes: 0, S_HELD_PEER_MAX, S_HELD_TOTAL_MAX);
            zmsg_destroy (&msg);
        }
        else {
            if (!peer) {
                peer = calloc (1, sizeof *peer);
                assert (peer);
                peer->replies = zlist_new ();
                zhash_insert (self->held, key, peer);
                zhash_freefn (self->held, key, s_peer_destroy);
            }
            zlist_append (peer->replies, msg);
            peer->bytes += bytes;
            self->held_bytes += bytes;
        }
    }
    else
    if (error) {
        ht_warn ("reply dropped: %s (client gone)", zmq_strerror (error));
        zmsg_destroy (&msg);
    }
    zstr_free (&key);
}

//  Sends what can be sent of the held replies.
static void
s_held_flush (loop_t *self)
{
    zlist_t *keys = zhash_keys (self->held);
    for (const char *key = zlist_first (keys); key; key = zlist_next (keys)) {
        peer_t *peer = zhash_lookup (self->held, key);
        zmsg_t *msg;
        int error = 0;
        while ((msg = zlist_first (peer->replies))) {
            size_t bytes = s_msg_bytes (msg);
            error = s_reply_try (self, msg);
            if (error)
                break;
            zlist_pop (peer->replies);
            peer->bytes -= bytes;
            self->held_bytes -= bytes;
        }
        if (error && error != EAGAIN) {
            ht_warn ("%zu held replies dropped: %s (client gone)", zlist_size (peer->replies),
                     zmq_strerror (error));
            self->held_bytes -= peer->bytes;
            zhash_delete (self->held, key);
        }
        else
        if (zlist_size (peer->replies) == 0)
            zhash_delete (self->held, key);
    }
    zlist_destroy (&keys);
}

//  True while fewer than S_PENDING_MAX requests (S_PENDING_BYTES_MAX) wait
//  for a worker: the loop reads from clients only then.
static bool
s_room (loop_t *self)
{
    return zlist_size (self->requests) < S_PENDING_MAX && self->request_bytes < S_PENDING_BYTES_MAX;
}

//  Queues a request for the workers, oldest first, and wakes one idle
//  worker; it runs at the loop's next ht_fibers_run.
static void
s_queue (loop_t *self, zmsg_t *msg)
{
    self->request_bytes += s_msg_bytes (msg);
    zlist_append (self->requests, msg);
    for (int i = 0; i < self->n_workers; i++)
        if (self->slots [i].idle) {
            self->slots [i].idle = false;
            ht_fiber_wake (self->slots [i].fiber);
            break;
        }
}

//  A worker: takes the oldest request, runs it and sends its reply, until
//  the service stops.
static void
s_worker_fiber (void *args)
{
    worker_slot_t *slot = args;
    loop_t *loop = slot->loop;
    ht_worker_t *worker = &slot->worker;
    ht__worker_open (worker, "worker");
    slot->opened = true;
    while (true) {
        while (!loop->stopping && zlist_size (loop->requests) == 0) {
            slot->idle = true;
            ht_fiber_park ();
        }
        slot->idle = false;
        if (loop->stopping)
            break;                  //  only once every request was answered
        zmsg_t *request = zlist_pop (loop->requests);
        loop->request_bytes -= s_msg_bytes (request);
        loop->running++;
        zframe_t *client = zmsg_pop (request);
        zframe_t *flag = zmsg_pop (request);
        char *user_id = zmsg_popstr (request);
        zframe_t *reply;
        if (zmsg_size (request) == 1) {
            zframe_t *body = zmsg_first (request);
            reply = ht__call_handle (worker, *user_id? user_id: NULL, zframe_data (body), zframe_size (body));
        }
        else
            reply = s_refuse ("request", "a request is exactly one frame holding a hetao.v1.Request");
        zmsg_destroy (&request);
        zstr_free (&user_id);
        zmsg_t *out = zmsg_new ();
        zmsg_append (out, &client);
        zmsg_append (out, &flag);
        zmsg_append (out, &reply);
        s_reply_deliver (loop, out);
        loop->running--;
    }
    ht__worker_close (worker);
}

static void
s_from_client (loop_t *self)
{
    zmsg_t *msg = zmsg_recv (self->frontend);
    if (!msg)
        return;
    zframe_t *client = zmsg_pop (msg);
    //  A REQ client (and a DEALER that imitates one) puts an empty frame first.
    byte delimiter = 0;
    zframe_t *first = zmsg_first (msg);
    if (zmsg_size (msg) > 1 && zframe_size (first) == 0) {
        delimiter = 1;
        zframe_t *empty = zmsg_pop (msg);
        zframe_destroy (&empty);
    }
    //  The key the CURVE handshake proved, as the ZAP handler named it.
    const char *meta = zframe_meta (zmsg_first (msg), "User-Id");
    char *user_id = strdup (meta? meta: "");
    zframe_t *body = zmsg_first (msg);
    if (zmsg_size (msg) == 1
    &&  zframe_size (body) <= (size_t) self->shared->settings->max_request_bytes
    &&  ht_wire_field_equals (zframe_data (body), zframe_size (body), 2, S_HEALTH_METHOD)) {
        //  Health needs no database: answered here, ahead of any queue.
        zframe_t *reply = ht__call_handle (&self->health, *user_id? user_id: NULL,
                                           zframe_data (body), zframe_size (body));
        zmsg_t *out = zmsg_new ();
        zmsg_append (out, &client);
        zmsg_addmem (out, &delimiter, 1);
        zmsg_append (out, &reply);
        s_reply_deliver (self, out);
        zmsg_destroy (&msg);
    }
    else {
        zmsg_pushstr (msg, user_id);
        zmsg_pushmem (msg, &delimiter, 1);
        zmsg_prepend (msg, &client);
        s_queue (self, msg);
    }
    free (user_id);
}

//  SIGHUP: the principals file and the log level, read again.
static void
s_reload (const ht_settings_t *settings, ht_principals_t *principals)
{
    ht_info ("SIGHUP: reloading the principals and the log level");
    ht_principals_reload (principals);
    if (settings->log_level_file) {
        char word [32] = "";
        FILE *file = fopen (settings->log_level_file, "r");
        int level = -1;
        if (file && fscanf (file, "%31s", word) == 1)
            level = ht_log_level_parse (word);
        if (file)
            fclose (file);
        if (level < 0)
            ht_error ("log level file %s: '%s' is not debug, info, warn, error or off; level unchanged",
                      settings->log_level_file, word);
        else {
            ht_log_set_level ((ht_log_level_t) level);
            //  Written whatever the new level: the operator asked for it.
            ht_log_write (HT_LOG_INFO, NULL, "log level is now %s", word);
        }
    }
}

static int
s_busy (loop_t *self)
{
    return self->running + (int) zlist_size (self->requests);
}

//  Polls the request socket and what the workers wait for, once, for up
//  to `timeout_ms`, and handles what came.
static void
s_loop_poll (loop_t *self, bool read_clients, int timeout_ms)
{
    zmq_pollitem_t items [] = {
        { zsock_resolve (self->frontend), 0, ZMQ_POLLIN, 0 }
    };
    if (self->held_bytes > 0 && timeout_ms > 10)
        timeout_ms = 10;            //  held replies are retried often
    //  Runs the workers whose database answered; they send their replies.
    if (ht_fibers_poll (self->fibers, items, read_clients? 1: 0, timeout_ms) < 0)
        return;                     //  EINTR: a signal; the caller looks
    //  Under load, take everything that is waiting in one wake-up: each
    //  poll is a system call.
    if (read_clients && items [0].revents & ZMQ_POLLIN) {
        do
            s_from_client (self);
        while (s_room (self) && (zsock_events (self->frontend) & ZMQ_POLLIN));
        ht_fibers_run (self->fibers);
    }
    if (self->held_bytes > 0)
        s_held_flush (self);
}

static void
s_loop_run (loop_t *self, const ht_settings_t *settings)
{
    while (!zsys_interrupted) {
        if (s_reload_requested) {
            s_reload_requested = 0;
            s_reload (settings, self->shared->principals);
        }
        s_loop_poll (self, s_room (self), 100);
    }
    //  Requests already read are finished too: their clients wait for them.
    int64_t give_up = ht_mono_us () + (int64_t) settings->shutdown_grace_ms * 1000;
    ht_info ("shutting down: finishing %d request(s) in flight", s_busy (self));
    while (s_busy (self) > 0 && ht_mono_us () < give_up)
        s_loop_poll (self, false, 100);
    if (s_busy (self) > 0) {
        ht_warn ("shutdown grace period over with %d request(s) unfinished: cancelling their statements",
                 s_busy (self));
        //  Requests not started get no reply: their clients retry elsewhere.
        zmsg_t *msg;
        while ((msg = zlist_pop (self->requests)))
            zmsg_destroy (&msg);
        self->request_bytes = 0;
        for (int i = 0; i < self->n_workers; i++)
            ht_db_cancel (self->slots [i].worker.db);
        give_up = ht_mono_us () + S_CANCEL_WAIT_US;
        while (s_busy (self) > 0 && ht_mono_us () < give_up)
            s_loop_poll (self, false, 100);
        if (s_busy (self) > 0) {
            //  A worker stuck outside the database (a network that does not
            //  answer the cancel): waiting for it would make shutdown unbounded.
            ht_error ("%d worker(s) did not stop after their statements were cancelled; exiting "
                      "without them", s_busy (self));
            _exit (1);
        }
    }
    //  The last held replies get one more chance, within the ROUTER's linger.
    give_up = ht_mono_us () + 1000000;
    while (self->held_bytes > 0 && ht_mono_us () < give_up)
        s_loop_poll (self, false, 10);
}

//  ---------------------------------------------------------------------------
//  main

//  Makes the schema of the service's read models, on the migration
//  connection, under the migration lock. A database whose read models were
//  made in public before they had a schema gets them made anew in it (the
//  service's migrations run again there) and replayed from the start of
//  every stream (its checkpoints are reset); the old tables in public are
//  no longer read.
static bool
s_read_model_schema (ht_db_t *db, const ht_service_t *service, char *error, size_t error_size)
{
    PGconn *conn = ht_db_conn (db);
    char *schema = PQescapeIdentifier (conn, service->read_model_schema, strlen (service->read_model_schema));
    char create [160];
    snprintf (create, sizeof create, "CREATE SCHEMA %s", schema? schema: "");
    PQfreemem (schema);
    const char *name [] = { service->read_model_schema };
    const char *component [] = { service->name };
    PGresult *results [6] = { NULL };
    results [0] = PQexec (conn, "BEGIN; SELECT pg_advisory_xact_lock (hashtext ('hetao.migrate'))");
    results [1] = PQexecParams (conn, "SELECT to_regnamespace ($1) IS NULL", 1, NULL, name, NULL, NULL, 0);
    bool ok = ht_db_ok (results [0]) && ht_db_ok (results [1]);
    if (ok && !strcmp (PQgetvalue (results [1], 0, 0), "t")) {
        results [2] = PQexec (conn, create);
        results [3] = PQexecParams (conn, "DELETE FROM ht_migration WHERE component = $1", 1, NULL, component,
                                    NULL, NULL, 0);
        ok = ht_db_ok (results [2]) && ht_db_ok (results [3]);
        if (ok && strcmp (PQcmdTuples (results [3]), "0")) {
            ht_warn ("the read models of %s were kept in public: making them anew in schema %s, "
                     "from the start of every stream", service->name, service->read_model_schema);
            for (const ht_consumer_spec_t *const *spec = service->consumers; ok && spec && *spec; spec++) {
                const char *stream [] = { (*spec)->stream };
                PGresult *reset = PQexecParams (conn, "DELETE FROM ht_checkpoint WHERE stream = $1", 1, NULL,
                                                stream, NULL, NULL, 0);
                ok = ht_db_ok (reset);
                if (!ok)
                    snprintf (error, error_size, "resetting checkpoint %s: %s", (*spec)->stream,
                              PQresultErrorMessage (reset));
                PQclear (reset);
            }
        }
    }
    results [4] = PQexec (conn, ok? "COMMIT": "ROLLBACK");
    ok = ok && ht_db_ok (results [4]);
    for (int i = 0; i < 6; i++) {
        if (!ok && !*error && results [i] && !ht_db_ok (results [i]))
            snprintf (error, error_size, "schema %s: %s", service->read_model_schema,
                      PQresultErrorMessage (results [i]));
        PQclear (results [i]);
    }
    if (!ok && !*error)
        snprintf (error, error_size, "schema %s: %s", service->read_model_schema, PQerrorMessage (conn));
    return ok;
}

static bool
s_migrate (const ht_service_t *service, const ht_settings_t *settings)
{
    char name [64];
    snprintf (name, sizeof name, "hetao-%s-migrate", service->name);
    ht_db_t *db = ht_db_new (settings->db, name, NULL);
    bool ok = ht_db_wait_ready (db, 30000);
    char error [1024] = "";
    char path [128];
    if (!ok)
        ht_error ("cannot reach the database: %s", ht_db_error (db));
    else
        ok = ht_db_migrate (db, "runtime", runtime_migrations, error, sizeof error);
    //  The service's own tables; read models in their schema (ht_rebuild.h).
    if (ok && s_search_path (service, path, sizeof path))
        ok = s_read_model_schema (db, service, error, sizeof error)
          && ht_db_migrate_in (db, service->name, service->migrations, path, error, sizeof error);
    else
    if (ok)
        ok = ht_db_migrate (db, service->name, service->migrations, error, sizeof error);
    //  The tables the consumers apply events to (ht_regview's "regview").
    for (const ht_consumer_spec_t *const *spec = service->consumers; ok && spec && *spec; spec++)
        if ((*spec)->component)
            ok = ht_db_migrate (db, (*spec)->component, (*spec)->migrations, error, sizeof error);
    if (!ok && *error)
        ht_error ("%s", error);
    ht_db_destroy (&db);
    return ok;
}

int
ht_service_main (const ht_service_t *service, int argc, char **argv)
{
    ht_settings_t settings = { 0 };
    ht_option_t *options = s_options (&settings, service);
    char error [256];
    char usage [160];
    snprintf (usage, sizeof usage, "Usage: hetao-%s [options]\n\nThe Hetao Park %s service.",
              service->name, service->name);
    switch (ht_config_parse (options, argc, argv, 1, NULL, 0, NULL, error, sizeof error)) {
        case HT_CONFIG_HELP:
            ht_config_usage (usage, options);
            return 0;
        case HT_CONFIG_ERROR:
            fprintf (stderr, "hetao-%s: %s\n", service->name, error);
            return 2;
        case HT_CONFIG_OK:
            break;
    }
    int level = ht_log_level_parse (settings.log_level);
    if (level < 0) {
        fprintf (stderr, "hetao-%s: --log-level: '%s' is not debug, info, warn, error or off\n",
                 service->name, settings.log_level);
        return 2;
    }
    ht_log_init (service->name, (ht_log_level_t) level);

    //  Secure by default: there is no way to run without CURVE.
    if (!settings.curve_cert || !settings.principals) {
        fprintf (stderr, "hetao-%s: --curve-cert and --principals are required "
                 "(make keys with `hetaoctl keys gen`; see docs/security.md)\n", service->name);
        return 2;
    }
    if (!ht__sources_resolve (&settings, error, sizeof error)) {
        fprintf (stderr, "hetao-%s: %s\n", service->name, error);
        return 2;
    }
    ht_shared_t shared = { service, &settings, NULL, NULL, NULL, ht_mono_us () };
    shared.principals = ht_principals_new (settings.principals, error, sizeof error);
    if (!shared.principals) {
        fprintf (stderr, "hetao-%s: %s\n", service->name, error);
        return 2;
    }
    shared.cert = zcert_load (settings.curve_cert);
    if (!shared.cert || zmq_z85_decode ((byte [32]) { 0 }, zcert_secret_txt (shared.cert)) == NULL
    ||  !strcmp (zcert_secret_txt (shared.cert), "0000000000000000000000000000000000000000")) {
        fprintf (stderr, "hetao-%s: cannot load the CURVE certificate %s with its secret %s_secret\n",
                 service->name, settings.curve_cert, settings.curve_cert);
        zcert_destroy (&shared.cert);
        ht_principals_destroy (&shared.principals);
        return 2;
    }

    //  CZMQ's signal handler sets zsys_interrupted on SIGINT and SIGTERM.
    zsys_init ();
    zsys_set_logstream (NULL);
    //  A closed stderr pipe must not kill the service at its next log line
    //  (write then fails with EPIPE, which logging ignores).
    signal (SIGPIPE, SIG_IGN);
    struct sigaction hup = { .sa_handler = s_on_sighup };
    sigemptyset (&hup.sa_mask);
    sigaction (SIGHUP, &hup, NULL);
    if (settings.log_level_file)
        s_reload (&settings, shared.principals);
    //  Every connection is a descriptor: take all the kernel allows.
    struct rlimit files;
    if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        rlim_t before = files.rlim_cur;
        files.rlim_cur = files.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &files) == 0)
            ht_info ("open file limit raised from %llu to %llu", (unsigned long long) before,
                     (unsigned long long) files.rlim_max);
    }
    //  The ZAP handler runs before any socket binds: without it libzmq
    //  would admit every client that knows our public key.
    ht_zap_t *zap = ht_zap_new (shared.principals);
    if (!zap || !s_migrate (service, &settings)) {
        ht_zap_destroy (&zap);
        return 1;
    }
    shared.relay = ht__relay_new (&shared);
    if (!shared.relay) {
        ht_zap_destroy (&zap);
        return 1;
    }

    //  Followers of other services' streams, after the migrations made their tables.
    ht_consumer_t *consumers [HT_SOURCES_MAX * 4] = { NULL };
    int n_consumers = 0;
    char consumer_name [64], consumer_path [128];
    snprintf (consumer_name, sizeof consumer_name, "hetao-%s-consumer", service->name);
    for (const ht_consumer_spec_t *const *spec = service->consumers; spec && *spec; spec++) {
        const ht_source_settings_t *source = ht__source_find (&settings, (*spec)->source->name);
        ht_consumer_config_t config = {
            .db = settings.db, .application_name = consumer_name,
            .endpoint = source->endpoint, .events = source->events,
            .cert = settings.curve_cert, .server_key = source->server_key,
            .deadline_ms = source->deadline_ms, .poll_ms = source->poll_ms,
            .drop_live = settings.test_drop_live,
            .search_path = s_search_path (service, consumer_path, sizeof consumer_path)
        };
        assert (n_consumers < (int) (sizeof consumers / sizeof consumers [0]));
        consumers [n_consumers++] = ht_consumer_new (*spec, &config);
    }

    ht_jobs_t *jobs = ht__jobs_new (&shared);
    loop_t loop = { .shared = &shared, .n_workers = settings.workers };
    loop.requests = zlist_new ();
    loop.fibers = ht_fibers_new ();
    loop.held = zhash_new ();
    loop.health.shared = &shared;
    loop.health.arena = ht_arena_new ();
    loop.frontend = s_frontend_new (&settings);
    ht__curve_server (&shared, loop.frontend, HT_ZAP_REQUESTS);

    int exit_code = 0;
    worker_slot_t *slots = calloc ((size_t) settings.workers, sizeof *slots);
    assert (slots);
    loop.slots = slots;
    for (int i = 0; i < settings.workers; i++) {
        slots [i].worker.shared = &shared;
        slots [i].loop = &loop;
        slots [i].fiber = ht_fiber_start (loop.fibers, s_worker_fiber, &slots [i]);
    }
    //  The workers connect to the database side by side; the socket is
    //  bound once each has made its first attempt, so that a service that
    //  answers is one that has tried its database.
    for (int i = 0; i < settings.workers && !zsys_interrupted; i++)
        while (!slots [i].opened && !zsys_interrupted)
            ht_fibers_poll (loop.fibers, NULL, 0, 100);
    if (zsock_bind (loop.frontend, "%s", settings.bind) < 0) {
        ht_error ("cannot bind request socket to %s: %s", settings.bind, zmq_strerror (zmq_errno ()));
        exit_code = 1;
    }
    else {
        ht_info ("ready: requests on %s, events on %s, %d workers, version %s, CURVE public key %s",
                 settings.bind, settings.events_bind, settings.workers, HT_VERSION,
                 zcert_public_txt (shared.cert));
        s_loop_run (&loop, &settings);
    }
    //  Every worker is idle now (or the process has exited): wake them to
    //  stop; each closes its connection, which may wait for the server.
    loop.stopping = true;
    for (int i = 0; i < settings.workers; i++)
        ht_fiber_wake (slots [i].fiber);
    while (ht_fibers_live (loop.fibers) > 0)
        ht_fibers_poll (loop.fibers, NULL, 0, 100);
    free (slots);
    ht__rebuild_stop ();
    for (int i = 0; i < n_consumers; i++)
        ht_consumer_destroy (&consumers [i]);
    ht__jobs_destroy (&jobs);
    zmsg_t *left;
    while ((left = zlist_pop (loop.requests)))
        zmsg_destroy (&left);
    zlist_destroy (&loop.requests);
    ht_fibers_destroy (&loop.fibers);
    zhash_destroy (&loop.held);
    ht_arena_destroy (&loop.health.arena);
    zsock_destroy (&loop.frontend);
    ht__relay_destroy (&shared.relay);
    ht_zap_destroy (&zap);
    zcert_destroy (&shared.cert);
    ht_principals_destroy (&shared.principals);
    ht_info ("stopped");
    return exit_code;
}

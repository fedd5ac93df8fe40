/*  ht_server - the request server every service runs

    One ROUTER socket faces clients. The broker (the main thread) hands each
    request to an idle worker over inproc and sends the worker's reply back;
    it reads from clients only while a worker is idle, so a burst waits in
    ZeroMQ's queues (bounded by the high-water marks), not in our memory.
    Each worker is a thread with its own PostgreSQL connection and arena.

    Frames on the inproc hop, broker to worker: [client id][delimiter flag]
    [request frames...]; worker to broker: [client id][delimiter flag][reply].
    The flag remembers whether the client sent the empty delimiter frame of
    a REQ socket, so the reply goes back in the shape the client expects.

    On SIGTERM or SIGINT the broker stops reading requests, waits until every
    worker is idle (at most --shutdown-grace-ms), sends the last replies and
    stops the workers and then the relay.
*/

#include "ht_internal.h"
#include "ht_log.h"
#include "ht_text.h"
#include "ht_config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_WORKERS 64

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
    static ht_option_t options [16 + 5 * HT_SOURCES_MAX + 64];
    ht_option_t table [] = {
        { "bind", "HETAO_BIND", HT_OPT_STRING, &settings->bind, bind, 0, 0,
          "ZeroMQ endpoint of the request socket (tcp://*:PORT for all interfaces)" },
        { "events-bind", "HETAO_EVENTS_BIND", HT_OPT_STRING, &settings->events_bind, events, 0, 0,
          "ZeroMQ endpoint of the event PUB socket" },
        { "db", "HETAO_DB", HT_OPT_STRING, &settings->db, db, 0, 0,
          "PostgreSQL connection string or URI of this service's database" },
        { "workers", "HETAO_WORKERS", HT_OPT_INT, &settings->workers, "8", 1, S_MAX_WORKERS,
          "worker threads, each with its own database connection" },
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
          "10000", 0, 600000, "on SIGTERM, how long requests in flight may take to finish" },
        { "curve-cert", "HETAO_CURVE_CERT", HT_OPT_STRING, &settings->curve_cert, NULL, 0, 0,
          "the service's CURVE certificate (public part; the secret is in <file>_secret); required" },
        { "principals", "HETAO_PRINCIPALS", HT_OPT_STRING, &settings->principals, NULL, 0, 0,
          "the principals file (client keys, names, organizations, roles); required" },
        { "rate-limit", "HETAO_RATE_LIMIT", HT_OPT_INT, &settings->rate_limit, "2000", 0, 1000000,
          "requests per second per principal (and burst); more get RESOURCE_EXHAUSTED; 0: no limit" },
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

typedef struct {
    ht_worker_t worker;
    const char *backend;
    zactor_t *actor;
} worker_slot_t;

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

static void
s_worker_actor (zsock_t *pipe, void *args)
{
    worker_slot_t *slot = args;
    ht_worker_t *worker = &slot->worker;
    const ht_shared_t *shared = worker->shared;
    //  The runtime's statements, then every table of the service's.
    const ht_query_t *tables [HT_QUERY_TABLES_MAX + 2] = { ht__runtime_queries };
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
    worker->arena = ht_arena_new ();
    worker->relay_wake = zsock_new (ZMQ_PUSH);
    zsock_set_sndtimeo (worker->relay_wake, 0);     //  a wake-up never blocks a request
    zsock_set_sndhwm (worker->relay_wake, 10);
    zsock_connect (worker->relay_wake, "%s", ht__relay_wake_endpoint (shared->relay));
    if (!ht_db_ready (worker->db))
        ht_warn ("worker: database not ready yet (%s); will retry per request",
                 ht_db_error (worker->db));

    zsock_t *backend = zsock_new (ZMQ_DEALER);
    zsock_connect (backend, "%s", slot->backend);
    zpoller_t *poller = zpoller_new (pipe, backend, NULL);
    //  A signal stops the broker, which stops us once we are idle.
    zpoller_set_nonstop (poller, true);
    zsock_signal (pipe, 0);
    zstr_send (backend, "READY");

    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == pipe)
            break;                  //  $TERM
        if (which != backend)
            continue;
        zmsg_t *request = zmsg_recv (backend);
        if (!request)
            continue;
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
        zmsg_send (&out, backend);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&backend);
    zsock_destroy (&worker->relay_wake);
    ht__sources_worker_end (worker);
    ht_arena_destroy (&worker->arena);
    ht_db_destroy (&worker->db);
}

//  ---------------------------------------------------------------------------
//  Broker

typedef struct {
    zsock_t *frontend, *backend;
    zframe_t *idle [S_MAX_WORKERS];     //  routing ids of idle workers
    int n_idle, n_workers;
} broker_t;

static zsock_t *
s_frontend_new (const ht_settings_t *settings)
{
    zsock_t *frontend = zsock_new (ZMQ_ROUTER);
    assert (frontend);
    //  Report replies to vanished clients instead of dropping them silently.
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

//  Sends a reply to a client without ever blocking the broker.
static void
s_reply_send (broker_t *self, zmsg_t *msg)
{
    zframe_t *client = zmsg_pop (msg);
    zframe_t *flag = zmsg_pop (msg);
    zframe_t *reply = zmsg_pop (msg);
    void *socket = zsock_resolve (self->frontend);
    bool delimiter = flag && zframe_size (flag) == 1 && zframe_data (flag) [0] == 1;
    int rc = client && reply
        ? zmq_send (socket, zframe_data (client), zframe_size (client), ZMQ_SNDMORE | ZMQ_DONTWAIT)
        : -1;
    if (rc >= 0 && delimiter)
        rc = zmq_send (socket, "", 0, ZMQ_SNDMORE);
    if (rc >= 0)
        rc = zmq_send (socket, zframe_data (reply), zframe_size (reply), 0);
    if (rc < 0)
        ht_warn ("reply dropped: %s (client gone or not reading)", zmq_strerror (zmq_errno ()));
    zframe_destroy (&client);
    zframe_destroy (&flag);
    zframe_destroy (&reply);
}

static void
s_from_worker (broker_t *self)
{
    zmsg_t *msg = zmsg_recv (self->backend);
    if (!msg)
        return;
    assert (self->n_idle < self->n_workers);
    self->idle [self->n_idle++] = zmsg_pop (msg);
    if (zmsg_size (msg) == 3)
        s_reply_send (self, msg);
    //  else: the worker's READY
    zmsg_destroy (&msg);
}

static void
s_from_client (broker_t *self)
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
    const char *user_id = zframe_meta (zmsg_first (msg), "User-Id");
    zmsg_pushstr (msg, user_id? user_id: "");
    zmsg_pushmem (msg, &delimiter, 1);
    zmsg_prepend (msg, &client);
    zframe_t *worker = self->idle [--self->n_idle];
    zmsg_prepend (msg, &worker);
    zmsg_send (&msg, self->backend);
    zmsg_destroy (&msg);
}

static void
s_broker_run (broker_t *self, const ht_settings_t *settings)
{
    bool stopping = false;
    int64_t give_up = 0;
    while (true) {
        if (zsys_interrupted && !stopping) {
            stopping = true;
            give_up = ht_mono_us () + (int64_t) settings->shutdown_grace_ms * 1000;
            ht_info ("shutting down: finishing %d request(s) in flight", self->n_workers - self->n_idle);
        }
        if (stopping && self->n_idle == self->n_workers)
            break;
        if (stopping && ht_mono_us () > give_up) {
            ht_warn ("shutdown grace period over with %d request(s) unfinished",
                     self->n_workers - self->n_idle);
            break;
        }
        zmq_pollitem_t items [] = {
            { zsock_resolve (self->backend), 0, ZMQ_POLLIN, 0 },
            { zsock_resolve (self->frontend), 0, ZMQ_POLLIN, 0 }
        };
        //  Read clients only when a worker can take the request.
        int count = (self->n_idle > 0 && !stopping)? 2: 1;
        if (zmq_poll (items, count, 100) < 0)
            continue;               //  EINTR: a signal; checked at the top
        //  Under load, take everything that is waiting in one wake-up: each
        //  poll is a system call and often a context switch.
        if (items [0].revents & ZMQ_POLLIN)
            do
                s_from_worker (self);
            while (zsock_events (self->backend) & ZMQ_POLLIN);
        if (count == 2 && items [1].revents & ZMQ_POLLIN)
            do
                s_from_client (self);
            while (self->n_idle > 0 && (zsock_events (self->frontend) & ZMQ_POLLIN));
    }
}

//  ---------------------------------------------------------------------------
//  main

static bool
s_migrate (const ht_service_t *service, const ht_settings_t *settings)
{
    char name [64];
    snprintf (name, sizeof name, "hetao-%s-migrate", service->name);
    ht_db_t *db = ht_db_new (settings->db, name, NULL);
    bool ok = ht_db_wait_ready (db, 30000);
    char error [1024] = "";
    if (!ok)
        ht_error ("cannot reach the database: %s", ht_db_error (db));
    else
        ok = ht_db_migrate (db, "runtime", runtime_migrations, error, sizeof error)
          && ht_db_migrate (db, service->name, service->migrations, error, sizeof error);
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
    char consumer_name [64];
    snprintf (consumer_name, sizeof consumer_name, "hetao-%s-consumer", service->name);
    for (const ht_consumer_spec_t *const *spec = service->consumers; spec && *spec; spec++) {
        const ht_source_settings_t *source = ht__source_find (&settings, (*spec)->source->name);
        ht_consumer_config_t config = {
            .db = settings.db, .application_name = consumer_name,
            .endpoint = source->endpoint, .events = source->events,
            .cert = settings.curve_cert, .server_key = source->server_key,
            .deadline_ms = source->deadline_ms, .poll_ms = source->poll_ms,
            .drop_live = settings.test_drop_live
        };
        assert (n_consumers < (int) (sizeof consumers / sizeof consumers [0]));
        consumers [n_consumers++] = ht_consumer_new (*spec, &config);
    }

    broker_t broker = { .n_workers = settings.workers };
    broker.frontend = s_frontend_new (&settings);
    ht__curve_server (&shared, broker.frontend, HT_ZAP_REQUESTS);
    char backend [64];
    snprintf (backend, sizeof backend, "inproc://ht-workers-%p", (void *) &broker);
    broker.backend = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (broker.backend, 1);
    zsock_bind (broker.backend, "%s", backend);

    int exit_code = 0;
    worker_slot_t *slots = calloc ((size_t) settings.workers, sizeof *slots);
    assert (slots);
    for (int i = 0; i < settings.workers; i++) {
        slots [i].worker.shared = &shared;
        slots [i].backend = backend;
        slots [i].actor = zactor_new (s_worker_actor, &slots [i]);
    }
    if (zsock_bind (broker.frontend, "%s", settings.bind) < 0) {
        ht_error ("cannot bind request socket to %s: %s", settings.bind, zmq_strerror (zmq_errno ()));
        exit_code = 1;
    }
    else {
        ht_info ("ready: requests on %s, events on %s, %d workers, version %s, CURVE public key %s",
                 settings.bind, settings.events_bind, settings.workers, HT_VERSION,
                 zcert_public_txt (shared.cert));
        s_broker_run (&broker, &settings);
    }
    for (int i = 0; i < settings.workers; i++)
        zactor_destroy (&slots [i].actor);
    free (slots);
    for (int i = 0; i < n_consumers; i++)
        ht_consumer_destroy (&consumers [i]);
    for (int i = 0; i < broker.n_idle; i++)
        zframe_destroy (&broker.idle [i]);
    zsock_destroy (&broker.backend);
    zsock_destroy (&broker.frontend);
    ht__relay_destroy (&shared.relay);
    ht_zap_destroy (&zap);
    zcert_destroy (&shared.cert);
    ht_principals_destroy (&shared.principals);
    ht_info ("stopped");
    return exit_code;
}

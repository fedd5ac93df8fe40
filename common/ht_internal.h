/*  ht_internal - what the runtime's own files share and services never see  */
#ifndef HT_INTERNAL_H_INCLUDED
#define HT_INTERNAL_H_INCLUDED

#include <czmq.h>

#include "ht_auth.h"
#include "ht_client.h"
#include "ht_service.h"
#include "hetao/v1/envelope.pb-c.h"

typedef struct _ht_relay_t ht_relay_t;

//  At most this many source services (ht_consumer.h) per service.
#define HT_SOURCES_MAX 8

//  The settings of one source service, --<name>-endpoint and the rest
//  (see ht_source.c); the flag texts live here too.
typedef struct {
    const ht_source_t *source;
    const char *endpoint;           //  its request socket
    const char *events;             //  its event socket; NULL: the endpoint's port + 1
    const char *server_key_arg;     //  its public key, Z85 or a certificate file
    int deadline_ms;                //  per call to it
    int poll_ms;                    //  a consumer reads back after this long without events
    char server_key [41];           //  resolved from server_key_arg
    char events_default [128];      //  resolved events endpoint
    char text [5][3][64];           //  flag, environment variable, default of each setting
    char help [5][128];
} ht_source_settings_t;

//  Settings every service takes (see ht_server.c for flags and defaults).
typedef struct {
    const char *bind;               //  request ROUTER endpoint
    const char *events_bind;        //  event PUB endpoint
    const char *db;                 //  libpq connection string
    const char *log_level;
    int workers;
    int max_request_bytes;          //  larger requests get RESOURCE_EXHAUSTED
    int relay_poll_ms;
    int idempotency_ttl_hours;
    int shutdown_grace_ms;
    int statement_timeout_ms;       //  0: the server's default
    int lock_timeout_ms;
    int heartbeat_ms;               //  heartbeat on the event socket
    const char *log_level_file;     //  re-read on SIGHUP; NULL when not set
    const char *curve_cert;         //  the service's certificate (secret in <path>_secret)
    const char *principals;         //  the principals file
    int rate_limit;                 //  requests per second per principal; 0: none
    int job_interval_ms;            //  how often the service's jobs look for work
    int test_drop_live;             //  test setting: consumers drop every Nth live event
    int n_sources;
    ht_source_settings_t sources [HT_SOURCES_MAX];
} ht_settings_t;

//  What every worker of one service shares; read-only after start.
typedef struct {
    const ht_service_t *service;
    const ht_settings_t *settings;
    ht_relay_t *relay;
    ht_principals_t *principals;
    zcert_t *cert;
    int64_t started_us;             //  monotonic
} ht_shared_t;

//  One worker's own resources.
typedef struct {
    const ht_shared_t *shared;
    ht_db_t *db;
    ht_arena_t *arena;
    zsock_t *relay_wake;            //  PUSH to the relay: "events committed"
    //  The statement tables its connection prepares, again on every reconnect.
    const ht_query_t *tables [HT_QUERY_TABLES_MAX + 2];
    void *clients [HT_SOURCES_MAX]; //  ht_client_t to each source, made when first asked
} ht_worker_t;

//  Statements of the runtime, prepared on every worker connection.
extern const ht_query_t ht__runtime_queries [];

//  Methods every service answers: system.Health, system.ReadEvents.
extern const ht_route_t ht__system_routes [];

//  Handles one request frame from the client whose CURVE public key is
//  `user_id` (from the ZAP handler) and returns the reply frame. Caller owns the result.
zframe_t *ht__call_handle (ht_worker_t *worker, const char *user_id, const byte *data, size_t size);

//  Runs `job` once as an internal mutating call with the system principal
//  (ht_job.h). True when it committed events: there may be more to do.
bool ht__call_job (ht_worker_t *worker, const ht_job_t *job);

//  Opens a worker's database connection, arena and relay wake-up socket;
//  ht__worker_close releases them.
void ht__worker_open (ht_worker_t *worker, const char *role);
void ht__worker_close (ht_worker_t *worker);

//  The thread that runs the service's jobs; NULL when it has none.
typedef struct _ht_jobs_t ht_jobs_t;
ht_jobs_t *ht__jobs_new (const ht_shared_t *shared);
void ht__jobs_destroy (ht_jobs_t **self_p);

//  Makes `socket` a CURVE server in ZAP domain `domain` with the service's certificate.
void ht__curve_server (const ht_shared_t *shared, zsock_t *socket, const char *domain);

//  The worker running this call (for system methods).
ht_worker_t *ht__call_worker (ht_call_t *call);

//  Fills `event` from row `row` of a result with the columns
//  seq, type, aggregate_id, request_id, payload, occurred_us.
void ht__event_from_row (Hetao__V1__Event *event, const PGresult *result, int row,
                         const char *stream, ht_arena_t *arena);

//  The relay: publishes committed events of `streams` in order on the PUB
//  socket it binds at `events_bind`. NULL when it cannot bind.
ht_relay_t *ht__relay_new (const ht_shared_t *shared);
void ht__relay_destroy (ht_relay_t **self_p);
const char *ht__relay_wake_endpoint (ht_relay_t *self);
//  After a commit with events: true when the relay must be woken (signal
//  its wake endpoint), false when a wake-up is pending already and the
//  relay's next pass will see this commit. Thread-safe.
bool ht__relay_wake_due (ht_relay_t *self);
//  What the relay knows of stream number `stream`: whether it publishes it,
//  the last sequence it published, and the last sequence numbered as of its
//  last look (`known` false until it first looked). Thread-safe.
void ht__relay_position (ht_relay_t *self, int stream, protobuf_c_boolean *active, uint64_t *published,
                         uint64_t *last_sequence, bool *known);

//  True when the relay's own database connection answered its last statement.
bool ht__relay_database_ok (ht_relay_t *self);

//  Sources (ht_source.c): adds the settings of every source the service's
//  consumers name to `settings`, and their options to `options` (at
//  `*count`, at most `max`).
void ht__sources_options (const ht_service_t *service, ht_settings_t *settings,
                          ht_option_t *options, int *count, int max);

//  After parsing: resolves server keys and event endpoints; false with
//  `error` filled when a source's key is missing or unreadable.
bool ht__sources_resolve (ht_settings_t *settings, char *error, size_t error_size);

//  The settings of source `name`, or NULL.
const ht_source_settings_t *ht__source_find (const ht_settings_t *settings, const char *name);

//  Stops a rebuild of read models that is running (ht_rebuild.h), and waits
//  for its thread: the live read models stay. For shutdown.
void ht__rebuild_stop (void);

//  Destroys the clients a worker made to sources.
void ht__sources_worker_end (ht_worker_t *worker);

#endif

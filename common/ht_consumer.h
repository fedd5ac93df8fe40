/*  ht_consumer - a durable follower of another service's event stream

    A consumer follows one stream of a source service (the registry, say):
    it subscribes to the source's PUB socket with CURVE (the consuming
    service's own key pair as client certificate, the source's public key
    as server key), and applies every event exactly once to the consuming
    service's own database, in the same transaction that advances the
    stream's checkpoint (ht_checkpoint, runtime migration 005).

    On start, on every jump in sequence, and whenever no live event came for
    a while (--<source>-poll-ms), it reads what it missed with
    system.ReadEvents; an event at or below the checkpoint is skipped. So it
    survives its own restart (the checkpoint is durable), the source's
    restart (ZeroMQ reconnects; the next read fills what was published
    meanwhile) and lost live messages.

    Several replicas of a consuming service may run their consumers at once:
    each transaction locks the stream's checkpoint row FOR UPDATE and applies
    only events above the sequence it finds there, so application is
    idempotent by checkpoint and an event is applied by exactly one replica.

    Do not break: an apply function changes the database only through
    ht_consumer_tx_query, so its changes commit or roll back with the
    checkpoint. It must not talk to other services.
*/
#ifndef HT_CONSUMER_H_INCLUDED
#define HT_CONSUMER_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ht_arena.h"
#include "ht_client.h"
#include "ht_db.h"
#include "hetao/v1/envelope.pb-c.h"

//  A service that another service follows or asks: its name gives the
//  settings --<name>-endpoint, --<name>-events, --<name>-server-key,
//  --<name>-deadline-ms and --<name>-poll-ms (HETAO_<NAME>_ENDPOINT, ...).
typedef struct {
    const char *name;                   //  "registry"
    int default_port;                   //  requests; events on default_port + 1
} ht_source_t;

//  The registry as a source (tcp://127.0.0.1:7101, events on 7102).
extern const ht_source_t ht_source_registry;

//  Funding as a source (tcp://127.0.0.1:7201, events on 7202).
extern const ht_source_t ht_source_funding;

//  One event's transaction on the consumer's connection.
typedef struct _ht_consumer_tx_t ht_consumer_tx_t;

//  Applies one event inside `tx`. Returns true when the event is applied,
//  or deliberately ignored (a type this consumer does not need, a payload it
//  cannot read: log it); false when the database failed, which rolls the
//  transaction back and tries the event again later.
typedef bool (ht_consumer_apply_fn) (ht_consumer_tx_t *tx, const Hetao__V1__Event *event);

//  What a service declares to follow one stream (ht_service_t.consumers).
typedef struct {
    const char *stream;                 //  "registry"
    const char *topic;                  //  subscription prefix; NULL: "<stream>.". A narrower
                                        //  prefix makes every skipped event look like a jump,
                                        //  read back at once: subscribe to the whole stream and
                                        //  let the apply function ignore what it does not keep
    const ht_source_t *source;          //  where the stream comes from
    ht_consumer_apply_fn *apply;
    const ht_query_t *const *queries;   //  the apply side's statements: tables ending with
                                        //  { NULL }, the list ending with NULL; prepared on the
                                        //  consumer's connection and on every worker's (for
                                        //  lookups); may be NULL
    const char *component;              //  migration component of the apply side's tables, or NULL
    const ht_migration_t *migrations;   //  its migrations, ending with { 0, NULL }
} ht_consumer_spec_t;

//  Runs the prepared statement `name` (from the spec's queries) with text
//  parameters (NULL is SQL NULL) inside the event's transaction. Returns its
//  result, owned by `tx` until the event is done, or NULL when it failed (the
//  error is logged): the apply function then returns false.
PGresult *ht_consumer_tx_query (ht_consumer_tx_t *tx, const char *name, int count,
                                const char *const *values);

//  Memory that lives until the event is done.
ht_arena_t *ht_consumer_tx_arena (ht_consumer_tx_t *tx);

//  Decimal text of a 64-bit integer, in the event's arena.
const char *ht_consumer_tx_int (ht_consumer_tx_t *tx, int64_t value);

//  ---------------------------------------------------------------------------
//  Running a consumer. ht_service_main does this for every consumer a service
//  declares; tests and tools may do it themselves.

typedef struct _ht_consumer_t ht_consumer_t;

//  Where and how a consumer connects, resolved from the source's settings.
typedef struct {
    const char *db;                     //  the consumer's database (libpq conninfo)
    const char *application_name;       //  for pg_stat_activity
    const char *endpoint;               //  the source's request socket
    const char *events;                 //  the source's event socket
    const char *cert;                   //  this service's certificate file (secret in <file>_secret)
    const char *server_key;             //  the source's public key, Z85
    int deadline_ms;                    //  per system.ReadEvents call
    int poll_ms;                        //  read back when no live event came for this long
    int drop_live;                      //  test setting: drop every Nth live event; 0: none
    const char *search_path;            //  the connection's schema search path; NULL: default
} ht_consumer_config_t;

//  Starts a consumer of `spec` in a thread of its own, with its own database
//  connection. The spec and the strings of `config` must outlive it.
//  Caller owns the result.
ht_consumer_t *ht_consumer_new (const ht_consumer_spec_t *spec, const ht_consumer_config_t *config);

//  Stops the consumer (an event being applied finishes or rolls back) and
//  nulls the pointer.
void ht_consumer_destroy (ht_consumer_t **self_p);

//  The last sequence the consumer applied (0 before the first), for health
//  and tests; the durable truth is ht_checkpoint.
uint64_t ht_consumer_position (ht_consumer_t *self);

//  ---------------------------------------------------------------------------
//  Replaying a stream into other tables (a rebuild of read models, ht_rebuild)

//  Reads `spec`'s stream from the source with `client` (system.ReadEvents),
//  from after *position up to and including `until` (0: to the source's
//  last event), and applies each event through spec->apply on `db`, just as
//  the live consumer does: which tables it lands in is decided by `db`'s
//  search path. Each page is its own transaction, unless `in_transaction`:
//  then everything runs inside the caller's open transaction. Keeps no
//  checkpoint: *position (and *applied, counting events) advance in memory.
//  `stop`, when not NULL, ends the replay early once it reads true. Returns
//  false with `error` filled when the source or the database failed, the
//  stream had a gap, the source ends below `until`, or it was stopped.
bool ht_consumer_replay (const ht_consumer_spec_t *spec, ht_db_t *db, ht_client_t *client,
                         uint64_t *position, uint64_t until, bool in_transaction,
                         uint64_t *applied, const atomic_bool *stop, char *error, size_t error_size);

#endif

/*  ht_consumer - a durable follower of another service's event stream

    One actor thread per consumer, with its own database connection, a SUB
    socket on the source's events and a client of the source's requests.
    Events come in batches (a page of system.ReadEvents, or the live events
    queued on the SUB socket); each batch is one transaction:

        BEGIN; SELECT last_seq ... FOR UPDATE; <apply each event above it,
        in order, stopping at a jump>; UPDATE ht_checkpoint; COMMIT

    Do not break: the checkpoint row is read FOR UPDATE inside the applying
    transaction, and only events numbered exactly one above it are applied.
    That, not anything held in memory, is what makes each event apply once,
    across restarts and across replicas of the consuming service.
*/

#include "ht_consumer.h"
#include "ht_client.h"
#include "ht_log.h"
#include "ht_status.h"
#include "ht_text.h"
#include "hetao/v1/system.pb-c.h"

#include <assert.h>
#include <czmq.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_READ_PAGE       500       //  events per system.ReadEvents call, and per transaction
#define S_LIVE_BATCH      256       //  live events applied in one transaction at most
#define S_MAX_RESULTS     64        //  statements one event's apply may run
#define S_BACKOFF_MIN_US  200000    //  after a failure, try again after 0.2 s,
#define S_BACKOFF_MAX_US  5000000   //  doubling up to 5 s
#define S_MAX_EVENT_BYTES (16 * 1024 * 1024)
#define S_MAX_TABLES      8         //  query tables of one consumer

static const ht_query_t s_consumer_queries [] = {
    { "ht_checkpoint_ensure",
      "INSERT INTO ht_checkpoint (stream) VALUES ($1) ON CONFLICT DO NOTHING" },
    { "ht_checkpoint_read",
      "SELECT last_seq FROM ht_checkpoint WHERE stream = $1" },
    { "ht_checkpoint_lock",
      "SELECT last_seq FROM ht_checkpoint WHERE stream = $1 FOR UPDATE" },
    { "ht_checkpoint_advance",
      "UPDATE ht_checkpoint SET last_seq = $2::bigint, applied_at = now() WHERE stream = $1" },
    { NULL, NULL }
};

struct _ht_consumer_t {
    const ht_consumer_spec_t *spec;
    ht_consumer_config_t config;
    char topic [128];
    zactor_t *actor;
    atomic_uint_least64_t position;
};

struct _ht_consumer_tx_t {
    ht_db_t *db;
    ht_arena_t *arena;
    const char *stream;
    PGresult *results [S_MAX_RESULTS];
    size_t n_results;
    bool failed;
};

//  What the actor thread keeps between events.
typedef struct {
    ht_consumer_t *self;
    const char *stream;
    ht_db_t *db;
    ht_arena_t *arena;
    ht_client_t *client;
    zsock_t *sub;
    uint64_t last;                  //  the checkpoint as last read or written
    bool known;                     //  `last` was read on this connection
    unsigned generation;            //  the connection it was read on
    bool need_read;                 //  read back from the source
    int64_t quiet_since;            //  monotonic: last live event or read-back
    int64_t retry_at;               //  monotonic: next read-back after a failure
    int64_t backoff;
    unsigned live_seen;             //  for the drop-live test setting
    bool behind;                    //  the source is behind our checkpoint (said once)
    zsock_t *pipe;                  //  to the service: $TERM ends a long read-back early
} state_t;

//  ---------------------------------------------------------------------------
//  The apply side's view of a transaction

PGresult *
ht_consumer_tx_query (ht_consumer_tx_t *tx, const char *name, int count, const char *const *values)
{
    if (tx->failed)
        return NULL;
    assert (tx->n_results < S_MAX_RESULTS);
    PGresult *result = ht_db_exec (tx->db, name, count, values, NULL, NULL);
    tx->results [tx->n_results++] = result;
    if (ht_db_ok (result))
        return result;
    ht_error ("consumer %s: %s: %s", tx->stream, name, PQresultErrorMessage (result));
    tx->failed = true;
    return NULL;
}

ht_arena_t *
ht_consumer_tx_arena (ht_consumer_tx_t *tx)
{
    return tx->arena;
}

const char *
ht_consumer_tx_int (ht_consumer_tx_t *tx, int64_t value)
{
    return ht_arena_printf (tx->arena, "%lld", (long long) value);
}

static void
s_tx_clear (ht_consumer_tx_t *tx)
{
    for (size_t i = 0; i < tx->n_results; i++)
        PQclear (tx->results [i]);
    tx->n_results = 0;
}

//  ---------------------------------------------------------------------------
//  Checkpoint and batches

static void
s_failed (state_t *state, const char *what)
{
    ht_warn ("consumer %s: %s; reading back from %s in %lld ms", state->stream, what,
             state->self->config.endpoint, (long long) state->backoff / 1000);
    state->need_read = true;
    state->retry_at = ht_mono_us () + state->backoff;
    state->backoff = state->backoff * 2 > S_BACKOFF_MAX_US? S_BACKOFF_MAX_US: state->backoff * 2;
    if (ht_db_lost (state->db))
        state->known = false;
}

//  Reads the checkpoint once per connection; false while the database is away.
static bool
s_checkpoint_known (state_t *state)
{
    if (!ht_db_ready (state->db))
        return false;
    if (state->known && state->generation == ht_db_generation (state->db))
        return true;
    const char *values [] = { state->stream };
    PGresult *ensure = ht_db_exec (state->db, "ht_checkpoint_ensure", 1, values, NULL, NULL);
    PGresult *read = ht_db_exec (state->db, "ht_checkpoint_read", 1, values, NULL, NULL);
    bool ok = ht_db_ok (ensure) && ht_db_ok (read) && PQntuples (read) == 1;
    if (ok) {
        state->last = strtoull (PQgetvalue (read, 0, 0), NULL, 10);
        state->known = true;
        state->generation = ht_db_generation (state->db);
        atomic_store (&state->self->position, state->last);
        ht_info ("consumer %s: checkpoint at %llu", state->stream, (unsigned long long) state->last);
    }
    else
        ht_db_lost (state->db);
    PQclear (ensure);
    PQclear (read);
    return ok;
}

//  Applies, in one transaction, the events of `events` that follow the
//  checkpoint without a gap. A jump stops the batch and asks for a read-back.
//  False when the database failed (nothing of the batch is kept).
static bool
s_apply_batch (state_t *state, Hetao__V1__Event **events, size_t count)
{
    if (count == 0)
        return true;
    if (!s_checkpoint_known (state)) {
        s_failed (state, "database not ready");
        return false;
    }
    //  Everything below the checkpoint we know of is a duplicate: skip it
    //  without a transaction.
    size_t first = 0;
    while (first < count && events [first]->sequence <= state->last)
        first++;
    if (first == count)
        return true;
    ht_db_t *db = state->db;
    const char *stream_values [] = { state->stream };
    if (!ht_db_command (db, "BEGIN")) {
        s_failed (state, "cannot begin a transaction");
        return false;
    }
    PGresult *locked = ht_db_exec (db, "ht_checkpoint_lock", 1, stream_values, NULL, NULL);
    if (!ht_db_ok (locked) || PQntuples (locked) != 1) {
        PQclear (locked);
        ht_db_command (db, "ROLLBACK");
        state->known = false;
        s_failed (state, "cannot lock the checkpoint");
        return false;
    }
    uint64_t at = strtoull (PQgetvalue (locked, 0, 0), NULL, 10);
    PQclear (locked);

    ht_consumer_tx_t tx = { db, state->arena, state->stream, { NULL }, 0, false };
    size_t applied = 0;
    bool gap = false;
    for (size_t i = first; i < count; i++) {
        Hetao__V1__Event *event = events [i];
        if (event->sequence <= at)
            continue;               //  applied already (by us before, or another replica)
        if (event->sequence != at + 1) {
            gap = true;
            break;
        }
        bool ok = state->self->spec->apply (&tx, event) && !tx.failed;
        s_tx_clear (&tx);
        if (!ok) {
            ht_db_command (db, "ROLLBACK");
            char what [200];
            snprintf (what, sizeof what, "applying %s #%llu failed", event->type? event->type: "?",
                      (unsigned long long) event->sequence);
            s_failed (state, what);
            return false;
        }
        at = event->sequence;
        applied++;
    }
    bool ok = true;
    if (applied) {
        const char *values [] = { state->stream, ht_arena_printf (state->arena, "%llu", (unsigned long long) at) };
        PGresult *advanced = ht_db_exec (db, "ht_checkpoint_advance", 2, values, NULL, NULL);
        ok = ht_db_ok (advanced);
        PQclear (advanced);
    }
    ok = ok && ht_db_command (db, "COMMIT");
    if (!ok) {
        ht_db_command (db, "ROLLBACK");
        s_failed (state, "cannot commit");
        return false;
    }
    state->last = at;
    state->backoff = S_BACKOFF_MIN_US;
    atomic_store (&state->self->position, at);
    if (applied)
        ht_debug ("consumer %s: applied %zu event(s), checkpoint %llu", state->stream, applied,
                  (unsigned long long) at);
    if (gap) {
        ht_info ("consumer %s: gap after %llu; reading back", state->stream, (unsigned long long) at);
        state->need_read = true;
    }
    return true;
}

//  Reads one page of `stream` from the source: at most `limit` events after
//  `after`, unpacked into `arena`. NULL with `error` filled when the source
//  refused or did not answer.
static Hetao__V1__ReadEventsReply *
s_read_page (ht_client_t *client, const char *stream, uint64_t after, uint32_t limit,
             ht_arena_t *arena, char *error, size_t error_size)
{
    Hetao__V1__ReadEventsRequest request = HETAO__V1__READ_EVENTS_REQUEST__INIT;
    request.stream = (char *) stream;
    request.has_after_sequence = request.has_limit = true;
    request.after_sequence = after;
    request.limit = limit;
    Hetao__V1__Reply *reply = ht_client_call (client, "system.ReadEvents", NULL, &request.base);
    if (!reply->has_status || reply->status != HETAO__V1__STATUS__OK) {
        snprintf (error, error_size, "system.ReadEvents: %s: %s",
                  ht_status_name (reply->has_status? (int) reply->status: -1),
                  reply->message? reply->message: "");
        hetao__v1__reply__free_unpacked (reply, NULL);
        return NULL;
    }
    Hetao__V1__ReadEventsReply *page = hetao__v1__read_events_reply__unpack (
        ht_arena_allocator (arena), reply->payload.len, reply->payload.data);
    hetao__v1__reply__free_unpacked (reply, NULL);
    if (!page)
        snprintf (error, error_size, "system.ReadEvents answered with a payload that is not a ReadEventsReply");
    return page;
}

//  Reads back everything after the checkpoint with system.ReadEvents and
//  applies it, a page per transaction.
static void
s_read_back (state_t *state)
{
    while (true) {
        if (!s_checkpoint_known (state)) {
            s_failed (state, "database not ready");
            return;
        }
        char what [400];
        Hetao__V1__ReadEventsReply *page = s_read_page (state->client, state->stream, state->last,
                                                        S_READ_PAGE, state->arena, what, sizeof what);
        if (!page) {
            s_failed (state, what);
            ht_arena_reset (state->arena);
            return;
        }
        size_t count = page->n_events;
        bool behind = page->has_last_sequence && page->last_sequence < state->last;
        if (behind && !state->behind)
            //  Nothing will ever arrive above our checkpoint: the source's
            //  database was replaced, or we are pointed at another source.
            ht_error ("consumer %s: %s has committed up to %llu but this service applied up to %llu; "
                      "is it the same %s?", state->stream, state->self->config.endpoint,
                      (unsigned long long) page->last_sequence, (unsigned long long) state->last,
                      state->self->spec->source->name);
        state->behind = behind;
        bool ok = s_apply_batch (state, page->events, count);
        ht_arena_reset (state->arena);
        if (!ok)
            return;
        if (zsock_events (state->pipe) & ZMQ_POLLIN)
            return;                 //  stopping; the rest is read back on the next start
        if (count < S_READ_PAGE) {
            state->need_read = false;
            state->backoff = S_BACKOFF_MIN_US;
            state->quiet_since = ht_mono_us ();
            return;
        }
    }
}

//  Takes every live event queued on the SUB socket (up to a batch) and
//  applies those that follow the checkpoint.
static void
s_live (state_t *state)
{
    Hetao__V1__Event *events [S_LIVE_BATCH];
    size_t count = 0;
    int drop = state->self->config.drop_live;
    while (count < S_LIVE_BATCH && (zsock_events (state->sub) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv (state->sub);
        if (!msg)
            break;
        zframe_t *body = zmsg_size (msg) == 2? zmsg_last (msg): NULL;
        Hetao__V1__Event *event = body
            ? hetao__v1__event__unpack (ht_arena_allocator (state->arena), zframe_size (body), zframe_data (body))
            : NULL;
        zmsg_destroy (&msg);
        if (!event || !event->has_sequence || !event->stream || strcmp (event->stream, state->stream)) {
            ht_warn ("consumer %s: a live message that is not an event of the stream; ignored",
                     state->stream);
            continue;
        }
        state->quiet_since = ht_mono_us ();
        if (drop > 0 && ++state->live_seen % (unsigned) drop == 0) {
            ht_info ("consumer %s: dropping live event %llu (test setting drop-live)", state->stream,
                     (unsigned long long) event->sequence);
            continue;
        }
        events [count++] = event;
    }
    if (!state->need_read)
        s_apply_batch (state, events, count);
    //  else: a read-back is due and will bring these too.
    ht_arena_reset (state->arena);
}

//  ---------------------------------------------------------------------------
//  The actor

static zsock_t *
s_sub_new (ht_consumer_t *self)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    assert (sub);
    //  A deep queue rides out a burst; past it events are lost and read back.
    zsock_set_rcvhwm (sub, 100000);
    zsock_set_linger (sub, 0);
    zsock_set_maxmsgsize (sub, S_MAX_EVENT_BYTES);
    zsock_set_reconnect_ivl (sub, 100);
    zsock_set_reconnect_ivl_max (sub, 2000);
    zsock_set_heartbeat_ivl (sub, 5000);
    zsock_set_heartbeat_timeout (sub, 15000);
    zsock_set_handshake_ivl (sub, 5000);
    zsock_set_tcp_keepalive (sub, 1);
    if (!ht_client_curve (sub, self->config.cert, self->config.server_key)) {
        zsock_destroy (&sub);
        return NULL;
    }
    zsock_set_subscribe (sub, self->topic);
    //  Every replica of the source (comma-separated): only the one holding
    //  its relay publishes, and the relay may move.
    if (zsock_attach (sub, self->config.events, false) != 0) {
        zsock_destroy (&sub);
        return NULL;
    }
    return sub;
}

static ht_db_t *
s_db_new (const ht_consumer_config_t *config, const ht_query_t *const *tables)
{
    ht_db_t *db = ht_db_new (config->db, config->application_name, tables);
    ht_db_set_search_path (db, config->search_path);
    return db;
}

static void
s_consumer_actor (zsock_t *pipe, void *args)
{
    ht_consumer_t *self = args;
    const ht_consumer_spec_t *spec = self->spec;
    const ht_query_t *tables [S_MAX_TABLES + 2] = { s_consumer_queries };
    size_t n_tables = 1;
    for (const ht_query_t *const *table = spec->queries; table && *table; table++) {
        assert (n_tables < S_MAX_TABLES + 1);
        tables [n_tables++] = *table;
    }
    ht_client_options_t options = {
        .deadline_ms = self->config.deadline_ms, .attempts = 2,
        .cert = self->config.cert, .server_key = self->config.server_key
    };
    state_t state = {
        .self = self, .stream = spec->stream, .pipe = pipe,
        .db = s_db_new (&self->config, tables),
        .arena = ht_arena_new (),
        .client = ht_client_new (self->config.endpoint, &options),
        .sub = s_sub_new (self),
        .need_read = true,          //  on start: whatever came while we were away
        .quiet_since = ht_mono_us (),
        .backoff = S_BACKOFF_MIN_US
    };
    zsock_signal (pipe, 0);
    if (!state.client || !state.sub)
        ht_error ("consumer %s: cannot load the certificate %s; not following %s",
                  spec->stream, self->config.cert, self->config.events);
    else
        ht_info ("consumer %s: following %s (topic '%s'), reading back from %s", spec->stream,
                 self->config.events, self->topic, self->config.endpoint);

    while (true) {
        int64_t now = ht_mono_us ();
        int64_t wake = state.need_read? state.retry_at
                                      : state.quiet_since + (int64_t) self->config.poll_ms * 1000;
        long timeout = wake > now? (long) ((wake - now) / 1000) + 1: 0;
        zmq_pollitem_t items [] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
            { state.sub? zsock_resolve (state.sub): NULL, 0, ZMQ_POLLIN, 0 }
        };
        if (zmq_poll (items, state.sub? 2: 1, state.sub? timeout: -1) < 0)
            continue;               //  EINTR; the server stops us through the pipe
        if (items [0].revents & ZMQ_POLLIN) {
            char *command = zstr_recv (pipe);
            bool stop = !command || !strcmp (command, "$TERM");
            zstr_free (&command);
            if (stop)
                break;
            continue;
        }
        if (!state.sub)
            continue;
        if (items [1].revents & ZMQ_POLLIN)
            s_live (&state);
        now = ht_mono_us ();
        //  Quiet for a while: the source may have restarted, or its last
        //  events may have been lost; a read-back costs one request.
        if (now >= state.quiet_since + (int64_t) self->config.poll_ms * 1000)
            state.need_read = true;
        if (state.need_read && now >= state.retry_at)
            s_read_back (&state);
    }
    zsock_destroy (&state.sub);
    ht_client_destroy (&state.client);
    ht_arena_destroy (&state.arena);
    ht_db_destroy (&state.db);
}

ht_consumer_t *
ht_consumer_new (const ht_consumer_spec_t *spec, const ht_consumer_config_t *config)
{
    assert (spec && spec->stream && spec->apply && config);
    ht_consumer_t *self = calloc (1, sizeof *self);
    assert (self);
    self->spec = spec;
    self->config = *config;
    if (self->config.poll_ms <= 0)
        self->config.poll_ms = 1000;
    snprintf (self->topic, sizeof self->topic, "%s", spec->topic? spec->topic: spec->stream);
    if (!spec->topic)
        strncat (self->topic, ".", sizeof self->topic - strlen (self->topic) - 1);
    self->actor = zactor_new (s_consumer_actor, self);
    return self;
}

void
ht_consumer_destroy (ht_consumer_t **self_p)
{
    ht_consumer_t *self = *self_p;
    if (self) {
        zactor_destroy (&self->actor);
        free (self);
        *self_p = NULL;
    }
}

uint64_t
ht_consumer_position (ht_consumer_t *self)
{
    return atomic_load (&self->position);
}

//  ---------------------------------------------------------------------------
//  Replay into other tables

//  Applies the events of `page` that follow *position without a gap through
//  the spec's apply function; false with `error` filled when one fails.
static bool
s_replay_page (const ht_consumer_spec_t *spec, ht_consumer_tx_t *tx, Hetao__V1__ReadEventsReply *page,
               uint64_t *position, uint64_t *applied, char *error, size_t error_size)
{
    uint64_t at = *position, count = 0;
    for (size_t i = 0; i < page->n_events; i++) {
        const Hetao__V1__Event *event = page->events [i];
        if (event->sequence <= at)
            continue;
        if (event->sequence != at + 1) {
            snprintf (error, error_size, "%s: the source skipped from %llu to %llu", spec->stream,
                      (unsigned long long) at, (unsigned long long) event->sequence);
            return false;
        }
        bool ok = spec->apply (tx, event) && !tx->failed;
        s_tx_clear (tx);
        if (!ok) {
            snprintf (error, error_size, "%s: applying %s #%llu failed", spec->stream,
                      event->type? event->type: "?", (unsigned long long) event->sequence);
            return false;
        }
        at = event->sequence;
        count++;
    }
    *position = at;
    *applied += count;
    return true;
}

bool
ht_consumer_replay (const ht_consumer_spec_t *spec, ht_db_t *db, ht_client_t *client,
                    uint64_t *position, uint64_t until, bool in_transaction,
                    uint64_t *applied, const atomic_bool *stop, char *error, size_t error_size)
{
    ht_arena_t *arena = ht_arena_new ();
    ht_consumer_tx_t tx = { db, arena, spec->stream, { NULL }, 0, false };
    bool ok = true;
    while (ok && !(until && *position >= until)) {
        if (stop && atomic_load (stop)) {
            snprintf (error, error_size, "stopped (the service is shutting down)");
            ok = false;
            break;
        }
        uint32_t limit = S_READ_PAGE;
        if (until && until - *position < limit)
            limit = (uint32_t) (until - *position);
        Hetao__V1__ReadEventsReply *page = s_read_page (client, spec->stream, *position, limit, arena,
                                                        error, error_size);
        if (!page) {
            ok = false;
            break;
        }
        size_t count = page->n_events;
        if (count == 0 && until) {
            snprintf (error, error_size, "%s: the source has nothing after %llu, but %llu was applied",
                      spec->stream, (unsigned long long) *position, (unsigned long long) until);
            ok = false;
        }
        if (ok && count && !in_transaction && !ht_db_command (db, "BEGIN")) {
            snprintf (error, error_size, "%s: cannot begin a transaction: %s", spec->stream, ht_db_error (db));
            ok = false;
        }
        else
        if (ok && count) {
            uint64_t at = *position, more = 0;
            ok = s_replay_page (spec, &tx, page, &at, &more, error, error_size);
            if (!in_transaction) {
                if (ok && !ht_db_command (db, "COMMIT")) {
                    snprintf (error, error_size, "%s: cannot commit", spec->stream);
                    ok = false;
                }
                if (!ok)
                    ht_db_command (db, "ROLLBACK");
            }
            if (ok) {
                *position = at;
                *applied += more;
            }
        }
        ht_arena_reset (arena);
        if (!until && count < limit)
            break;                  //  the source's last event
    }
    ht_arena_destroy (&arena);
    return ok;
}

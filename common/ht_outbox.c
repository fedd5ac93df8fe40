/*  ht_outbox - events written with the change that caused them, and the
    relay that publishes them in order

    Workers insert events into ht_outbox in the transaction of the change,
    with no sequence number. The relay, one per stream across all replicas
    (it holds the stream's advisory lock), numbers them and publishes them.
    A number is a narrow row (stream, seq, outbox id) in ht_outbox_seq: the
    outbox row itself is written once and never rewritten.

    Do not break: the relay numbers a transaction's rows in the first pass
    whose snapshot sees it committed, and in no other. A bigserial compared
    with "id > last seen" would skip a row whose transaction commits after
    a later one; a snapshot instead says exactly which transactions have
    ended, so every committed row is numbered once, when it becomes
    visible, and none can ever appear below a number already given:
    sequences are gap-free and never reordered. No running transaction,
    of this database or another, holds back the rows committed around it.

    The relay finds what to number by transaction id, not by a flag on each
    row: ht_stream.numbered is the snapshot of the last band, and every row
    of a transaction it sees is numbered, none of one it does not see. A
    pass takes as its band the transactions that its own snapshot sees and
    `numbered` did not (those at or above its xmax, and those it saw
    running: index lookups by txid), and numbers their rows in id order; a
    band larger than one batch is numbered over several passes, its
    snapshot and the last id numbered kept in ht_stream (band, band_after),
    so that it stays one set whatever commits meanwhile.

    Rows of two transactions that change one entity are numbered in commit
    order because the second one writes only after the first has committed
    (and become visible): handlers take the entity's ordering lock (an
    advisory lock) before anything that writes (ht_call.c). So a snapshot
    that sees the second sees the first, and within one band the second's
    rows hold the larger ids. The same holds for any row written after
    another transaction's commit returned.
*/

#include "ht_internal.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/system.pb-c.h"

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_STREAMS    8
#define S_BATCH          "500"      //  events numbered per statement
#define S_LOCK_RETRY_US  1000000    //  a standby relay tries for the lock every second
#define S_PURGE_EVERY_US 60000000   //  expired idempotency records are deleted every minute
#define S_PASS_GAP_US    1000       //  passes at most every 1 ms: under load, one pass
                                    //  numbers the events of several commits

static const ht_query_t s_relay_queries [] = {
    { "ht_relay_lock",
      "SELECT pg_try_advisory_lock(hashtext('hetao.relay.' || $1))" },
    { "ht_relay_stream",
      "INSERT INTO ht_stream (stream) VALUES ($1) ON CONFLICT DO NOTHING" },
    { "ht_relay_assign",
      //  The band: rows of the transactions that had ended as of `band` (this
      //  statement's snapshot, or the one a band in progress started with)
      //  but not as of `numbered` (the snapshot of the last band): those
      //  that began after `numbered` was taken, and those it saw running.
      //  Numbered S_BATCH rows at a time in id order (band_after: the last
      //  id numbered), so that a large band stays one set over several
      //  passes. A pass that finds nothing writes nothing.
      "WITH st AS ("
      "  SELECT numbered, band IS NOT NULL AS in_band, coalesce(band, pg_current_snapshot()) AS band,"
      "         band_after, ARRAY(SELECT pg_snapshot_xip(numbered)) AS running"
      "    FROM ht_stream WHERE stream = $1),"
      //  A band's first pass finds its rows by transaction: those that
      //  began after `numbered` was taken (a range of the (stream, txid)
      //  index) and those it saw running (one lookup each). The subqueries
      //  read the index by (stream, txid) only, kept apart by OFFSET 0:
      //  given an id condition too, the planner cannot see how narrow the
      //  txid range is and may scan every id instead. A band larger than
      //  a batch goes on in id order from the last id numbered, one batch
      //  a pass, so that each pass reads about a batch, not the whole band
      //  again: its rows are those `band` sees committed and `numbered`
      //  did not.
      " band AS MATERIALIZED ("
      "  SELECT l.id FROM st,"
      "   LATERAL (SELECT o.id, o.txid FROM ht_outbox o WHERE st.band_after = 0 AND o.stream = $1"
      "             AND o.txid >= pg_snapshot_xmax(st.numbered) AND o.txid < pg_snapshot_xmax(st.band)"
      "            OFFSET 0) l"
      "   WHERE pg_visible_in_snapshot(l.txid, st.band)"
      "  UNION ALL"
      "  SELECT l.id FROM st, unnest(st.running) AS r (txid),"
      "   LATERAL (SELECT o.id, o.txid FROM ht_outbox o WHERE st.band_after = 0 AND o.stream = $1"
      "             AND o.txid = r.txid OFFSET 0) l"
      "   WHERE pg_visible_in_snapshot(l.txid, st.band)"
      "  UNION ALL"
      "  SELECT l.id FROM st,"
      "   LATERAL (SELECT o.id FROM ht_outbox o WHERE st.band_after > 0 AND o.id > st.band_after"
      "             AND o.stream = $1 AND pg_visible_in_snapshot(o.txid, st.band)"
      "             AND NOT pg_visible_in_snapshot(o.txid, st.numbered)"
      "            ORDER BY o.id LIMIT $2::int) l),"
      " ready AS ("
      "  SELECT id, row_number() OVER (ORDER BY id) AS n FROM band ORDER BY id LIMIT $2::int),"
      " counts AS (SELECT count(*) AS c, coalesce(max(id), 0) AS last_id FROM ready),"
      " bump AS ("
      "  UPDATE ht_stream s SET last_seq = s.last_seq + counts.c,"
      "    numbered = CASE WHEN counts.c < $2::int THEN st.band ELSE s.numbered END,"
      "    band = CASE WHEN counts.c < $2::int THEN NULL ELSE st.band END,"
      "    band_after = CASE WHEN counts.c < $2::int THEN 0 ELSE counts.last_id END"
      "   FROM st, counts WHERE s.stream = $1 AND (counts.c > 0 OR st.in_band)"
      "  RETURNING s.last_seq - counts.c AS base),"
      " numbered AS ("
      "  INSERT INTO ht_outbox_seq (stream, seq, outbox_id)"
      "  SELECT $1, bump.base + ready.n, ready.id FROM ready, bump"
      "  RETURNING seq, outbox_id)"
      //  Each numbered row read back by its id (a lookup per row, kept
      //  one by OFFSET 0, whatever the planner believes of the table's size).
      " SELECT n.seq, o.type, o.aggregate_id, o.request_id, o.payload,"
      "  (extract(epoch FROM o.occurred_at) * 1000000)::bigint AS occurred_us"
      "  FROM numbered n, LATERAL (SELECT * FROM ht_outbox o WHERE o.id = n.outbox_id OFFSET 0) o"
      "  ORDER BY n.seq" },
    { "ht_relay_positions",
      "SELECT stream, last_seq FROM ht_stream" },
    { "ht_relay_purge",
      "DELETE FROM ht_idempotency WHERE created_at < now() - make_interval(hours => $1::int)" },
    { NULL, NULL }
};

struct _ht_relay_t {
    const ht_shared_t *shared;
    zactor_t *actor;
    zsock_t *pub;                   //  owned by the actor thread once it runs
    zsock_t *wake;                  //  PULL: workers signal after committing events
    char wake_endpoint [64];
    atomic_bool wake_pending;       //  a worker signalled since the last pass began
    int n_streams;
    atomic_bool active [S_MAX_STREAMS];
    atomic_uint_least64_t published [S_MAX_STREAMS];
    atomic_uint_least64_t last_sequence [S_MAX_STREAMS];  //  as of the last look
    atomic_bool positions_known;
    atomic_bool database_ok;        //  the relay's connection answered its last statement
};

void
ht__event_from_row (Hetao__V1__Event *event, const PGresult *result, int row,
                    const char *stream, ht_arena_t *arena)
{
    hetao__v1__event__init (event);
    event->stream = (char *) stream;
    event->has_sequence = true;
    event->sequence = strtoull (PQgetvalue (result, row, 0), NULL, 10);
    event->type = PQgetvalue (result, row, 1);
    event->aggregate_id = PQgetvalue (result, row, 2);
    event->request_id = PQgetvalue (result, row, 3);
    size_t length;
    unsigned char *payload = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, row, 4), &length);
    event->has_payload = true;
    event->payload.len = length;
    event->payload.data = ht_arena_alloc (arena, length + 1);
    if (payload)
        memcpy (event->payload.data, payload, length);
    PQfreemem (payload);
    event->has_occurred_at_us = true;
    event->occurred_at_us = strtoll (PQgetvalue (result, row, 5), NULL, 10);
}

//  Numbers and publishes every ready event of one stream. False when the
//  database failed (the lock may be gone with the connection).
static bool
s_pump (ht_relay_t *self, ht_db_t *db, ht_arena_t *arena, int index)
{
    const char *stream = self->shared->service->streams [index];
    while (true) {
        const char *values [] = { stream, S_BATCH };
        PGresult *result = ht_db_exec (db, "ht_relay_assign", 2, values, NULL, NULL);
        if (!ht_db_ok (result)) {
            ht_error ("relay %s: %s", stream, PQresultErrorMessage (result));
            PQclear (result);
            ht_db_lost (db);
            return false;
        }
        int rows = PQntuples (result);
        for (int row = 0; row < rows; row++) {
            Hetao__V1__Event event;
            ht__event_from_row (&event, result, row, stream, arena);
            zframe_t *body = zframe_new (NULL, hetao__v1__event__get_packed_size (&event));
            hetao__v1__event__pack (&event, zframe_data (body));
            //  PUB never blocks: past the high-water mark a slow subscriber
            //  loses events, sees the gap in sequences and reads them back
            //  with system.ReadEvents.
            zsock_send (self->pub, "sf", event.type, body);
            zframe_destroy (&body);
            atomic_store (&self->published [index], event.sequence);
            atomic_store (&self->last_sequence [index], event.sequence);
            ht_arena_reset (arena);
        }
        PQclear (result);
        if (rows < atoi (S_BATCH))
            return true;
    }
}

static bool
s_lock (ht_relay_t *self, ht_db_t *db, int index)
{
    const char *stream = self->shared->service->streams [index];
    const char *values [] = { stream };
    PGresult *result = ht_db_exec (db, "ht_relay_lock", 1, values, NULL, NULL);
    bool held = ht_db_ok (result) && !strcmp (PQgetvalue (result, 0, 0), "t");
    PQclear (result);
    if (held) {
        result = ht_db_exec (db, "ht_relay_stream", 1, values, NULL, NULL);
        held = ht_db_ok (result);
        PQclear (result);
        if (held)
            ht_info ("relay: this instance now publishes stream %s", stream);
    }
    return held;
}

static void
s_purge (ht_relay_t *self, ht_db_t *db)
{
    char hours [16];
    snprintf (hours, sizeof hours, "%d", self->shared->settings->idempotency_ttl_hours);
    const char *values [] = { hours };
    PGresult *result = ht_db_exec (db, "ht_relay_purge", 1, values, NULL, NULL);
    if (!ht_db_ok (result))
        ht_warn ("relay: purge of idempotency records failed: %s", PQresultErrorMessage (result));
    else
    if (atoi (PQcmdTuples (result)) > 0)
        ht_info ("relay: deleted %s expired idempotency records", PQcmdTuples (result));
    PQclear (result);
}

//  Reads every stream's last sequence, for Health and the heartbeat.
static void
s_positions (ht_relay_t *self, ht_db_t *db)
{
    PGresult *result = ht_db_exec (db, "ht_relay_positions", 0, NULL, NULL, NULL);
    bool ok = ht_db_ok (result);
    for (int row = 0; ok && row < PQntuples (result); row++)
        for (int i = 0; i < self->n_streams; i++)
            if (!strcmp (PQgetvalue (result, row, 0), self->shared->service->streams [i]))
                atomic_store (&self->last_sequence [i], strtoull (PQgetvalue (result, row, 1), NULL, 10));
    if (ok)
        atomic_store (&self->positions_known, true);
    else
        ht_db_lost (db);
    atomic_store (&self->database_ok, ok);
    PQclear (result);
}

//  Publishes the heartbeat: [HT_HEARTBEAT_TOPIC][Heartbeat], so that a
//  subscriber notices it is behind even when the stream is quiet.
static void
s_heartbeat (ht_relay_t *self, ht_arena_t *arena)
{
    Hetao__V1__Heartbeat heartbeat = HETAO__V1__HEARTBEAT__INIT;
    heartbeat.service = (char *) self->shared->service->name;
    heartbeat.has_sent_at_us = true;
    heartbeat.sent_at_us = ht_now_us ();
    heartbeat.streams = ht_arena_alloc (arena, sizeof (void *) * (size_t) self->n_streams);
    for (int i = 0; i < self->n_streams; i++) {
        Hetao__V1__StreamPosition *position = ht_arena_alloc (arena, sizeof *position);
        hetao__v1__stream_position__init (position);
        position->stream = (char *) self->shared->service->streams [i];
        bool known;
        ht__relay_position (self, i, &position->relay_active, &position->last_published,
                            &position->last_sequence, &known);
        position->has_last_sequence = known;
        position->has_relay_active = position->has_last_published = true;
        heartbeat.streams [heartbeat.n_streams++] = position;
    }
    zframe_t *body = zframe_new (NULL, hetao__v1__heartbeat__get_packed_size (&heartbeat));
    hetao__v1__heartbeat__pack (&heartbeat, zframe_data (body));
    zsock_send (self->pub, "sf", HT_HEARTBEAT_TOPIC, body);
    zframe_destroy (&body);
    ht_arena_reset (arena);
}

static void
s_relay_actor (zsock_t *pipe, void *args)
{
    ht_relay_t *self = args;
    const ht_settings_t *settings = self->shared->settings;
    const ht_query_t *const tables [] = { s_relay_queries, NULL };
    char name [64];
    snprintf (name, sizeof name, "hetao-%s-relay", self->shared->service->name);
    ht_db_t *db = ht_db_new (settings->db, name, tables);
    ht_arena_t *arena = ht_arena_new ();
    zpoller_t *poller = zpoller_new (pipe, self->wake, NULL);
    //  Stopped by the server through the pipe, after the last worker, never by a signal.
    zpoller_set_nonstop (poller, true);
    unsigned generation = 0;
    ht_db_set_timeouts (db, settings->statement_timeout_ms, settings->lock_timeout_ms);
    //  Every statement of the relay reads by index. A generic plan made
    //  while ht_outbox was still empty (a new database: the statistics say
    //  no rows until autovacuum first analyzes it) joined each numbered row
    //  to a scan of the whole outbox, a second per pass at 10,000 events.
    //  The statement now looks each row up by id; and with sequential scans
    //  off, no plan of the relay scans a table that has grown since. JIT
    //  goes too: a plan that must scan (ht_stream, a few rows) costs more
    //  than JIT's threshold with scans off, and compiling took 50 ms.
    ht_db_set (db, "enable_seqscan", "off");
    ht_db_set (db, "jit", "off");
    int64_t lock_retry_at = 0, purge_at = 0, last_pass = 0, heartbeat_at = 0;
    zsock_signal (pipe, 0);

    while (true) {
        int64_t until_heartbeat = (heartbeat_at - ht_mono_us ()) / 1000;
        int timeout = settings->relay_poll_ms;
        if (until_heartbeat < timeout)
            timeout = until_heartbeat > 0? (int) until_heartbeat: 0;
        void *which = zpoller_wait (poller, timeout);
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool stop = !command || !strcmp (command, "$TERM");
            zstr_free (&command);
            if (stop)
                break;
        }
        else
        if (which == self->wake) {
            //  Each numbering pass is a transaction of its own; waking for
            //  every commit would cost one per commit. Let a few gather.
            //  To the microsecond: whole milliseconds rounded up would add
            //  up to 1 ms to every event's delay.
            int64_t since = ht_mono_us () - last_pass;
            if (since < S_PASS_GAP_US) {
                struct timespec rest = { 0, (long) (S_PASS_GAP_US - since) * 1000 };
                while (nanosleep (&rest, &rest) != 0 && errno == EINTR)
                    ;
            }
            //  Any number of wake-ups mean one pass.
            while (zsock_events (self->wake) & ZMQ_POLLIN)
                zsock_wait (self->wake);
        }
        //  Before the pass's statement: a commit that sets it from now on
        //  signals again (ht__relay_wake_due).
        atomic_store (&self->wake_pending, false);
        last_pass = ht_mono_us ();
        bool heartbeat_due = last_pass >= heartbeat_at;
        if (heartbeat_due)
            heartbeat_at = last_pass + (int64_t) settings->heartbeat_ms * 1000;
        if (!ht_db_ready (db)) {
            atomic_store (&self->database_ok, false);
            for (int i = 0; i < self->n_streams; i++)
                atomic_store (&self->active [i], false);
            if (heartbeat_due)
                s_heartbeat (self, arena);
            continue;
        }
        if (ht_db_generation (db) != generation) {
            //  A new connection holds no locks.
            generation = ht_db_generation (db);
            for (int i = 0; i < self->n_streams; i++)
                atomic_store (&self->active [i], false);
            lock_retry_at = 0;
        }
        int64_t now = ht_mono_us ();
        bool any_active = false;
        for (int i = 0; i < self->n_streams; i++) {
            if (!atomic_load (&self->active [i]) && now >= lock_retry_at)
                atomic_store (&self->active [i], s_lock (self, db, i));
            if (atomic_load (&self->active [i]) && !s_pump (self, db, arena, i))
                atomic_store (&self->active [i], false);
            any_active |= atomic_load (&self->active [i]);
        }
        if (now >= lock_retry_at)
            lock_retry_at = now + S_LOCK_RETRY_US;
        //  A failed statement closed the connection (ht_db_lost).
        atomic_store (&self->database_ok, ht_db_conn (db) != NULL);
        if (any_active && now >= purge_at) {
            s_purge (self, db);
            purge_at = now + S_PURGE_EVERY_US;
        }
        if (heartbeat_due) {
            s_positions (self, db);
            s_heartbeat (self, arena);
        }
    }
    zpoller_destroy (&poller);
    ht_arena_destroy (&arena);
    ht_db_destroy (&db);
}

ht_relay_t *
ht__relay_new (const ht_shared_t *shared)
{
    ht_relay_t *self = calloc (1, sizeof *self);
    assert (self);
    self->shared = shared;
    while (shared->service->streams [self->n_streams])
        self->n_streams++;
    assert (self->n_streams <= S_MAX_STREAMS);

    self->pub = zsock_new (ZMQ_PUB);
    assert (self->pub);
    //  Memory per subscriber is bounded on purpose: at most 1,000 messages
    //  (events or heartbeats; a registry event is under 2 KiB, so about
    //  2 MiB) wait in the service, and 256 KiB in the kernel. A subscriber
    //  that falls further behind loses live events, sees the gap (or the
    //  heartbeat's last_sequence) and reads them back by sequence.
    zsock_set_sndhwm (self->pub, 1000);
    zsock_set_sndbuf (self->pub, 256 * 1024);
    zsock_set_linger (self->pub, 1000);
    //  Subscribers send only subscriptions: refuse anything bigger.
    zsock_set_maxmsgsize (self->pub, 1024);
    zsock_set_heartbeat_ivl (self->pub, 5000);
    zsock_set_heartbeat_timeout (self->pub, 15000);
    zsock_set_handshake_ivl (self->pub, 5000);
    zsock_set_tcp_keepalive (self->pub, 1);
    //  Only principals with the event_subscriber role complete the handshake.
    ht__curve_server (shared, self->pub, HT_ZAP_EVENTS);
    if (zsock_bind (self->pub, "%s", shared->settings->events_bind) < 0) {
        ht_error ("cannot bind events socket to %s: %s", shared->settings->events_bind,
                  zmq_strerror (zmq_errno ()));
        zsock_destroy (&self->pub);
        free (self);
        return NULL;
    }
    snprintf (self->wake_endpoint, sizeof self->wake_endpoint, "inproc://ht-relay-%p", (void *) self);
    self->wake = zsock_new (ZMQ_PULL);
    assert (self->wake);
    zsock_set_rcvhwm (self->wake, 100);
    zsock_bind (self->wake, "%s", self->wake_endpoint);
    self->actor = zactor_new (s_relay_actor, self);
    return self;
}

void
ht__relay_destroy (ht_relay_t **self_p)
{
    ht_relay_t *self = *self_p;
    if (self) {
        zactor_destroy (&self->actor);
        zsock_destroy (&self->wake);
        zsock_destroy (&self->pub);
        free (self);
        *self_p = NULL;
    }
}

const char *
ht__relay_wake_endpoint (ht_relay_t *self)
{
    return self->wake_endpoint;
}

//  A worker sets the flag after its commit returned and signals only when it
//  was clear; the relay clears it before each pass's statement. So a commit
//  that finds it set is seen by a pass that has not begun: waking the relay
//  once per pass instead of once per commit, with no commit left unseen.
bool
ht__relay_wake_due (ht_relay_t *self)
{
    return !atomic_exchange (&self->wake_pending, true);
}

void
ht__relay_position (ht_relay_t *self, int stream, protobuf_c_boolean *active, uint64_t *published,
                    uint64_t *last_sequence, bool *known)
{
    *active = atomic_load (&self->active [stream]);
    *published = atomic_load (&self->published [stream]);
    *last_sequence = atomic_load (&self->last_sequence [stream]);
    *known = atomic_load (&self->positions_known);
}

bool
ht__relay_database_ok (ht_relay_t *self)
{
    return atomic_load (&self->database_ok);
}

/*  ht_rebuild - read models rebuilt from the streams, then switched in one step

    The thread of a rebuild, on its own database connection:

        lock        pg_try_advisory_lock ('hetao.rebuild.<service>'), held to the end
        preparing   drop what a failed rebuild left; CREATE SCHEMA <s>_next and
                    run every migration of the service in it (search path <s>_next)
        replaying   each followed stream from sequence 0 to the source's last,
                    through the consumer's apply function, a page per transaction
        switching   BEGIN; per stream: SELECT ... FROM ht_checkpoint FOR UPDATE
                    (live apply waits here), replay up to it if behind, or move
                    it up to the replay's position if ahead; ALTER SCHEMA <s>
                    RENAME TO <s>_retired; ALTER SCHEMA <s>_next RENAME TO <s>; COMMIT
        done        DROP SCHEMA <s>_retired CASCADE

    Do not break: the switch holds every checkpoint row from before its last
    apply until the rename commits, so when live apply resumes, the schema it
    writes to holds exactly the events up to the checkpoint it finds. That
    is what makes every event counted once across the switch. Every
    connection names the read models through its search path ("<s>, public"),
    so after the rename the next statement of each session finds the new
    tables (PostgreSQL replans prepared statements when a schema changes).

    Schema names are identifiers, which SQL cannot take as parameters: they
    come from the service's constant and are quoted with PQescapeIdentifier.
*/

#include "ht_rebuild.h"
#include "ht_internal.h"
#include "ht_log.h"
#include "ht_text.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_START_WAIT_MS 10000       //  a request waits this long for the lock to be taken

static const ht_query_t s_rebuild_queries [] = {
    { "ht_rebuild_lock",
      "SELECT pg_try_advisory_lock (hashtext ('hetao.rebuild.' || $1))" },
    { "ht_rebuild_checkpoint_ensure",
      "INSERT INTO public.ht_checkpoint (stream) VALUES ($1) ON CONFLICT DO NOTHING" },
    { "ht_rebuild_checkpoint_read",
      "SELECT last_seq FROM public.ht_checkpoint WHERE stream = $1" },
    { "ht_rebuild_checkpoint_hold",
      "SELECT last_seq FROM public.ht_checkpoint WHERE stream = $1 FOR UPDATE" },
    { "ht_rebuild_checkpoint_move",
      "UPDATE public.ht_checkpoint SET last_seq = $2::bigint, applied_at = now() WHERE stream = $1" },
    { "ht_rebuild_search_path",
      "SELECT set_config ('search_path', $1, false)" },
    { NULL, NULL }
};

//  The one rebuild of this process.
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ht_rebuild_status_t status;     //  guarded by `lock`
    ht_rebuild_status_t previous;   //  restored when a start is refused
    char refusal [512];             //  why it was refused
    ht_db_t *db;                    //  the thread's connection, to cancel at shutdown
    bool thread_live;               //  a thread runs or has not been joined
    bool locked;                    //  the thread has answered: lock taken, or refused
    pthread_t thread;
    atomic_bool stop;
    const ht_shared_t *shared;
} s_self = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

//  What the thread works with.
typedef struct {
    const ht_service_t *service;
    const ht_settings_t *settings;
    ht_db_t *db;
    char live [64], next [64], retired [64];        //  quoted schema names
    char next_path [160];
    ht_client_t *clients [HT_REBUILD_STREAMS_MAX];
    char error [512];
} job_t;

static void
s_phase (const char *phase)
{
    pthread_mutex_lock (&s_self.lock);
    snprintf (s_self.status.phase, sizeof s_self.status.phase, "%s", phase);
    pthread_mutex_unlock (&s_self.lock);
}

//  Runs SQL text without parameters (DDL of constant text); false with
//  job->error filled.
static bool
s_sql (job_t *job, const char *sql, const char *what)
{
    PGresult *result = PQexec (ht_db_conn (job->db), sql);
    bool ok = ht_db_ok (result);
    if (!ok)
        snprintf (job->error, sizeof job->error, "%s: %s", what, PQresultErrorMessage (result));
    PQclear (result);
    return ok;
}

//  Runs a prepared statement; its result (caller PQclears) or NULL with job->error filled.
static PGresult *
s_exec (job_t *job, const char *name, int count, const char *const *values)
{
    PGresult *result = ht_db_exec (job->db, name, count, values, NULL, NULL);
    if (ht_db_ok (result))
        return result;
    snprintf (job->error, sizeof job->error, "%s: %s", name, PQresultErrorMessage (result));
    PQclear (result);
    return NULL;
}

static bool
s_quote (job_t *job, const char *name, char *out, size_t size)
{
    char *quoted = PQescapeIdentifier (ht_db_conn (job->db), name, strlen (name));
    bool ok = quoted && strlen (quoted) < size;
    if (ok)
        strcpy (out, quoted);
    PQfreemem (quoted);
    return ok;
}

//  A new schema beside the live one, made by every migration of the service.
static bool
s_prepare (job_t *job)
{
    char sql [512];
    snprintf (sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; DROP SCHEMA IF EXISTS %s CASCADE",
              job->next, job->retired);
    if (!s_sql (job, sql, "dropping what an earlier rebuild left"))
        return false;
    snprintf (sql, sizeof sql, "BEGIN; CREATE SCHEMA %s", job->next);
    if (!s_sql (job, sql, "creating the new schema"))
        return false;
    //  From here on this session, and any it reconnects as, writes to the
    //  new schema only: never to the live one.
    ht_db_set_search_path (job->db, job->next_path);
    const char *path [] = { job->next_path };
    PGresult *set = s_exec (job, "ht_rebuild_search_path", 1, path);
    bool ok = set != NULL;
    PQclear (set);
    for (const ht_migration_t *migration = job->service->migrations; ok && migration->name; migration++) {
        char what [160];
        snprintf (what, sizeof what, "migration %s", migration->name);
        ok = s_sql (job, migration->sql, what);
    }
    ok = ok && s_sql (job, "COMMIT", "committing the new schema");
    if (!ok)
        s_sql (job, "ROLLBACK", "rollback");
    return ok;
}

//  Replays every followed stream into the new schema, from the start.
static bool
s_replay (job_t *job, ht_rebuild_stream_t *streams, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t position = streams [i].new_sequence, events = streams [i].events;
        bool ok = ht_consumer_replay (job->service->consumers [i], job->db, job->clients [i], &position, 0,
                                      false, &events, &s_self.stop, job->error, sizeof job->error);
        pthread_mutex_lock (&s_self.lock);
        streams [i].new_sequence = s_self.status.streams [i].new_sequence = position;
        streams [i].events = s_self.status.streams [i].events = events;
        pthread_mutex_unlock (&s_self.lock);
        if (!ok)
            return false;
    }
    return true;
}

//  Catches the new schema up to every live checkpoint while holding them,
//  and puts it in the live one's place, in one transaction.
static bool
s_switch (job_t *job, ht_rebuild_stream_t *streams, size_t count)
{
    if (!s_sql (job, "BEGIN", "beginning the switch"))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < count; i++) {
        const ht_consumer_spec_t *spec = job->service->consumers [i];
        const char *values [] = { spec->stream, NULL };
        PGresult *held = s_exec (job, "ht_rebuild_checkpoint_hold", 1, values);
        ok = held && PQntuples (held) == 1;
        uint64_t live = ok? strtoull (PQgetvalue (held, 0, 0), NULL, 10): 0;
        PQclear (held);
        if (ok && streams [i].new_sequence < live)
            //  Live apply went on while we replayed: the rest, in this transaction.
            ok = ht_consumer_replay (spec, job->db, job->clients [i], &streams [i].new_sequence, live, true,
                                     &streams [i].events, &s_self.stop, job->error, sizeof job->error);
        else
        if (ok && streams [i].new_sequence > live) {
            //  The replay read further than live apply got: live apply goes on from there.
            char position [24];
            snprintf (position, sizeof position, "%llu", (unsigned long long) streams [i].new_sequence);
            values [1] = position;
            PGresult *moved = s_exec (job, "ht_rebuild_checkpoint_move", 2, values);
            ok = moved != NULL;
            PQclear (moved);
        }
    }
    char sql [512];
    snprintf (sql, sizeof sql, "ALTER SCHEMA %s RENAME TO %s; ALTER SCHEMA %s RENAME TO %s",
              job->live, job->retired, job->next, job->live);
    ok = ok && s_sql (job, sql, "switching the schemas") && s_sql (job, "COMMIT", "committing the switch");
    if (!ok) {
        char ignored [sizeof job->error];
        memcpy (ignored, job->error, sizeof ignored);
        s_sql (job, "ROLLBACK", "rollback");
        memcpy (job->error, ignored, sizeof ignored);
        return false;
    }
    pthread_mutex_lock (&s_self.lock);
    for (size_t i = 0; i < count; i++)
        s_self.status.streams [i] = streams [i];
    pthread_mutex_unlock (&s_self.lock);
    snprintf (sql, sizeof sql, "DROP SCHEMA %s CASCADE", job->retired);
    if (!s_sql (job, sql, "dropping the old schema"))
        ht_warn ("rebuild: switched, but %s (it is dropped by the next rebuild)", job->error);
    return true;
}

//  The thread's work after it holds the lock; false with job->error filled.
static bool
s_run (job_t *job)
{
    size_t count = s_self.status.n_streams;
    ht_rebuild_stream_t streams [HT_REBUILD_STREAMS_MAX];
    memcpy (streams, s_self.status.streams, sizeof streams);
    for (size_t i = 0; i < count; i++) {
        const ht_consumer_spec_t *spec = job->service->consumers [i];
        const char *values [] = { spec->stream };
        PGresult *ensured = s_exec (job, "ht_rebuild_checkpoint_ensure", 1, values);
        PGresult *read = ensured? s_exec (job, "ht_rebuild_checkpoint_read", 1, values): NULL;
        bool ok = read && PQntuples (read) == 1;
        if (ok)
            streams [i].old_sequence = strtoull (PQgetvalue (read, 0, 0), NULL, 10);
        PQclear (ensured);
        PQclear (read);
        if (!ok)
            return false;
        const ht_source_settings_t *source = ht__source_find (job->settings, spec->source->name);
        ht_client_options_t options = {
            .deadline_ms = source->deadline_ms, .attempts = 2,
            .cert = job->settings->curve_cert, .server_key = source->server_key
        };
        job->clients [i] = ht_client_new (source->endpoint, &options);
        if (!job->clients [i]) {
            snprintf (job->error, sizeof job->error, "cannot make a client of %s", source->endpoint);
            return false;
        }
    }
    pthread_mutex_lock (&s_self.lock);
    memcpy (s_self.status.streams, streams, sizeof streams);
    pthread_mutex_unlock (&s_self.lock);
    ht_info ("rebuild: preparing %s", job->next);
    if (!s_prepare (job))
        return false;
    s_phase ("replaying");
    if (!s_replay (job, streams, count))
        return false;
    s_phase ("switching");
    ht_info ("rebuild: replayed; switching");
    return s_switch (job, streams, count);
}

static void *
s_thread (void *args)
{
    (void) args;
    job_t job = { .service = s_self.shared->service, .settings = s_self.shared->settings };
    const char *schema = job.service->read_model_schema;
    char name [64], live_path [128];
    snprintf (name, sizeof name, "hetao-%s-rebuild", job.service->name);
    //  Prepared against the live schema; replanned for the new one once the
    //  search path names it.
    const ht_query_t *tables [HT_QUERY_TABLES_MAX + 2] = { s_rebuild_queries };
    size_t n_tables = 1;
    for (const ht_consumer_spec_t *const *spec = job.service->consumers; *spec; spec++)
        for (const ht_query_t *const *table = (*spec)->queries; table && *table; table++) {
            assert (n_tables < HT_QUERY_TABLES_MAX + 1);
            tables [n_tables++] = *table;
        }
    job.db = ht_db_new (job.settings->db, name, tables);
    snprintf (live_path, sizeof live_path, "%s, public", schema);
    ht_db_set_search_path (job.db, live_path);
    ht_db_set_timeouts (job.db, job.settings->statement_timeout_ms, 0);

    bool ok = ht_db_wait_ready (job.db, 5000);
    if (!ok)
        snprintf (job.error, sizeof job.error, "database: %s", ht_db_error (job.db));
    char next [64], retired [64];
    snprintf (next, sizeof next, "%s_next", schema);
    snprintf (retired, sizeof retired, "%s_retired", schema);
    ok = ok && s_quote (&job, schema, job.live, sizeof job.live) && s_quote (&job, next, job.next, sizeof job.next)
            && s_quote (&job, retired, job.retired, sizeof job.retired);
    snprintf (job.next_path, sizeof job.next_path, "%s, public", job.next);
    const char *values [] = { job.service->name };
    PGresult *locked = ok? s_exec (&job, "ht_rebuild_lock", 1, values): NULL;
    bool held = locked && !strcmp (PQgetvalue (locked, 0, 0), "t");
    PQclear (locked);
    if (locked && !held)
        snprintf (job.error, sizeof job.error, "a rebuild of %s's read models is running on another replica",
                  job.service->name);
    pthread_mutex_lock (&s_self.lock);
    s_self.locked = true;
    if (!held) {
        //  Refused: the request says why, and the last outcome stays as it was.
        ht_warn ("rebuild: not started: %s", job.error);
        s_self.status = s_self.previous;
        snprintf (s_self.refusal, sizeof s_self.refusal, "%s", job.error);
    }
    else
        s_self.db = job.db;
    pthread_cond_broadcast (&s_self.changed);
    pthread_mutex_unlock (&s_self.lock);

    int64_t started = ht_mono_us ();
    if (held) {
        ok = s_run (&job);
        if (!ok) {
            char sql [160];
            snprintf (sql, sizeof sql, "ROLLBACK; DROP SCHEMA IF EXISTS %s CASCADE", job.next);
            char error [sizeof job.error];
            memcpy (error, job.error, sizeof error);
            //  Once more on a new connection if this one failed (a cancel
            //  that came late, a connection lost with the statement).
            for (int attempt = 0; attempt < 2; attempt++) {
                if (ht_db_ready (job.db) && s_sql (&job, sql, "cleaning up"))
                    break;
                ht_warn ("rebuild: %s", job.error);
                ht_db_reset (job.db);
            }
            memcpy (job.error, error, sizeof error);
            ht_error ("rebuild: failed, the read models stay as they were: %s", job.error);
        }
        else
            ht_info ("rebuild: switched to the new read models in %lld ms",
                     (long long) (ht_mono_us () - started) / 1000);
        pthread_mutex_lock (&s_self.lock);
        s_self.status.state = ok? HT_REBUILD_SWITCHED: HT_REBUILD_FAILED;
        snprintf (s_self.status.phase, sizeof s_self.status.phase, "%s", ok? "done": "failed");
        snprintf (s_self.status.error, sizeof s_self.status.error, "%s", ok? "": job.error);
        s_self.status.finished_at_us = ht_now_us ();
        pthread_mutex_unlock (&s_self.lock);
    }
    for (size_t i = 0; i < HT_REBUILD_STREAMS_MAX; i++)
        ht_client_destroy (&job.clients [i]);
    pthread_mutex_lock (&s_self.lock);
    s_self.db = NULL;
    pthread_mutex_unlock (&s_self.lock);
    ht_db_destroy (&job.db);            //  ends the session: the advisory lock goes with it
    return NULL;
}

bool
ht_rebuild_start (ht_call_t *call)
{
    const ht_shared_t *shared = ht__call_worker (call)->shared;
    const ht_service_t *service = shared->service;
    if (!service->read_model_schema || !service->consumers) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, NULL, "%s keeps no read models to rebuild", service->name);
        return false;
    }
    pthread_mutex_lock (&s_self.lock);
    if (s_self.status.state == HT_REBUILD_RUNNING) {
        char since [40];
        ht_time_format (s_self.status.started_at_us, since, sizeof since);
        pthread_mutex_unlock (&s_self.lock);
        ht_call_fail (call, HT_FAILED_PRECONDITION, NULL,
                      "a rebuild is running since %s; wait for it (hetaoctl report rebuild waits)", since);
        return false;
    }
    if (s_self.thread_live) {
        pthread_mutex_unlock (&s_self.lock);
        pthread_join (s_self.thread, NULL);     //  finished: its status is set
        pthread_mutex_lock (&s_self.lock);
        s_self.thread_live = false;
    }
    s_self.shared = shared;
    s_self.previous = s_self.status;
    ht_rebuild_status_t *status = &s_self.status;
    memset (status, 0, sizeof *status);
    status->state = HT_REBUILD_RUNNING;
    snprintf (status->phase, sizeof status->phase, "preparing");
    status->started_at_us = ht_now_us ();
    snprintf (status->requested_by, sizeof status->requested_by, "%s", ht_call_principal (call)->name);
    for (const ht_consumer_spec_t *const *spec = service->consumers; *spec; spec++) {
        assert (status->n_streams < HT_REBUILD_STREAMS_MAX);
        snprintf (status->streams [status->n_streams++].stream, sizeof status->streams [0].stream, "%s",
                  (*spec)->stream);
    }
    s_self.locked = false;
    atomic_store (&s_self.stop, false);
    s_self.thread_live = pthread_create (&s_self.thread, NULL, s_thread, NULL) == 0;
    if (!s_self.thread_live) {
        s_self.status = s_self.previous;
        pthread_mutex_unlock (&s_self.lock);
        ht_call_fail (call, HT_UNAVAILABLE, NULL, "cannot start a thread for the rebuild");
        return false;
    }
    ht_info ("rebuild: started by %s (request %s)", status->requested_by, ht_call_request_id (call));
    struct timespec until;
    clock_gettime (CLOCK_REALTIME, &until);
    until.tv_sec += S_START_WAIT_MS / 1000;
    while (!s_self.locked)
        if (pthread_cond_timedwait (&s_self.changed, &s_self.lock, &until))
            break;
    bool refused = s_self.locked && s_self.status.state != HT_REBUILD_RUNNING;
    char why [sizeof s_self.refusal];
    memcpy (why, s_self.refusal, sizeof why);
    pthread_mutex_unlock (&s_self.lock);
    if (refused) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, NULL, "%s", why);
        return false;
    }
    return true;
}

void
ht_rebuild_status (ht_rebuild_status_t *status)
{
    pthread_mutex_lock (&s_self.lock);
    *status = s_self.status;
    pthread_mutex_unlock (&s_self.lock);
}

void
ht__rebuild_stop (void)
{
    pthread_mutex_lock (&s_self.lock);
    bool live = s_self.thread_live;
    s_self.thread_live = false;
    pthread_mutex_unlock (&s_self.lock);
    if (live) {
        atomic_store (&s_self.stop, true);
        pthread_mutex_lock (&s_self.lock);
        if (s_self.db)
            ht_db_cancel (s_self.db);       //  a statement or a lock wait in progress ends now
        pthread_mutex_unlock (&s_self.lock);
        pthread_join (s_self.thread, NULL);
    }
}

/*  ht_db - one PostgreSQL connection: reconnect, prepared statements,
    pipelines and migrations
*/

#include "ht_db.h"
#include "ht_fiber.h"
#include "ht_log.h"
#include "ht_text.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_BACKOFF_MIN_US   100000       //  first retry after 0.1 s
//  then doubling up to 2 s: a service answers again within about 2 s of its
//  database coming back, however long it was away (the promise is 5 s,
//  tests/faults/test_database_restart.py); an attempt against a server that
//  is down costs one refused connection.
#define S_BACKOFF_MAX_US  2000000
#define S_SETTINGS_MAX    4             //  ht_db_set
#define S_CONNECT_TIMEOUT_US 5000000    //  libpq's connect_timeout: a connection attempt, at most

struct _ht_db_t {
    char *conninfo;
    char *application_name;
    const ht_query_t *const *tables;
    PGconn *conn;               //  NULL when not connected
    int64_t retry_at_us;        //  monotonic time of the next attempt
    int64_t backoff_us;
    int pending;                //  statements sent in the current pipeline
    unsigned generation;        //  counts successful connects
    bool ready;                 //  connected and statements prepared
    int statement_timeout_ms;   //  0: the server's default
    int lock_timeout_ms;
    char *search_path;          //  NULL: the server's default
    char *settings [S_SETTINGS_MAX][2];     //  more server settings: name, value
    int n_settings;
    pthread_mutex_t cancel_lock;    //  guards `cancel`, used from other threads
    PGcancel *cancel;           //  for the connection that is open, or NULL
    char error [512];
};

ht_db_t *
ht_db_new (const char *conninfo, const char *application_name, const ht_query_t *const *tables)
{
    ht_db_t *self = calloc (1, sizeof *self);
    assert (self);
    self->conninfo = strdup (conninfo);
    self->application_name = strdup (application_name);
    self->tables = tables;
    self->backoff_us = S_BACKOFF_MIN_US;
    pthread_mutex_init (&self->cancel_lock, NULL);
    return self;
}

void
ht_db_set_timeouts (ht_db_t *self, int statement_timeout_ms, int lock_timeout_ms)
{
    self->statement_timeout_ms = statement_timeout_ms;
    self->lock_timeout_ms = lock_timeout_ms;
}

//  Keeps the cancel handle in step with the connection (NULL when closed).
static void
s_cancel_update (ht_db_t *self)
{
    PGcancel *cancel = self->conn? PQgetCancel (self->conn): NULL;
    pthread_mutex_lock (&self->cancel_lock);
    if (self->cancel)
        PQfreeCancel (self->cancel);
    self->cancel = cancel;
    pthread_mutex_unlock (&self->cancel_lock);
}

void
ht_db_set_search_path (ht_db_t *self, const char *search_path)
{
    free (self->search_path);
    self->search_path = search_path? strdup (search_path): NULL;
}

void
ht_db_set (ht_db_t *self, const char *name, const char *value)
{
    assert (self->n_settings < S_SETTINGS_MAX);
    self->settings [self->n_settings][0] = strdup (name);
    self->settings [self->n_settings][1] = strdup (value);
    self->n_settings++;
}

bool
ht_db_cancel (ht_db_t *self)
{
    char error [256];
    pthread_mutex_lock (&self->cancel_lock);
    bool sent = self->cancel && PQcancel (self->cancel, error, sizeof error);
    pthread_mutex_unlock (&self->cancel_lock);
    return sent;
}

void
ht_db_destroy (ht_db_t **self_p)
{
    ht_db_t *self = *self_p;
    if (self) {
        if (self->conn)
            PQfinish (self->conn);
        self->conn = NULL;
        s_cancel_update (self);
        pthread_mutex_destroy (&self->cancel_lock);
        free (self->conninfo);
        free (self->application_name);
        free (self->search_path);
        for (int i = 0; i < self->n_settings; i++) {
            free (self->settings [i][0]);
            free (self->settings [i][1]);
        }
        free (self);
        *self_p = NULL;
    }
}

static void
s_fail (ht_db_t *self, const char *what)
{
    snprintf (self->error, sizeof self->error, "%s: %s", what,
              self->conn? PQerrorMessage (self->conn): "no connection");
    //  libpq messages end with a newline; logs want one line.
    char *newline = strchr (self->error, '\n');
    if (newline)
        *newline = 0;
    bool was_ready = self->conn && self->ready;
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
        s_cancel_update (self);
    }
    self->ready = false;
    if (was_ready)
        //  A working connection broke (a server restart, a cut): try again
        //  at once; back off only when connecting itself fails.
        self->retry_at_us = ht_mono_us ();
    else {
        self->retry_at_us = ht_mono_us () + self->backoff_us;
        self->backoff_us = self->backoff_us * 2 > S_BACKOFF_MAX_US? S_BACKOFF_MAX_US: self->backoff_us * 2;
    }
}

//  Server notices (e.g. "relation already exists, skipping") go to the log
//  as JSON lines instead of raw text on stderr.
static void
s_notice (void *arg, const char *message)
{
    ht_debug ("database notice: %.*s", (int) strcspn (message, "\n"), message);
}

//  Waits until the connection's socket is ready for `events`. False when
//  the wait itself failed.
static bool
s_wait (ht_db_t *self, short events)
{
    zmq_pollitem_t item = { NULL, PQsocket (self->conn), events, 0 };
    while (true) {
        int rc = ht_fiber_poll (&item, 1, -1);
        if (rc > 0)
            return true;
        if (rc < 0 && errno != EINTR)
            return false;
    }
}

//  Sends what libpq holds in its output buffer. False when the connection failed.
static bool
s_send_all (ht_db_t *self)
{
    int rc;
    while ((rc = PQflush (self->conn)) == 1) {
        //  The server may be waiting for us to read before it reads more.
        if (!s_wait (self, ZMQ_POLLIN | ZMQ_POLLOUT) || !PQconsumeInput (self->conn))
            return false;
    }
    return rc == 0;
}

//  PQgetResult without blocking the thread: the next result, or NULL at
//  the end of a statement's results (or when the connection failed).
static PGresult *
s_next_result (ht_db_t *self)
{
    while (PQisBusy (self->conn))
        if (!s_wait (self, ZMQ_POLLIN) || !PQconsumeInput (self->conn))
            break;
    return PQgetResult (self->conn);
}

//  After a statement was sent: its result, as PQexec returns it (the last
//  one, or the first error). NULL when the connection failed.
static PGresult *
s_finish (ht_db_t *self)
{
    if (!s_send_all (self))
        return NULL;
    PGresult *kept = NULL, *result;
    while ((result = s_next_result (self))) {
        if (kept && PQresultStatus (kept) == PGRES_FATAL_ERROR)
            PQclear (result);
        else {
            PQclear (kept);
            kept = result;
        }
        if (PQstatus (self->conn) == CONNECTION_BAD)
            break;
    }
    return kept;
}

//  A statement in text with text parameters, without blocking the thread.
static PGresult *
s_exec_text (ht_db_t *self, const char *sql, int count, const char *const *values)
{
    int sent = count? PQsendQueryParams (self->conn, sql, count, NULL, values, NULL, NULL, 0)
                    : PQsendQuery (self->conn, sql);
    return sent? s_finish (self): NULL;
}

//  Sets a server setting for the session; on failure drops the connection.
static bool
s_set (ht_db_t *self, const char *name, const char *value)
{
    const char *params [] = { name, value };
    PGresult *result = s_exec_text (self, "SELECT set_config ($1, $2, false)", 2, params);
    bool ok = PQresultStatus (result) == PGRES_TUPLES_OK;
    PQclear (result);
    if (!ok)
        s_fail (self, name);
    return ok;
}

static bool
s_connect (ht_db_t *self)
{
    //  Defaults first: values in the connection string override them.
    const char *keywords [] = { "connect_timeout", "application_name", "dbname", NULL };
    const char *values [] = { "5", self->application_name, self->conninfo, NULL };
    //  Connected step by step, so that a fiber waits for the server
    //  without holding up the others (the host name lookup still blocks).
    self->conn = PQconnectStartParams (keywords, values, 1);
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    int64_t give_up = ht_mono_us () + S_CONNECT_TIMEOUT_US;
    while (PQstatus (self->conn) != CONNECTION_BAD
    &&     polling != PGRES_POLLING_OK && polling != PGRES_POLLING_FAILED) {
        int64_t left = give_up - ht_mono_us ();
        zmq_pollitem_t item = { NULL, PQsocket (self->conn),
                                polling == PGRES_POLLING_READING? ZMQ_POLLIN: ZMQ_POLLOUT, 0 };
        if (left <= 0)
            break;
        int rc = ht_fiber_poll (&item, 1, (long) (left / 1000) + 1);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0)
            polling = PQconnectPoll (self->conn);
    }
    if (PQstatus (self->conn) != CONNECTION_OK) {
        s_fail (self, PQstatus (self->conn) == CONNECTION_BAD? "connect": "connect (timed out)");
        return false;
    }
    PQsetNoticeProcessor (self->conn, s_notice, NULL);
    //  Statements are sent without blocking; ht_db waits for the socket
    //  in ht_fiber_poll (PQexec, used only for migrations, still blocks).
    if (PQsetnonblocking (self->conn, 1) != 0) {
        s_fail (self, "set non-blocking");
        return false;
    }
    //  Everything we store (money, space, decisions, the outbox) waits for
    //  the WAL flush, whatever the server's default says.
    PGresult *result = s_exec_text (self, "SET synchronous_commit = on", 0, NULL);
    bool ok = PQresultStatus (result) == PGRES_COMMAND_OK;
    PQclear (result);
    if (!ok) {
        s_fail (self, "set synchronous_commit");
        return false;
    }
    //  No statement and no lock wait runs unbounded: a stuck request ends
    //  with an error its caller can retry, and shutdown is never held up.
    //  The search path decides which schema's tables the statements below
    //  name (a service's read models: ht_service_t.read_model_schema).
    const char *names [] = { "statement_timeout", "lock_timeout", "search_path" };
    int limits [] = { self->statement_timeout_ms, self->lock_timeout_ms, self->search_path? 1: 0 };
    for (int i = 0; i < 3; i++) {
        char value [16];
        snprintf (value, sizeof value, "%d", limits [i]);
        if (limits [i] > 0 && !s_set (self, names [i], i == 2? self->search_path: value))
            return false;
    }
    //  Then those of ht_db_set.
    for (int i = 0; i < self->n_settings; i++)
        if (!s_set (self, self->settings [i][0], self->settings [i][1]))
            return false;
    for (const ht_query_t *const *table = self->tables; table && *table; table++)
        for (const ht_query_t *query = *table; query->name; query++) {
            result = PQsendPrepare (self->conn, query->name, query->sql, 0, NULL)
                   ? s_finish (self): NULL;
            ok = PQresultStatus (result) == PGRES_COMMAND_OK;
            PQclear (result);
            if (!ok) {
                char what [160];
                snprintf (what, sizeof what, "prepare %s", query->name);
                s_fail (self, what);
                return false;
            }
        }
    self->backoff_us = S_BACKOFF_MIN_US;
    self->error [0] = 0;
    self->generation++;
    self->ready = true;
    s_cancel_update (self);
    return true;
}

bool
ht_db_ready (ht_db_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return true;
    if (self->conn)
        s_fail (self, "connection lost");
    if (ht_mono_us () < self->retry_at_us)
        return false;
    return s_connect (self);
}

bool
ht_db_wait_ready (ht_db_t *self, int timeout_ms)
{
    int64_t give_up = ht_mono_us () + (int64_t) timeout_ms * 1000;
    while (!ht_db_ready (self)) {
        int64_t now = ht_mono_us ();
        if (now >= give_up)
            return false;
        ht_warn ("database not ready, retrying: %s", self->error);
        int64_t wait = self->retry_at_us - now;
        usleep ((useconds_t) (wait > 0? wait: 1000));
    }
    return true;
}

PGconn *
ht_db_conn (ht_db_t *self)
{
    return self->conn;
}

unsigned
ht_db_generation (ht_db_t *self)
{
    return self->generation;
}

const char *
ht_db_error (ht_db_t *self)
{
    return self->error;
}

static PGresult *
s_no_connection (void)
{
    return PQmakeEmptyPGresult (NULL, PGRES_FATAL_ERROR);
}

PGresult *
ht_db_exec (ht_db_t *self, const char *name, int count,
            const char *const *values, const int *lengths, const int *formats)
{
    if (!self->conn)
        return s_no_connection ();
    PGresult *result = PQsendQueryPrepared (self->conn, name, count, values, lengths, formats, 0)
                     ? s_finish (self): NULL;
    return result? result: s_no_connection ();
}

bool
ht_db_send (ht_db_t *self, const char *name, int count,
            const char *const *values, const int *lengths, const int *formats)
{
    if (!self->conn)
        return false;
    if (PQpipelineStatus (self->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode (self->conn))
        return false;
    if (!PQsendQueryPrepared (self->conn, name, count, values, lengths, formats, 0)) {
        s_fail (self, "send");
        return false;
    }
    self->pending++;
    return true;
}

bool
ht_db_send_command (ht_db_t *self, const char *command)
{
    if (!self->conn)
        return false;
    if (PQpipelineStatus (self->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode (self->conn))
        return false;
    if (!PQsendQueryParams (self->conn, command, 0, NULL, NULL, NULL, NULL, 0)) {
        s_fail (self, "send");
        return false;
    }
    self->pending++;
    return true;
}

bool
ht_db_flush (ht_db_t *self, PGresult **results, int count)
{
    //  A failed send has already dropped the connection; the caller still
    //  collects `count` (fatal) results, so every step gets one.
    self->pending = 0;
    bool ok = self->conn && PQpipelineSync (self->conn) == 1 && s_send_all (self);
    for (int i = 0; i < count; i++) {
        results [i] = ok? s_next_result (self): NULL;
        if (!results [i]) {
            ok = false;
            results [i] = s_no_connection ();
            continue;
        }
        //  Each statement's result is followed by a NULL separator.
        PGresult *extra;
        while ((extra = s_next_result (self)) != NULL)
            PQclear (extra);
    }
    if (ok) {
        PGresult *sync = s_next_result (self);
        ok = sync && PQresultStatus (sync) == PGRES_PIPELINE_SYNC;
        PQclear (sync);
        ok = ok && PQexitPipelineMode (self->conn) == 1;
    }
    if (!ok)
        s_fail (self, "pipeline");
    return ok;
}

bool
ht_db_command (ht_db_t *self, const char *command)
{
    if (!self->conn)
        return false;
    PGresult *result = s_exec_text (self, command, 0, NULL);
    bool ok = PQresultStatus (result) == PGRES_COMMAND_OK;
    PQclear (result);
    if (!ok)
        ht_db_lost (self);
    return ok;
}

bool
ht_db_lost (ht_db_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return false;
    if (self->conn)
        s_fail (self, "connection lost");
    return true;
}

void
ht_db_reset (ht_db_t *self)
{
    if (self->conn) {
        self->ready = true;         //  a working connection: no back-off
        s_fail (self, "closed to start afresh");
    }
}

const char *
ht_db_sqlstate (const PGresult *result)
{
    const char *state = result? PQresultErrorField (result, PG_DIAG_SQLSTATE): NULL;
    return state? state: "";
}

const char *
ht_db_constraint (const PGresult *result)
{
    const char *name = result? PQresultErrorField (result, PG_DIAG_CONSTRAINT_NAME): NULL;
    return name? name: "";
}

bool
ht_db_ok (const PGresult *result)
{
    ExecStatusType status = PQresultStatus (result);
    return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

//  ---------------------------------------------------------------------------
//  Migrations

static bool
s_run (PGconn *conn, const char *sql, int count, const char *const *values,
       const char *what, char *error, size_t error_size)
{
    PGresult *result = count? PQexecParams (conn, sql, count, NULL, values, NULL, NULL, 0)
                            : PQexec (conn, sql);
    bool ok = ht_db_ok (result);
    if (!ok)
        snprintf (error, error_size, "%s: %s", what, PQresultErrorMessage (result));
    PQclear (result);
    return ok;
}

bool
ht_db_migrate (ht_db_t *self, const char *component, const ht_migration_t *migrations,
               char *error, size_t error_size)
{
    return ht_db_migrate_in (self, component, migrations, NULL, error, error_size);
}

bool
ht_db_migrate_in (ht_db_t *self, const char *component, const ht_migration_t *migrations,
                  const char *search_path, char *error, size_t error_size)
{
    if (!self->conn) {
        snprintf (error, error_size, "migrate %s: no database connection", component);
        return false;
    }
    PGconn *conn = self->conn;
    //  One lock for every component of this database: replicas that start
    //  together apply each migration exactly once, in order.
    const char *lock = "SELECT pg_advisory_lock(hashtext('hetao.migrate'))";
    const char *unlock = "SELECT pg_advisory_unlock(hashtext('hetao.migrate'))";
    if (!s_run (conn, lock, 0, NULL, "migration lock", error, error_size))
        return false;
    bool ok = s_run (conn,
        "CREATE TABLE IF NOT EXISTS ht_migration ("
        " component text NOT NULL, version integer NOT NULL, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))",
        0, NULL, "create ht_migration", error, error_size);

    for (const ht_migration_t *migration = migrations; ok && migration->name; migration++) {
        char version [16];
        snprintf (version, sizeof version, "%d", migration->version);
        const char *key [] = { component, version, migration->name };
        PGresult *result = PQexecParams (conn,
            "SELECT 1 FROM ht_migration WHERE component = $1 AND version = $2",
            2, NULL, key, NULL, NULL, 0);
        ok = PQresultStatus (result) == PGRES_TUPLES_OK;
        bool applied = ok && PQntuples (result) == 1;
        PQclear (result);
        if (!ok) {
            snprintf (error, error_size, "read ht_migration: %s", PQerrorMessage (conn));
            break;
        }
        if (applied)
            continue;
        char what [300];
        snprintf (what, sizeof what, "migration %s/%s", component, migration->name);
        const char *path [] = { search_path };
        ok = s_run (conn, "BEGIN", 0, NULL, what, error, error_size)
          && s_run (conn, "INSERT INTO ht_migration (component, version, name) VALUES ($1, $2, $3)",
                    3, key, what, error, error_size)
          && (!search_path || s_run (conn, "SELECT set_config ('search_path', $1, true)", 1, path, what,
                                     error, error_size))
          && s_run (conn, migration->sql, 0, NULL, what, error, error_size)
          && s_run (conn, "COMMIT", 0, NULL, what, error, error_size);
        if (ok)
            ht_info ("applied migration %s/%s", component, migration->name);
        else
            s_run (conn, "ROLLBACK", 0, NULL, "rollback", error + strlen (error), 0);
    }
    char ignored [256];
    s_run (conn, unlock, 0, NULL, "migration unlock", ignored, sizeof ignored);
    return ok;
}

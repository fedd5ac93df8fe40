/*  ht_db - one PostgreSQL connection: reconnect, prepared statements,
    pipelines and migrations

    Every statement a program runs is named in a table of { name, sql } and
    prepared when the connection opens, so a typo fails at start, not in
    production. Values always travel as parameters ($1, $2, ...); nothing here
    formats SQL text. A broken connection is reopened with exponential
    back-off, and its statements prepared again.
*/
#ifndef HT_DB_H_INCLUDED
#define HT_DB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

typedef struct {
    const char *name;           //  statement name, unique across the program
    const char *sql;
} ht_query_t;

typedef struct {
    int version;                //  from the file name NNN_words.sql
    const char *name;
    const char *sql;
} ht_migration_t;

typedef struct _ht_db_t ht_db_t;

//  A connection to `conninfo` (a libpq connection string or URI) that will
//  prepare every query of the NULL-terminated list of NULL-terminated tables.
//  Does not connect yet. Caller owns the result.
ht_db_t *ht_db_new (const char *conninfo, const char *application_name,
                    const ht_query_t *const *tables);
void ht_db_destroy (ht_db_t **self_p);

//  Sets statement_timeout and lock_timeout (milliseconds; 0 keeps the
//  server's default) on every connection opened from now on.
void ht_db_set_timeouts (ht_db_t *self, int statement_timeout_ms, int lock_timeout_ms);

//  Sets the schema search path (e.g. "report, public") on every connection
//  opened from now on, before its statements are prepared; NULL keeps the
//  server's default. The text is copied.
void ht_db_set_search_path (ht_db_t *self, const char *search_path);

//  Sets a server setting `name` to `value` on every connection opened from
//  now on, before its statements are prepared. At most four per connection.
void ht_db_set (ht_db_t *self, const char *name, const char *value);

//  Asks the server to cancel the statement running on this connection, if
//  any (PQcancel). Safe to call from any thread. True when the request was sent.
bool ht_db_cancel (ht_db_t *self);

//  True when the connection is open and its statements are prepared. When it
//  is not, makes one attempt to (re)connect unless the back-off period since
//  the last failure has not passed yet.
bool ht_db_ready (ht_db_t *self);

//  Keeps attempting to connect, with back-off, for up to `timeout_ms`.
bool ht_db_wait_ready (ht_db_t *self, int timeout_ms);

//  The libpq connection; valid after ht_db_ready returned true.
PGconn *ht_db_conn (ht_db_t *self);

//  Counts successful connects: session state (advisory locks) belongs to one
//  generation and is gone when it changes.
unsigned ht_db_generation (ht_db_t *self);

//  The last connection error, for logs.
const char *ht_db_error (ht_db_t *self);

//  Runs the prepared statement `name` and waits for its result. `lengths`
//  and `formats` may be NULL for text parameters. Never returns NULL: a
//  missing connection yields a PGRES_FATAL_ERROR result. Caller PQclears.
PGresult *ht_db_exec (ht_db_t *self, const char *name, int count,
                      const char *const *values, const int *lengths, const int *formats);

//  Pipelines: ht_db_send queues a prepared statement without waiting;
//  ht_db_flush sends them all with one Sync and stores one result per
//  statement in `results` (PGRES_PIPELINE_ABORTED for those skipped after an
//  error). Returns false when the connection failed; results are then
//  filled with fatal results all the same. Caller PQclears every result.
bool ht_db_send (ht_db_t *self, const char *name, int count,
                 const char *const *values, const int *lengths, const int *formats);
bool ht_db_flush (ht_db_t *self, PGresult **results, int count);

//  Queues a fixed command without parameters (BEGIN, COMMIT) in the pipeline.
bool ht_db_send_command (ht_db_t *self, const char *command);

//  Runs a plain command (BEGIN, COMMIT, ROLLBACK); true on success.
bool ht_db_command (ht_db_t *self, const char *command);

//  After a failed result: notes a lost connection so the next ht_db_ready
//  reconnects. Returns true when the connection itself is gone.
bool ht_db_lost (ht_db_t *self);

//  Closes the connection, whatever its state; the next ht_db_ready opens
//  a new one at once.
void ht_db_reset (ht_db_t *self);

//  SQLSTATE and constraint name of a failed result ("" when absent).
const char *ht_db_sqlstate (const PGresult *result);
const char *ht_db_constraint (const PGresult *result);

//  True for a result that carries rows or a completed command.
bool ht_db_ok (const PGresult *result);

//  Applies, in version order, every migration of `component` not yet
//  recorded in ht_migration, each in its own transaction, all under one
//  advisory lock so that replicas starting together apply each exactly once.
//  Returns false with `error` filled on failure.
bool ht_db_migrate (ht_db_t *self, const char *component,
                    const ht_migration_t *migrations, char *error, size_t error_size);

//  Same, with each migration run under `search_path` ("report, public": its
//  objects are made in the first schema), while ht_migration stays where the
//  connection's own search path finds it.
bool ht_db_migrate_in (ht_db_t *self, const char *component, const ht_migration_t *migrations,
                       const char *search_path, char *error, size_t error_size);

#endif

/*  ht_call - one request, from frame to reply

    The request path: check the frame's size, decode the envelope, find the
    route, check the idempotency key, decode the payload, run the handler,
    and for a mutating method commit its writes, its events and its
    idempotency record in one transaction. Every step that fails answers
    with a status and a message that names the problem.

    A mutating method's transaction starts by claiming its idempotency key
    (a transaction-level advisory lock on principal and key, which assigns
    no transaction id): a second request with the same key waits until the
    first has ended. The key is not looked up before the handler runs: the
    idempotency row is inserted with the writes, at commit, and a unique
    violation there means that an earlier request committed the key; a
    call that fails after claiming looks the key up before it answers. In
    both cases the stored reply is the answer (or a refusal when the
    payload differs), never the handler's own outcome, which only reflects
    the earlier request's change. One statement fewer in every change.

    The transaction takes its id (xid) at its first write. Handlers take
    their ordering locks (ht_call_lock, advisory, no xid) before any write,
    and the runtime sends every queued lock before any queued write: so of
    two transactions that change one entity, the one that commits first
    also holds the smaller xid, and the relay numbers their events in
    commit order (ht_outbox.c).

    Do not break: nothing of a failed call may commit, the first failure is
    the one reported, and nothing that assigns an xid (a write, a row lock)
    goes out before the idempotency claim and the handler's ordering locks.
*/

#include "ht_internal.h"
#include "ht_log.h"
#ifdef HT_FUZZ
#include "ht_fuzz.h"
#endif
#include "ht_text.h"
#include "ht_wire.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_STEPS     64      //  statements in one pipeline
#define S_MAX_WRITES    32      //  queued writes in one call
#define S_MAX_LOCKS     16      //  queued ordering locks in one call
#define S_MAX_EVENTS    16      //  events in one call
#define S_MAX_RESULTS   64      //  results a call keeps until its reply
#define S_MAX_VIOLATIONS 32
#define S_MAX_ATTEMPTS  3       //  runs of a handler after serialization failures
#define S_ID_MAX        128     //  request id and idempotency key

#define SQLSTATE_UNIQUE_VIOLATION   "23505"
#define SQLSTATE_SERIALIZATION      "40001"
#define SQLSTATE_DEADLOCK           "40P01"
#define SQLSTATE_QUERY_CANCELED     "57014"     //  statement_timeout, or cancelled at shutdown
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"     //  lock_timeout

typedef enum {
    STEP_BEGIN, STEP_CLAIM, STEP_LOCK, STEP_IDEM, STEP_WRITE, STEP_OUTBOX,
    STEP_COMMIT, STEP_QUERY
} step_t;

typedef struct {
    const char *name;
    int count;
    const char **values;
} write_t;

typedef struct {
    const char *stream, *type, *aggregate_id;
    ProtobufCBinaryData payload;
} event_t;

struct _ht_call_t {
    ht_worker_t *worker;
    ht_arena_t *arena;
    const ht_route_t *route;
    const char *user_id;            //  the client's CURVE public key, from the ZAP handler
    ht_principal_t principal;
    bool authenticated;
    bool own_only;                  //  admitted by the route's own_roles only
    Hetao__V1__Request *request;    //  once the envelope decoded
    bool echo_id;                   //  its request id can be echoed
    ProtobufCMessage *payload;
    int64_t now_us;                 //  the transaction's time, 0 until known
    bool job;                       //  a job run (ht_job.h), not a client's request

    //  Outcome
    ht_status_t status;
    const char *message;
    Hetao__V1__FieldViolation *violations [S_MAX_VIOLATIONS];
    size_t n_violations;
    ProtobufCBinaryData reply;
    bool has_reply;
    bool replayed;

    //  Transaction of a mutating method (or a read's snapshot)
    bool tx_open;
    bool claimed;                   //  this attempt claimed its idempotency key
    bool idem_conflict;             //  an earlier request committed this idempotency key
    bool retry;                     //  serialization failure: run the handler again
    write_t writes [S_MAX_WRITES];
    size_t n_writes;
    const char *locks [S_MAX_LOCKS];    //  ordering locks not sent yet
    size_t n_locks;
    event_t events [S_MAX_EVENTS];
    size_t n_events;

    PGresult *results [S_MAX_RESULTS];
    size_t n_results;
};

const ht_query_t ht__runtime_queries [] = {
    //  A mutating call's transaction, prepared like every other statement:
    //  sent as text, BEGIN and COMMIT were parsed again on every call.
    { "ht_begin", "BEGIN" },
    { "ht_commit", "COMMIT" },
    //  The claim of a key, with the transaction's time.
    { "ht_idem_claim",
      "SELECT (extract(epoch FROM now()) * 1000000)::bigint,"
      " pg_advisory_xact_lock (hashtextextended ('idempotency:' || $1 || ':' || $2, 0))" },
    //  The records of a committed change, written together in one statement:
    //  its idempotency record with the reply, its audit row and its first
    //  event. $1 principal key, $2 idempotency key, $3 method, $4 request
    //  payload, $5 reply, $6 principal name, $7 request id, $8 outcome,
    //  $9 message; then the event's stream, type, aggregate id and payload.
    //  A unique violation here is another request that committed the key.
    { "ht_records",
      "WITH audit AS (INSERT INTO ht_audit (principal_key, principal_name, method, request_id,"
      "   idempotency_key, status, message) VALUES ($1, $6, $3, $7, $2, $8, $9))"
      " INSERT INTO ht_idempotency (principal_key, key, method, request_hash, reply)"
      " VALUES ($1, $2, $3, sha256($4::bytea), $5::bytea)" },
    { "ht_records_event",
      "WITH audit AS (INSERT INTO ht_audit (principal_key, principal_name, method, request_id,"
      "   idempotency_key, status, message) VALUES ($1, $6, $3, $7, $2, $8, $9)),"
      " event AS (INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
      "   VALUES ($10, $11, $12, $7, $13::bytea))"
      " INSERT INTO ht_idempotency (principal_key, key, method, request_hash, reply)"
      " VALUES ($1, $2, $3, sha256($4::bytea), $5::bytea)" },
    { "ht_idem_lookup",
      "SELECT method, request_hash = sha256($3::bytea), reply"
      " FROM ht_idempotency WHERE principal_key = $1 AND key = $2" },
    { "ht_now",
      "SELECT (extract(epoch FROM now()) * 1000000)::bigint" },
    { "ht_lock",
      "SELECT pg_advisory_xact_lock (hashtextextended ($1, 0))" },
    { "ht_outbox_insert",
      "INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
      " VALUES ($1, $2, $3, $4, $5::bytea)" },
    { "ht_events_read",
      "SELECT q.seq, o.type, o.aggregate_id, o.request_id, o.payload,"
      " (extract(epoch FROM o.occurred_at) * 1000000)::bigint"
      " FROM ht_outbox_seq q JOIN ht_outbox o ON o.id = q.outbox_id"
      " WHERE q.stream = $1 AND q.seq > $2::bigint ORDER BY q.seq LIMIT $3::int" },
    { "ht_stream_positions",
      "SELECT stream, last_seq FROM ht_stream" },
    { "ht_audit_insert",
      "INSERT INTO ht_audit (principal_key, principal_name, method, request_id,"
      " idempotency_key, status, message) VALUES ($1, $2, $3, $4, $5, $6, $7)" },
    { "ht_audit_read",
      "SELECT id, (extract(epoch FROM at) * 1000000)::bigint, principal_key, principal_name,"
      " method, request_id, idempotency_key, status, message FROM ht_audit"
      " WHERE id > $1::bigint AND ($2::text IS NULL OR principal_name = $2)"
      "   AND ($3::text IS NULL OR method = $3) ORDER BY id LIMIT $4::int" },
    { NULL, NULL }
};

//  ---------------------------------------------------------------------------
//  Outcome

static bool
s_failed (ht_call_t *call)
{
    return call->status != HT_OK || call->idem_conflict;
}

bool
ht_call_failed (ht_call_t *call)
{
    return s_failed (call);
}

//  Formats a message into `text`; one too long for it is cut at a character
//  boundary, so that quoted client input never leaves half a character.
static void
s_format (char *text, size_t size, const char *format, va_list args)
{
    int length = vsnprintf (text, size, format, args);
    if (length >= (int) size)
        text [ht_utf8_prefix (text, size - 1)] = 0;
}

static void
s_add_violation (ht_call_t *call, const char *field, const char *description)
{
    if (call->n_violations == S_MAX_VIOLATIONS)
        return;
    Hetao__V1__FieldViolation *violation = ht_arena_alloc (call->arena, sizeof *violation);
    hetao__v1__field_violation__init (violation);
    violation->field = ht_arena_strdup (call->arena, field);
    violation->description = ht_arena_strdup (call->arena, description);
    call->violations [call->n_violations++] = violation;
}

void
ht_call_violation (ht_call_t *call, const char *field, const char *format, ...)
{
    char text [512];
    va_list args;
    va_start (args, format);
    s_format (text, sizeof text, format, args);
    va_end (args);
    if (call->status == HT_OK || call->status == HT_INVALID_ARGUMENT) {
        if (call->status == HT_OK)
            call->message = ht_arena_printf (call->arena, "%s: %s", field, text);
        call->status = HT_INVALID_ARGUMENT;
        s_add_violation (call, field, text);
    }
}

void
ht_call_fail (ht_call_t *call, ht_status_t status, const char *field, const char *format, ...)
{
    assert (status != HT_OK);
    if (s_failed (call))
        return;                     //  the first failure is the one reported
    char text [512];
    va_list args;
    va_start (args, format);
    s_format (text, sizeof text, format, args);
    va_end (args);
    call->status = status;
    call->message = field? ht_arena_printf (call->arena, "%s: %s", field, text)
                         : ht_arena_strdup (call->arena, text);
    if (field)
        s_add_violation (call, field, text);
}

void
ht_call_reply (ht_call_t *call, const ProtobufCMessage *reply)
{
    size_t size = protobuf_c_message_get_packed_size (reply);
    call->reply.data = ht_arena_alloc (call->arena, size);
    call->reply.len = protobuf_c_message_pack (reply, call->reply.data);
    call->has_reply = true;
}

ht_arena_t *
ht_call_arena (ht_call_t *call)
{
    return call->arena;
}

const ht_principal_t *
ht_call_principal (ht_call_t *call)
{
    return &call->principal;
}

bool
ht_call_acts_for (ht_call_t *call, const char *field, const char *organization_id)
{
    if (!call->own_only || (organization_id && !strcasecmp (organization_id, call->principal.organization_id)))
        return true;
    char needed [256];
    ht_roles_format (call->route->roles, needed, sizeof needed);
    ht_call_fail (call, HT_PERMISSION_DENIED, field, "principal '%s' may act only for its own "
                  "organization (%s); for any organization %s needs one of the roles %s",
                  call->principal.name,
                  *call->principal.organization_id? call->principal.organization_id: "none",
                  call->route->method, needed);
    return false;
}

const char *
ht_call_request_id (ht_call_t *call)
{
    return call->request->request_id;
}

ht_worker_t *
ht__call_worker (ht_call_t *call)
{
    return call->worker;
}

const char *
ht_call_int (ht_call_t *call, int64_t value)
{
    return ht_arena_printf (call->arena, "%lld", (long long) value);
}

//  ---------------------------------------------------------------------------
//  Checks

bool
ht_call_check_text (ht_call_t *call, const char *field, const char *value, size_t min, size_t max)
{
    if (!value) {
        if (min > 0)
            ht_call_violation (call, field, "is required");
        return min == 0;
    }
    if (!ht_utf8_valid (value, strlen (value), false)) {
        ht_call_violation (call, field, "must be valid UTF-8 without control characters");
        return false;
    }
    size_t length = ht_utf8_length (value);
    if (length < min || length > max) {
        ht_call_violation (call, field, "must be %zu to %zu characters long; it is %zu",
                           min, max, length);
        return false;
    }
    return true;
}

bool
ht_call_check_enum (ht_call_t *call, const char *field, bool present, int value,
                    const ProtobufCEnumDescriptor *type)
{
    if (!present) {
        ht_call_violation (call, field, "is required (one of the %s values)", type->name);
        return false;
    }
    if (value == 0 || !protobuf_c_enum_descriptor_get_value (type, value)) {
        ht_call_violation (call, field, "%d is not a valid %s", value, type->name);
        return false;
    }
    return true;
}

bool
ht_call_check_uuid (ht_call_t *call, const char *field, const char *value)
{
    if (!value) {
        ht_call_violation (call, field, "is required");
        return false;
    }
    if (!ht_uuid_valid (value)) {
        ht_call_violation (call, field, "must be a UUID like 0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e");
        return false;
    }
    return true;
}

//  ---------------------------------------------------------------------------
//  Database

static void
s_keep (ht_call_t *call, PGresult *result)
{
    assert (call->n_results < S_MAX_RESULTS);
    call->results [call->n_results++] = result;
}

static bool
s_db_ready (ht_call_t *call)
{
#ifdef HT_FUZZ
    //  The fuzzing seam (ht_fuzz.h): no database; a call ends at its first statement.
    ht_call_fail (call, HT_UNAVAILABLE, NULL, "no database in a fuzzing build");
    return false;
#endif
    if (ht_db_ready (call->worker->db))
        return true;
    ht_call_fail (call, HT_UNAVAILABLE, NULL,
                  "the database is unavailable; retry later (%s)", ht_db_error (call->worker->db));
    return false;
}

static void
s_db_failure (ht_call_t *call, const PGresult *result, bool committing)
{
    const char *state = ht_db_sqlstate (result);
    if (ht_db_lost (call->worker->db)) {
        //  Run the call again on a new connection. Safe even when the commit
        //  may have gone through: the next attempt starts by inserting the
        //  same idempotency key, and so finds and returns the stored reply.
        call->retry = true;
        if (committing)
            ht_call_fail (call, HT_UNAVAILABLE, NULL,
                          "the database connection was lost while committing; the outcome is "
                          "unknown: retry with the same idempotency key");
        else
            ht_call_fail (call, HT_UNAVAILABLE, NULL, "the database connection was lost; retry");
        return;
    }
    if (!strcmp (state, SQLSTATE_SERIALIZATION) || !strcmp (state, SQLSTATE_DEADLOCK)) {
        call->retry = true;
        ht_call_fail (call, HT_UNAVAILABLE, NULL, "conflicting concurrent change; retry");
        return;
    }
    if (!strcmp (state, SQLSTATE_QUERY_CANCELED) || !strcmp (state, SQLSTATE_LOCK_NOT_AVAILABLE)) {
        //  Not rerun here: a statement that ran this long would again.
        ht_call_fail (call, HT_UNAVAILABLE, NULL, "%s: retry later with the same "
                      "idempotency key", !strcmp (state, SQLSTATE_QUERY_CANCELED)
                      ? "the database statement was cancelled (statement timeout or shutdown)"
                      : "a lock held by another change was not granted in time (lock timeout)");
        return;
    }
    const char *constraint = ht_db_constraint (result);
    const ht_constraint_t *const *table = call->worker->shared->service->constraints;
    for (; table && *table; table++)
        for (const ht_constraint_t *meaning = *table; meaning->constraint; meaning++)
            if (!strcmp (meaning->constraint, constraint)) {
                ht_call_fail (call, meaning->status, meaning->field, "%s", meaning->message);
                return;
            }
    ht_log_request_t about = { call->request->request_id, call->route->method, NULL, -1, call->principal.name };
    ht_log_at (HT_LOG_ERROR, &about, "database error %s: %s", state,
               PQresultErrorMessage (result));
    ht_call_fail (call, HT_INTERNAL, NULL,
                  "internal error (request %s); the operators have the details",
                  call->request->request_id);
}

//  Ends a transaction that did not commit.
static void
s_rollback (ht_call_t *call)
{
    PGconn *conn = ht_db_conn (call->worker->db);
    if (conn && PQtransactionStatus (conn) != PQTRANS_IDLE)
        ht_db_command (call->worker->db, "ROLLBACK");
    call->tx_open = false;
}

//  The request payload as a bytea parameter (never NULL: zero bytes mean '').
static const char *
s_payload (ht_call_t *call)
{
    return call->request->payload.data? (const char *) call->request->payload.data: "";
}

//  Queues BEGIN and the claim of this call's idempotency key, which also
//  reads the transaction's time: nothing here assigns a transaction id.
static void
s_send_begin (ht_call_t *call, step_t *steps, int *n)
{
    ht_db_t *db = call->worker->db;
    const char *values [] = { call->principal.key, call->request->idempotency_key };
    ht_db_send (db, "ht_begin", 0, NULL, NULL, NULL);
    steps [(*n)++] = STEP_BEGIN;
    ht_db_send (db, "ht_idem_claim", 2, values, NULL, NULL);
    steps [(*n)++] = STEP_CLAIM;
    call->tx_open = true;
    call->claimed = true;
}

//  Queues the handler's ordering locks, then its writes: a lock never goes
//  out after a write of the same pipeline, whatever order they were queued in.
static void
s_send_pending (ht_call_t *call, step_t *steps, int *n)
{
    for (size_t i = 0; i < call->n_locks; i++) {
        ht_db_send (call->worker->db, "ht_lock", 1, &call->locks [i], NULL, NULL);
        steps [(*n)++] = STEP_LOCK;
    }
    call->n_locks = 0;
    for (size_t i = 0; i < call->n_writes; i++) {
        write_t *write = &call->writes [i];
        ht_db_send (call->worker->db, write->name, write->count, write->values, NULL, NULL);
        steps [(*n)++] = STEP_WRITE;
    }
    call->n_writes = 0;
}

//  Sends the queued statements and returns the last one's result, or NULL
//  when any statement failed or the idempotency key turned out to be taken
//  (the call then carries the failure or the conflict, and its transaction
//  has been rolled back).
static PGresult *
s_flush (ht_call_t *call, const step_t *steps, int count)
{
    assert (count <= S_MAX_STEPS);
    PGresult *results [S_MAX_STEPS];
    bool committing = steps [count - 1] == STEP_COMMIT;
    ht_db_flush (call->worker->db, results, count);
    bool ok = true;
    for (int i = 0; i < count; i++) {
        s_keep (call, results [i]);
        if (ht_db_ok (results [i])) {
            if (!ok)
                continue;
            if (steps [i] == STEP_CLAIM)
                call->now_us = strtoll (PQgetvalue (results [i], 0, 0), NULL, 10);
            continue;
        }
        if (!ok)
            continue;               //  later steps were skipped: the first error counts
        ok = false;
        if (steps [i] == STEP_IDEM
        &&  !strcmp (ht_db_sqlstate (results [i]), SQLSTATE_UNIQUE_VIOLATION))
            call->idem_conflict = true;
        else
            s_db_failure (call, results [i], committing);
    }
    if (!ok) {
        s_rollback (call);
        return NULL;
    }
    return results [count - 1];
}

//  Opens the transaction of a mutating call, if it is not open yet, and
//  sends whatever the handler queued, with `name` last when it is not NULL.
static PGresult *
s_send_with (ht_call_t *call, const char *name, int count, const char *const *values)
{
    step_t steps [S_MAX_STEPS];
    int n = 0;
    if (!call->tx_open)
        s_send_begin (call, steps, &n);
    s_send_pending (call, steps, &n);
    if (name) {
        ht_db_send (call->worker->db, name, count, values, NULL, NULL);
        steps [n++] = STEP_QUERY;
    }
    return n? s_flush (call, steps, n): NULL;
}

PGresult *
ht_call_query (ht_call_t *call, const char *name, int count, const char *const *values)
{
    if (s_failed (call) || !s_db_ready (call))
        return NULL;
    if (!call->route->mutates) {
        PGresult *result = ht_db_exec (call->worker->db, name, count, values, NULL, NULL);
        s_keep (call, result);
        if (ht_db_ok (result))
            return result;
        s_db_failure (call, result, false);
        return NULL;
    }
    return s_send_with (call, name, count, values);
}

bool
ht_call_snapshot (ht_call_t *call)
{
    assert (!call->route->mutates);
    if (s_failed (call) || !s_db_ready (call))
        return false;
    if (call->tx_open)
        return true;
    if (!ht_db_command (call->worker->db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")) {
        call->retry = true;
        ht_call_fail (call, HT_UNAVAILABLE, NULL, "the database connection was lost; retry");
        return false;
    }
    call->tx_open = true;
    return true;
}

int64_t
ht_call_now_us (ht_call_t *call)
{
    if (call->now_us)
        return call->now_us;
#ifdef HT_FUZZ
    call->now_us = HT_FUZZ_NOW_US;      //  the fuzzing seam: one fixed instant
    return call->now_us;
#endif
    //  The database's transaction time: one clock for every replica, and the
    //  same instant as the event's occurred_at and the audit row's time.
    if (call->route->mutates) {
        if (!s_failed (call) && s_db_ready (call) && !call->tx_open)
            s_send_with (call, NULL, 0, NULL);
    }
    else {
        PGresult *result = ht_call_query (call, "ht_now", 0, NULL);
        if (result)
            call->now_us = strtoll (PQgetvalue (result, 0, 0), NULL, 10);
    }
    //  Only when the call has failed (and its time will not be stored).
    if (!call->now_us)
        call->now_us = ht_now_us ();
    return call->now_us;
}

bool
ht_call_lock (ht_call_t *call, const char *kind, const char *id)
{
    assert (call->route->mutates);
    assert (call->n_locks < S_MAX_LOCKS);
    if (s_failed (call))
        return false;
    //  Sent with the next statement, ahead of every queued write.
    call->locks [call->n_locks++] = ht_arena_printf (call->arena, "%s:%s", kind, id? id: "");
    return true;
}

void
ht_call_write (ht_call_t *call, const char *name, int count, const char *const *values)
{
    assert (call->route->mutates);
    assert (call->n_writes < S_MAX_WRITES);
    write_t *write = &call->writes [call->n_writes++];
    write->name = name;
    write->count = count;
    write->values = ht_arena_alloc (call->arena, sizeof (char *) * (size_t) count);
    for (int i = 0; i < count; i++)
        write->values [i] = values [i]? ht_arena_strdup (call->arena, values [i]): NULL;
}

void
ht_call_emit (ht_call_t *call, const char *type, const char *aggregate_id,
              const ProtobufCMessage *event)
{
    assert (call->route->mutates);
    assert (call->n_events < S_MAX_EVENTS);
    const char *const *stream = call->worker->shared->service->streams;
    size_t length = strcspn (type, ".");
    while (*stream && !(strlen (*stream) == length && !strncmp (*stream, type, length)))
        stream++;
    assert (*stream);               //  an event type must start with a stream the service owns
    event_t *slot = &call->events [call->n_events++];
    slot->stream = *stream;
    slot->type = type;
    slot->aggregate_id = ht_arena_strdup (call->arena, aggregate_id);
    slot->payload.len = protobuf_c_message_get_packed_size (event);
    slot->payload.data = ht_arena_alloc (call->arena, slot->payload.len + 1);
    protobuf_c_message_pack (event, slot->payload.data);
}

//  The audit record's values: who, what, which request, how it ended.
static const char **
s_audit_values (ht_call_t *call, const char *outcome)
{
    const char **values = ht_arena_alloc (call->arena, 7 * sizeof (char *));
    values [0] = call->principal.key;
    values [1] = call->principal.name;
    values [2] = call->route->method;
    values [3] = call->request->request_id;
    values [4] = call->request->idempotency_key;
    values [5] = outcome;
    values [6] = call->message? call->message: "";
    return values;
}

//  Records a mutating request that did not commit a change (refused,
//  failed, or answered from the idempotency store), in its own transaction.
static void
s_audit_alone (ht_call_t *call)
{
#ifdef HT_FUZZ
    return;                         //  the fuzzing seam: no database to record it in
#endif
    if (!ht_db_ready (call->worker->db))
        return;
    const char *outcome = call->replayed? "OK (replayed)": ht_status_name (call->status);
    PGresult *result = ht_db_exec (call->worker->db, "ht_audit_insert", 7,
                                   s_audit_values (call, outcome), NULL, NULL);
    if (!ht_db_ok (result)) {
        ht_log_request_t about = { call->request->request_id, call->route->method, NULL, -1, call->principal.name };
        ht_log_at (HT_LOG_ERROR, &about, "audit record not written: %s", PQresultErrorMessage (result));
        ht_db_lost (call->worker->db);
    }
    PQclear (result);
}

//  Commits a mutating call that succeeded: its locks and writes, its
//  idempotency record with the reply, its events and its audit row, in one
//  pipeline. A call that read nothing sends BEGIN and the key's claim here too.
static void
s_commit (ht_call_t *call)
{
#ifdef HT_FUZZ
    return;                         //  the fuzzing seam: a call that read nothing commits
#endif
    if (!s_db_ready (call))
        return;
    ht_db_t *db = call->worker->db;
    Hetao__V1__Request *request = call->request;
    step_t steps [S_MAX_STEPS];
    int n = 0;
    if (!call->tx_open)
        s_send_begin (call, steps, &n);
    //  Locks first; the records (idempotency, audit, first event) are the
    //  transaction's first write (a unique violation there means another
    //  request committed the key).
    const char *const *locks = call->locks;
    for (size_t i = 0; i < call->n_locks; i++) {
        ht_db_send (db, "ht_lock", 1, &locks [i], NULL, NULL);
        steps [n++] = STEP_LOCK;
    }
    call->n_locks = 0;
    const char **audit = s_audit_values (call, "OK");
    const char *records [13] = {
        call->principal.key, request->idempotency_key, request->method, s_payload (call),
        call->reply.data? (const char *) call->reply.data: "",
        audit [1], audit [3], audit [5], audit [6]
    };
    int lengths [13] = { 0, 0, 0, (int) request->payload.len, (int) call->reply.len };
    int formats [13] = { 0, 0, 0, 1, 1 };
    int count = 9;
    if (call->n_events > 0) {
        event_t *event = &call->events [0];
        records [count] = event->stream;
        records [count + 1] = event->type;
        records [count + 2] = event->aggregate_id;
        records [count + 3] = (const char *) event->payload.data;
        lengths [count + 3] = (int) event->payload.len;
        formats [count + 3] = 1;
        count += 4;
    }
    ht_db_send (db, count == 9? "ht_records": "ht_records_event", count, records, lengths, formats);
    steps [n++] = STEP_IDEM;
    s_send_pending (call, steps, &n);
    for (size_t i = 1; i < call->n_events; i++) {
        event_t *event = &call->events [i];
        const char *values [] = {
            event->stream, event->type, event->aggregate_id, request->request_id,
            (const char *) event->payload.data
        };
        const int event_lengths [] = { 0, 0, 0, 0, (int) event->payload.len };
        const int event_formats [] = { 0, 0, 0, 0, 1 };
        ht_db_send (db, "ht_outbox_insert", 5, values, event_lengths, event_formats);
        steps [n++] = STEP_OUTBOX;
    }
    ht_db_send (db, "ht_commit", 0, NULL, NULL, NULL);
    steps [n++] = STEP_COMMIT;
    if (s_flush (call, steps, n) && call->n_events > 0 && call->worker->relay_wake
    &&  ht__relay_wake_due (call->worker->shared->relay))
        //  A hint only: the relay also polls, so a full pipe loses nothing.
        zsock_signal (call->worker->relay_wake, 0);
    call->tx_open = false;
}

//  Answers a call whose idempotency key an earlier request committed with
//  that request's stored reply, or refuses it when the method or payload
//  differ. `failed`: the call failed after claiming its key and did not
//  find the key taken; it keeps its own failure if no earlier request
//  committed the key (or if the lookup cannot tell).
static void
s_replay (ht_call_t *call, bool failed)
{
    Hetao__V1__Request *request = call->request;
    const char *values [] = { call->principal.key, request->idempotency_key, s_payload (call) };
    const int lengths [] = { 0, 0, (int) request->payload.len };
    const int formats [] = { 0, 0, 1 };
    call->idem_conflict = false;
    if (failed? !ht_db_ready (call->worker->db): !s_db_ready (call))
        return;
    PGresult *result = ht_db_exec (call->worker->db, "ht_idem_lookup", 3, values, lengths, formats);
    s_keep (call, result);
    if (!ht_db_ok (result)) {
        if (failed) {
            ht_log_request_t about = { call->request->request_id, call->route->method, NULL, -1,
                                       call->principal.name };
            ht_log_at (HT_LOG_WARN, &about, "idempotency key not looked up after the failure: %s",
                       PQresultErrorMessage (result));
            ht_db_lost (call->worker->db);
        }
        else
            s_db_failure (call, result, false);
        return;
    }
    if (PQntuples (result) == 0) {
        if (!failed)
            call->retry = true;     //  expired in between: run as new
        return;
    }
    //  The earlier request's outcome replaces whatever this call made of
    //  the state that request left.
    call->status = HT_OK;
    call->message = NULL;
    call->n_violations = 0;
    const char *method = PQgetvalue (result, 0, 0);
    bool same_payload = !strcmp (PQgetvalue (result, 0, 1), "t");
    if (strcmp (method, request->method) != 0 || !same_payload) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "request.idempotency_key",
                      "this key was already used by a different request (%s with another "
                      "payload); use a new key for a new request", method);
        return;
    }
    size_t length;
    unsigned char *reply = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, 0, 2), &length);
    call->reply.data = ht_arena_alloc (call->arena, length + 1);
    memcpy (call->reply.data, reply, length);
    call->reply.len = length;
    call->has_reply = true;
    call->replayed = true;
    PQfreemem (reply);
}

//  ---------------------------------------------------------------------------
//  The request path

static const ht_route_t *
s_route_find (const ht_route_t *routes, const char *method)
{
    for (const ht_route_t *route = routes; route && route->method; route++)
        if (!strcmp (route->method, method))
            return route;
    return NULL;
}

//  The number of the first field, in `message` or any message inside it,
//  that its type does not define; 0 when there is none.
static uint32_t
s_unknown_field (const ProtobufCMessage *message)
{
    if (message->n_unknown_fields)
        return message->unknown_fields [0].tag;
    const ProtobufCMessageDescriptor *type = message->descriptor;
    for (unsigned i = 0; i < type->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &type->fields [i];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *) message;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) (base + field->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) (base + field->offset);
            for (size_t j = 0; j < count; j++) {
                uint32_t tag = s_unknown_field (items [j]);
                if (tag)
                    return tag;
            }
        }
        else {
            const ProtobufCMessage *inner = *(const ProtobufCMessage *const *) (base + field->offset);
            uint32_t tag = inner? s_unknown_field (inner): 0;
            if (tag)
                return tag;
        }
    }
    return 0;
}

//  What is wrong with a request id or idempotency key, or NULL when it is
//  1 to S_ID_MAX printable ASCII characters (0x21 to 0x7E: no space).
static const char *
s_token_problem (ht_call_t *call, const char *text)
{
    size_t length = text? strlen (text): 0;
    if (length == 0)
        return "is missing or empty";
    if (length > S_ID_MAX)
        return ht_arena_printf (call->arena, "is %zu bytes long; the limit is %d", length, S_ID_MAX);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c == ' ')
            return ht_arena_printf (call->arena, "has a space at position %zu", i + 1);
        if (c < 0x20 || c == 0x7F)
            return ht_arena_printf (call->arena, "has a control character (0x%02X) at position %zu",
                                    c, i + 1);
        if (c > 0x7F)
            return ht_arena_printf (call->arena, "has a non-ASCII character at position %zu", i + 1);
    }
    return NULL;
}

//  Decodes and checks everything the runtime checks for every method.
//  Leaves call->route and call->payload set on success.
static bool
s_accept (ht_call_t *call, const byte *data, size_t size)
{
    const ht_settings_t *settings = call->worker->shared->settings;
    ProtobufCAllocator *allocator = ht_arena_allocator (call->arena);
    if (size > (size_t) settings->max_request_bytes) {
        ht_call_fail (call, HT_RESOURCE_EXHAUSTED, "request",
                      "the request frame is %zu bytes; the limit is %d bytes",
                      size, settings->max_request_bytes);
        return false;
    }
    char field [256];
    bool strings_ok = ht_wire_strings_valid (&hetao__v1__request__descriptor, data, size,
                                             field, sizeof field);
    Hetao__V1__Request *request = hetao__v1__request__unpack (allocator, size, data);
    if (!request) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request",
                      "the frame (%zu bytes) is not a serialized hetao.v1.Request", size);
        return false;
    }
    //  From here on the reply echoes the client's request id, so that a
    //  client matching replies by id sees every refusal, unless the id
    //  itself is not valid UTF-8 (it could not travel back as a string).
    call->request = request;
    call->echo_id = strings_ok || strcmp (field, "request_id") != 0;
    if (!strings_ok) {
        //  protobuf-c cut the string at a NUL byte: what is left shows any
        //  other control character; if there is none, the NUL was it.
        const char *value = !strcmp (field, "request_id")? request->request_id
                          : !strcmp (field, "idempotency_key")? request->idempotency_key: NULL;
        if (!value) {
            ht_call_fail (call, HT_INVALID_ARGUMENT, ht_arena_printf (call->arena, "request.%s", field),
                          "must be valid UTF-8 without NUL or control characters");
            return false;
        }
        const char *problem = s_token_problem (call, value);
        if (!problem || !strncmp (problem, "is ", 3))
            problem = "has a NUL byte";
        ht_call_fail (call, HT_INVALID_ARGUMENT, ht_arena_printf (call->arena, "request.%s", field),
                      "%s: it must be 1 to %d printable ASCII characters, without space",
                      problem, S_ID_MAX);
        return false;
    }
    const char *problem = s_token_problem (call, request->request_id);
    if (problem) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request.request_id",
                      "%s: it must be 1 to %d printable ASCII characters, without space", problem, S_ID_MAX);
        return false;
    }
    if (s_unknown_field (&request->base)) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request",
                      "the envelope has field %u, which hetao.v1.Request does not define",
                      s_unknown_field (&request->base));
        return false;
    }
    if (!request->method || !*request->method) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request.method", "is required, e.g. \"system.Health\"");
        return false;
    }
    const ht_service_t *service = call->worker->shared->service;
    call->route = s_route_find (service->routes, request->method);
    if (!call->route)
        call->route = s_route_find (ht__system_routes, request->method);
    if (!call->route) {
        ht_call_fail (call, HT_UNIMPLEMENTED, "request.method",
                      "the %s service has no method '%.*s'", service->name,
                      (int) ht_utf8_prefix (request->method, 100), request->method);
        return false;
    }
    //  Identity is the key the handshake proved, looked up again now: a
    //  revoked key loses access at its next request, not only at its next connection.
    const ht_shared_t *shared = call->worker->shared;
    if (!call->user_id || !ht_principals_find (shared->principals, call->user_id, &call->principal)) {
        snprintf (call->principal.key, sizeof call->principal.key, "%s", call->user_id? call->user_id: "");
        snprintf (call->principal.name, sizeof call->principal.name, "(unknown)");
        ht_call_fail (call, HT_UNAUTHENTICATED, NULL, "this client's key is not registered or was revoked");
        return false;
    }
    call->authenticated = true;
    if (!ht_principals_admit (shared->principals, call->user_id, settings->rate_limit)) {
        ht_call_fail (call, HT_RESOURCE_EXHAUSTED, NULL, "principal '%s' is over its limit of %d "
                      "requests a second; slow down and retry", call->principal.name, settings->rate_limit);
        return false;
    }
    if (!(call->principal.roles & call->route->roles)) {
        call->own_only = (call->principal.roles & call->route->own_roles) != 0;
        if (!call->own_only) {
            char needed [256], held [256];
            ht_roles_format (call->route->roles | call->route->own_roles, needed, sizeof needed);
            ht_roles_format (call->principal.roles, held, sizeof held);
            ht_call_fail (call, HT_PERMISSION_DENIED, NULL, "%s needs one of the roles %s; principal "
                          "'%s' has %s", call->route->method, needed, call->principal.name, held);
            return false;
        }
    }
    problem = call->route->mutates? s_token_problem (call, request->idempotency_key): NULL;
    if (problem) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request.idempotency_key",
                      "%s: %s changes data and needs an idempotency key of 1 to %d printable "
                      "ASCII characters without space, new for each new request",
                      problem, call->route->method, S_ID_MAX);
        return false;
    }
    const ProtobufCMessageDescriptor *type = call->route->request;
    if (!ht_wire_strings_valid (type, request->payload.data, request->payload.len, field, sizeof field)) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, field,
                      "must be valid UTF-8 without NUL bytes");
        return false;
    }
    call->payload = protobuf_c_message_unpack (type, allocator, request->payload.len,
                                               request->payload.data);
    if (!call->payload) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request.payload",
                      "is not a serialized %s (%zu bytes)", type->name, request->payload.len);
        return false;
    }
    uint32_t unknown = s_unknown_field (call->payload);
    if (unknown) {
        ht_call_fail (call, HT_INVALID_ARGUMENT, "request.payload",
                      "has field %u, which %s does not define: is it the payload of another method?",
                      unknown, type->name);
        return false;
    }
    return true;
}

static void
s_attempt_reset (ht_call_t *call)
{
    call->status = HT_OK;
    call->message = NULL;
    call->n_violations = 0;
    call->has_reply = false;
    call->reply.data = NULL;
    call->reply.len = 0;
    call->retry = false;
    call->n_writes = 0;
    call->n_locks = 0;
    call->n_events = 0;
    call->claimed = false;
    call->now_us = 0;               //  a new attempt is a new transaction
}

static void
s_run (ht_call_t *call)
{
    for (int attempt = 1; attempt <= S_MAX_ATTEMPTS; attempt++) {
        s_attempt_reset (call);
        call->route->run (call, call->payload);
        if (call->route->mutates) {
            bool idle = call->job && call->n_events == 0;
            if (s_failed (call) || idle) {
                if (call->tx_open)
                    s_rollback (call);
            }
            else
                s_commit (call);
            if (call->idem_conflict)
                s_replay (call, false);
            else
            if (call->claimed && s_failed (call) && !call->retry && !call->job)
                s_replay (call, true);
        }
        else
        if (call->tx_open)
            s_rollback (call);          //  a read's snapshot (ht_call_snapshot)
        if (!call->retry)
            break;
    }
}

static zframe_t *
s_reply_pack (ht_call_t *call)
{
    Hetao__V1__Reply reply = HETAO__V1__REPLY__INIT;
    reply.request_id = call->request && call->echo_id? call->request->request_id: NULL;
    reply.has_status = true;
    reply.status = (Hetao__V1__Status) call->status;
    reply.message = (char *) (call->message? call->message: "");
    reply.violations = call->violations;
    reply.n_violations = call->n_violations;
    if (call->status == HT_OK) {
        reply.has_payload = true;
        reply.payload = call->reply;
    }
    if (call->replayed) {
        reply.has_replayed = true;
        reply.replayed = true;
    }
    zframe_t *frame = zframe_new (NULL, hetao__v1__reply__get_packed_size (&reply));
    hetao__v1__reply__pack (&reply, zframe_data (frame));
    return frame;
}

bool
ht_call_is_job (ht_call_t *call)
{
    return call->job;
}

bool
ht__call_job (ht_worker_t *worker, const ht_job_t *job)
{
    int64_t started = ht_mono_us ();
    ht_route_t route = { job->name, NULL, true, HT_ROLE_ANY, 0, job->run };
    char id [37];
    ht_uuid_v7 (id);
    Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
    request.request_id = ht_arena_printf (worker->arena, "job-%s", id);
    request.idempotency_key = ht_arena_printf (worker->arena, "job:%s", id);
    request.method = (char *) job->name;
    ht_call_t call = { .worker = worker, .arena = worker->arena, .route = &route,
                       .request = &request, .authenticated = true, .job = true };
    snprintf (call.principal.key, sizeof call.principal.key, "-");
    snprintf (call.principal.name, sizeof call.principal.name, "(system)");
    call.principal.roles = HT_ROLE_ANY;
    s_run (&call);
    //  A job that wrote or emitted something committed it (or failed); one
    //  that found nothing to do left nothing behind.
    bool worked = call.status == HT_OK && call.n_events > 0;
    if (call.status != HT_OK) {
        ht_log_request_t about = { request.request_id, job->name, ht_status_name (call.status),
                                   ht_mono_us () - started, call.principal.name };
        ht_log_at (HT_LOG_WARN, &about, "job failed: %s", call.message? call.message: "");
    }
    else
    if (worked && ht_log_enabled (HT_LOG_INFO)) {
        ht_log_request_t about = { request.request_id, job->name, "OK", ht_mono_us () - started,
                                   call.principal.name };
        ht_log_write (HT_LOG_INFO, &about, "%zu event(s)", call.n_events);
    }
    for (size_t i = 0; i < call.n_results; i++)
        PQclear (call.results [i]);
    ht_arena_reset (worker->arena);
    return worked;
}

zframe_t *
ht__call_handle (ht_worker_t *worker, const char *user_id, const byte *data, size_t size)
{
    int64_t started = ht_mono_us ();
    ht_call_t call = { .worker = worker, .arena = worker->arena, .user_id = user_id };
    if (s_accept (&call, data, size))
        s_run (&call);
    //  Every attempt to change data leaves a record; committed changes
    //  wrote theirs in their own transaction.
    if (call.route && call.route->mutates && (call.status != HT_OK || call.replayed))
        s_audit_alone (&call);
    zframe_t *reply = s_reply_pack (&call);

    ht_log_level_t level = call.status == HT_INTERNAL? HT_LOG_ERROR: HT_LOG_INFO;
    if (ht_log_enabled (level)) {
        ht_log_request_t about = {
            call.request? call.request->request_id: NULL,
            call.route? call.route->method: NULL,
            ht_status_name (call.status),
            ht_mono_us () - started,
            call.authenticated? call.principal.name: NULL
        };
        ht_log_write (level, &about, "%s%s", call.message? call.message: "",
                      call.replayed? "replayed stored reply": "");
    }
    for (size_t i = 0; i < call.n_results; i++)
        PQclear (call.results [i]);
    ht_arena_reset (worker->arena);
    return reply;
}

/*  ht_call - one request, from the handler's point of view

    A handler receives the decoded request and a call. It checks the request
    (ht_call_violation), reads with ht_call_query, queues writes with
    ht_call_write, records events with ht_call_emit and sets the reply with
    ht_call_reply. For a mutating method the runtime wraps all of it in one
    transaction together with the idempotency record and the outbox rows,
    and commits only when the handler left the call without error: a
    handler never begins, commits or rolls back anything itself.

    Everything a handler gets from a call (results, arena memory) lives until
    the reply is sent; nothing needs freeing.

    The rule of a mutating handler that changes an existing entity: take
    the entity's ordering lock (ht_call_lock) before the first read of it
    for the change (a `... FOR UPDATE` query), and never write before the
    lock. The transaction gets its id (xid) at its first write or row lock;
    the ordering lock takes none. Taken first, it makes the later of two
    changes of one entity get its xid only after the earlier committed, so
    the relay numbers their events in commit order. The runtime sends
    queued locks before queued writes, and the idempotency claim before
    both. Several entities: lock them in a fixed order (e.g. by id) to
    avoid deadlocks (which are retried, but cost a run).
*/
#ifndef HT_CALL_H_INCLUDED
#define HT_CALL_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "ht_arena.h"
#include "ht_auth.h"
#include "ht_status.h"

typedef struct _ht_call_t ht_call_t;

//  A handler. `request` is the method's decoded request message.
typedef void (ht_handler_fn) (ht_call_t *call, const ProtobufCMessage *request);

//  One row of a service's method table.
typedef struct {
    const char *method;                             //  "registry.RegisterOrganization"
    const ProtobufCMessageDescriptor *request;      //  what the payload must decode as
    bool mutates;                                   //  needs an idempotency key; runs in a transaction
    unsigned roles;                                 //  roles that may call it for anyone
    unsigned own_roles;                             //  roles that may call it for their own organization
    ht_handler_fn *run;
} ht_route_t;

//  What a violated database constraint means to the caller, e.g.
//  { "organization_registration_id_key", HT_ALREADY_EXISTS, "registration_id",
//    "an organization with this registration identifier is already registered" }
typedef struct {
    const char *constraint;
    ht_status_t status;
    const char *field;              //  may be NULL
    const char *message;
} ht_constraint_t;

//  Counts the arguments of a statement: ht_call_query (call, "org_get", HT_ARGS (id)).
#define HT_ARGS(...) \
    (int) (sizeof ((const char *[]) { __VA_ARGS__ }) / sizeof (const char *)), \
    (const char *const []) { __VA_ARGS__ }

//  Memory that lives until the reply is sent.
ht_arena_t *ht_call_arena (ht_call_t *call);

//  The authenticated caller.
const ht_principal_t *ht_call_principal (ht_call_t *call);

//  True when the caller may act for `organization_id`: always for a caller
//  with one of the route's `roles`; for one admitted only by `own_roles`,
//  when it is the caller's own organization. Otherwise fails the call with
//  PERMISSION_DENIED naming `field`, and returns false.
bool ht_call_acts_for (ht_call_t *call, const char *field, const char *organization_id);

//  The request id the client chose.
const char *ht_call_request_id (ht_call_t *call);

//  Records that `field` is invalid; the reply becomes INVALID_ARGUMENT with one
//  violation per call. The message is for a person: say what is wrong and what is expected.
void ht_call_violation (ht_call_t *call, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Fails the call with `status` and a message; `field` may be NULL.
void ht_call_fail (ht_call_t *call, ht_status_t status, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  True once the call has failed; a handler returns as soon as it sees this.
bool ht_call_failed (ht_call_t *call);

//  Runs the prepared statement `name` with text parameters (NULL is SQL NULL)
//  and returns its result, owned by the call. In a mutating method it runs
//  inside the method's transaction, after every write queued so far.
//  Returns NULL when the call has failed (the reason is already set).
PGresult *ht_call_query (ht_call_t *call, const char *name, int count, const char *const *values);

//  In a method that only reads: makes every later ht_call_query of the call
//  see one snapshot of the database (a read-only REPEATABLE READ
//  transaction, ended with the call), for a reply whose parts must agree,
//  such as figures and the stream positions they are "as of". Without it
//  each query sees the data committed when it runs. Returns false when
//  the call has failed (the reason is already set).
bool ht_call_snapshot (ht_call_t *call);

//  The time of this call in microseconds since the epoch: the database's
//  transaction time (now()), the same value every time it is asked within
//  one call, and the same instant as the event's occurred_at and the audit
//  row's time. One clock for every replica. Handlers stamp created_at /
//  updated_at with it. In a mutating method the first ask opens the
//  transaction (one round trip, unless a query already did); in a read,
//  it costs a round trip.
int64_t ht_call_now_us (ht_call_t *call);

//  Takes the ordering lock of one entity (`kind` "organization", `id` its
//  UUID) until the method's transaction ends. A mutating handler takes it
//  before it reads the entity for a change, so that two changes of one
//  entity commit, and are numbered in the event stream, one after the other.
//  The lock is a transaction-level advisory lock, which assigns no xid; it
//  is sent with the next statement, ahead of any queued write. Waiting for
//  it is bounded by --lock-timeout-ms (then UNAVAILABLE).
//  Mutating methods only. Returns false when the call has failed.
bool ht_call_lock (ht_call_t *call, const char *kind, const char *id);

//  Queues the prepared statement `name` to run in the method's transaction
//  just before it commits (values are copied). Mutating methods only.
void ht_call_write (ht_call_t *call, const char *name, int count, const char *const *values);

//  Records an event of `type` ("<stream>.<entity>.<what happened>") about
//  `aggregate_id`, committed with the change and published in order afterwards.
void ht_call_emit (ht_call_t *call, const char *type, const char *aggregate_id,
                   const ProtobufCMessage *event);

//  Sets the reply message; a call that ends without failure and without a reply
//  answers OK with an empty payload.
void ht_call_reply (ht_call_t *call, const ProtobufCMessage *reply);

//  ---------------------------------------------------------------------------
//  Checks every handler needs. Each records a violation and returns false
//  when the value is not acceptable.

//  Text of `min`..`max` code points, valid UTF-8, no control characters.
//  A NULL `value` is a violation when `min` > 0.
bool ht_call_check_text (ht_call_t *call, const char *field, const char *value,
                         size_t min, size_t max);

//  A present value of the enum `type` other than its zero (UNSPECIFIED) value.
//  `present` is the message's has_ flag.
bool ht_call_check_enum (ht_call_t *call, const char *field, bool present, int value,
                         const ProtobufCEnumDescriptor *type);

//  A UUID in canonical text form.
bool ht_call_check_uuid (ht_call_t *call, const char *field, const char *value);

//  Decimal text of a 64-bit integer, in the call's arena.
const char *ht_call_int (ht_call_t *call, int64_t value);

//  ---------------------------------------------------------------------------
//  Asking another service (common/ht_source.c)

//  Calls `method` of the source service `source` (one the service follows,
//  e.g. "registry": see ht_consumer.h) with `request`, as this service's own
//  principal, within the source's --<source>-deadline-ms. Returns the reply's
//  status: HT_OK with `*reply` unpacked as `reply_type` into the call's arena;
//  the source's own refusal (e.g. HT_NOT_FOUND); or HT_UNAVAILABLE when the
//  source cannot be reached or did not answer in time. `*message` (may be
//  NULL) gets the reply's message, in the arena. Does not fail the call.
ht_status_t ht_call_ask (ht_call_t *call, const char *source, const char *method,
                         const ProtobufCMessage *request,
                         const ProtobufCMessageDescriptor *reply_type,
                         ProtobufCMessage **reply, const char **message);

#endif

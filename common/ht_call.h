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

//  The time of this call in microseconds since the epoch: the same value every
//  time it is asked within one call. Handlers stamp created_at/updated_at with it.
int64_t ht_call_now_us (ht_call_t *call);

//  Takes the ordering lock of one entity (`kind` "organization", `id` its
//  UUID) until the method's transaction ends. A mutating handler takes it
//  before it reads the entity for a change, so that two changes of one
//  entity commit, and are numbered in the event stream, one after the other.
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

//  The `reason` of a status change: 1 to 500 characters when `needed`, else
//  absent or at most 500.
bool ht_call_check_reason (ht_call_t *call, bool needed, const char *reason);

//  A UUID in canonical text form.
bool ht_call_check_uuid (ht_call_t *call, const char *field, const char *value);

//  True when `has_expected` is false or `expected` is the entity's current
//  `version`; otherwise fails the call with FAILED_PRECONDITION naming
//  `expected_version` (`what`: "organization", "park", ...) and returns false.
bool ht_call_check_version (ht_call_t *call, const char *what, bool has_expected, int64_t expected,
                            int64_t version);

//  Decimal text of a 64-bit integer, in the call's arena.
const char *ht_call_int (ht_call_t *call, int64_t value);

//  The lower-case key of the enum `value` ("research_institute", what the
//  database stores), in the call's arena; NULL when it is not a value of `type`
//  or is its UNSPECIFIED value.
const char *ht_call_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value);

//  `text` as an ILIKE pattern that matches it anywhere, literally (`%`, `_`
//  and `\` escaped), in the call's arena.
const char *ht_call_contains (ht_call_t *call, const char *text);

//  The page size of a list request (`has_size`/`size`, default 50, 1 to 500)
//  after checking it and `token` (a UUID this service issued, or NULL);
//  records a violation of `page_size` or `page_token` and returns 0 when
//  either is wrong.
uint32_t ht_call_check_page (ht_call_t *call, bool has_size, uint32_t size, const char *token);

//  How many rows of a list query's `result` (asked for page_size + 1 rows)
//  make the page; *more is set when another page follows.
int ht_call_page_rows (const PGresult *result, uint32_t page_size, bool *more);

//  Replies to a list: a message of `reply_type` whose first field (repeated)
//  holds the page's rows of `result` (asked for page_size + 1 rows; each row
//  made by ht_row_message) and whose `next_page_token`, when another page
//  follows, is the first column (the id) of the page's last row.
void ht_call_reply_page (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type,
                         const PGresult *result, uint32_t page_size);

//  Runs the statement `query` with the one parameter `id` and returns its
//  result when it has a row; otherwise NULL, with the call NOT_FOUND naming
//  `field`: "no <what> has id <id>".
PGresult *ht_call_find (ht_call_t *call, const char *query, const char *id, const char *field,
                        const char *what);

//  True when a <what> in status `from` may move to `to` (`allowed`, from the
//  entity's transition table). Otherwise fails the call with
//  FAILED_PRECONDITION naming `status`, in the words of the enum `type`'s
//  keys ("the unit is already retired", "the park is closed and cannot
//  become operating"), and returns false.
bool ht_call_check_move (ht_call_t *call, const char *what, const ProtobufCEnumDescriptor *type,
                         int from, int to, bool allowed);

//  Replies with a message of `reply_type` whose first field is `entity`
//  (ParkReply { park }).
void ht_call_reply_entity (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type,
                           const ProtobufCMessage *entity);

#endif

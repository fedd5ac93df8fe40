/*  ht_row - between wire messages, query parameters and result rows

    Every domain file translates the same way: enum values travel to and from
    the database as their keys (common/ht_enum.h), instants as microseconds,
    lists are paged by id. These helpers are that translation, written once.
*/
#ifndef HT_ROW_H_INCLUDED
#define HT_ROW_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "ht_call.h"

//  SQL: parameter $n (microseconds since the epoch) as a timestamptz, and a
//  timestamptz column as microseconds since the epoch.
#define HT_SQL_FROM_US(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"
#define HT_SQL_US(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

//  Lists: page_size 1..HT_PAGE_MAX, HT_PAGE_DEFAULT when absent.
#define HT_PAGE_DEFAULT 50
#define HT_PAGE_MAX     500

//  The key of enum `value` ("research_institute") in the call's arena; NULL
//  for UNSPECIFIED or a value the enum does not define.
const char *ht_row_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value);

//  The enum value whose key is `key`; 0 (UNSPECIFIED) when there is none.
int ht_row_enum (const ProtobufCEnumDescriptor *type, const char *key);

//  A column's text, or NULL when it is SQL NULL. Owned by `result`.
char *ht_row_text (const PGresult *result, int row, int column);

//  A bigint or a boolean column (never NULL).
int64_t ht_row_int (const PGresult *result, int row, int column);
bool ht_row_bool (const PGresult *result, int row, int column);

//  `text` as an ILIKE pattern that matches it anywhere, literally: `%`, `_`
//  and `\` match themselves. In the call's arena.
const char *ht_row_contains (ht_call_t *call, const char *text);

//  A copy of the UUID `id` in the lower case the database writes, so that
//  replies, events and later reads spell an id the same way. In the call's arena.
const char *ht_row_uuid (ht_call_t *call, const char *id);

//  Runs `query` with the parameter `id` and returns its result when it found
//  a row; otherwise fails the call with NOT_FOUND naming "id" ("no <noun>
//  has id ...") and returns NULL (also when the call had failed).
PGresult *ht_row_find (ht_call_t *call, const char *query, const char *noun, const char *id);

//  The same, naming `field` (e.g. "instrument_id") when nothing is found.
PGresult *ht_row_find_as (ht_call_t *call, const char *query, const char *field, const char *noun,
                          const char *id);

//  For a conditional change: true when `has_expected` is false or `version`
//  is `expected`; otherwise fails the call with FAILED_PRECONDITION naming
//  expected_version.
bool ht_row_check_version (ht_call_t *call, const char *noun, int64_t version,
                           bool has_expected, int64_t expected);

//  Checks a list request's page_size and page_token (next_page_token of an
//  earlier page: the last id). Returns the page size, or 0 after recording a
//  violation naming the field.
uint32_t ht_row_page_size (ht_call_t *call, bool has_page_size, uint32_t page_size,
                           const char *page_token);

//  The rows of a list query that asked for `page_size` + 1 rows: how many to
//  return; sets `*more` when there is a next page.
int ht_row_page_rows (const PGresult *result, uint32_t page_size, bool *more);

//  The `reason` of a status change: 1 to 500 characters when `needed`, else
//  absent or at most 500. Records a violation of `reason` and returns false otherwise.
bool ht_row_check_reason (ht_call_t *call, bool needed, const char *reason);

//  ---------------------------------------------------------------------------
//  Rows as messages. A statement whose columns follow a message's fields in
//  field-number order (id, name, ..., updated_at_us) becomes that message
//  with no code of its own: strings point into the result (which lives as
//  long as the call), enums come from their keys, integers and booleans are
//  parsed, and SQL NULL leaves a field absent.

//  Row `row` of `result` as a message of `type`, in `arena`: column i fills
//  the i-th field of `type`, which has no repeated or message fields and at
//  least as many fields as `result` has columns.
ProtobufCMessage *ht_row_message (ht_arena_t *arena, const ProtobufCMessageDescriptor *type,
                                  const PGresult *result, int row);

//  Sets the repeated message field `field` of `message` to the first `rows`
//  rows of `result`, each made by ht_row_message.
void ht_row_messages (ht_arena_t *arena, ProtobufCMessage *message, const char *field,
                      const PGresult *result, int rows);

//  Replies with a message of `reply_type` whose first field is `entity`
//  (ParkReply { park }).
void ht_row_reply (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type,
                   const ProtobufCMessage *entity);

//  Emits event `type` about `entity` (its id is the aggregate id): a message
//  of `event_type` whose first field is `entity` and whose
//  `previous_status`, when `previous` is not 0, is the status before the
//  change (ParkEvent { park, previous_status }).
void ht_row_emit (ht_call_t *call, const char *type, const ProtobufCMessageDescriptor *event_type,
                  const ProtobufCMessage *entity, int previous);

//  Replies to a list: a message of `reply_type` whose first field (repeated)
//  holds the page's rows of `result` (asked for page_size + 1 rows; each row
//  made by ht_row_message) and whose `next_page_token`, when another page
//  follows, is the first column (the id) of the page's last row.
void ht_row_reply_page (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type,
                        const PGresult *result, uint32_t page_size);

#endif

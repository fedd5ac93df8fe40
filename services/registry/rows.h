/*  rows - between database rows, enum keys and the wire, for every domain file

    What each of the registry's domain files needs the same way: enum keys
    in and out of text columns, nullable columns, list pagination, version
    checks, and the check that a referenced organization may be named.
*/
#ifndef ROWS_H_INCLUDED
#define ROWS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "ht_call.h"
#include "ht_db.h"

#define ROWS_PAGE_DEFAULT 50
#define ROWS_PAGE_MAX     500

//  SQL for parameter $n (microseconds since the epoch) as a timestamptz.
#define ROWS_US_TO_TIMESTAMP(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

//  SQL for a timestamptz column as microseconds since the epoch.
#define ROWS_TIMESTAMP_TO_US(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

extern const ht_query_t rows_queries [];

//  The enum key of `value` ("research_institute"), in the call's arena;
//  NULL for UNSPECIFIED or a value the enum does not have.
const char *rows_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value);

//  The value whose key is `key`; 0 (UNSPECIFIED) when there is none.
int rows_value (const ProtobufCEnumDescriptor *type, const char *key);

//  A column's text, or NULL for SQL NULL; lives as long as the result.
char *rows_text (const PGresult *result, int row, int column);

//  A bigint column; 0 for SQL NULL.
int64_t rows_int64 (const PGresult *result, int row, int column);

//  `text` as an ILIKE pattern that matches it anywhere, literally (% and _ are
//  not wildcards), in the call's arena.
const char *rows_contains_pattern (ht_call_t *call, const char *text);

//  The page size a list method asked for (default ROWS_PAGE_DEFAULT); records
//  a violation naming `page_size` when it is outside 1..ROWS_PAGE_MAX.
uint32_t rows_page_size (ht_call_t *call, bool present, uint32_t size);

//  How many rows of `result` (fetched with LIMIT page_size + 1) make the page;
//  sets `more` when there is a next page.
int rows_page_rows (const PGresult *result, uint32_t page_size, bool *more);

//  Records a violation naming `page_token` unless it is absent or an id token
//  this service issued (a UUID).
void rows_check_page_token (ht_call_t *call, const char *token);

//  The one row that `query` finds for `id`; NULL when the call failed or no
//  row matched (then the call is NOT_FOUND naming `field`: "no <what> has id ...").
PGresult *rows_one (ht_call_t *call, const char *query, const char *id, const char *field,
                    const char *what);

//  Fails the call with FAILED_PRECONDITION naming expected_version when the
//  caller gave one and `what` ("facility") is at another `version`. Returns
//  false when it failed the call.
bool rows_check_version (ht_call_t *call, const char *what, int64_t version,
                         bool has_expected, int64_t expected);

//  Checks that the organization `id` exists and is not withdrawn, and keeps
//  it from being withdrawn until the method's transaction ends (FOR SHARE).
//  Fails the call naming `field`: NOT_FOUND or FAILED_PRECONDITION. Mutating
//  methods only. Returns false when the call has failed.
bool rows_organization_usable (ht_call_t *call, const char *field, const char *id);

#endif

/*  wire - between hetao.v1 values, query parameters and result columns,
    for every customs file
*/
#ifndef WIRE_H_INCLUDED
#define WIRE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ht_call.h"

//  SQL: microseconds since the epoch in parameter $n, as a timestamptz.
#define US_TO_TIMESTAMP(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"
//  SQL: a timestamptz column as microseconds since the epoch.
#define US_OF(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
//  SQL: the date in Asia/Shanghai of microseconds in parameter $n.
#define US_TO_DATE(n) "((" US_TO_TIMESTAMP (n) " AT TIME ZONE 'Asia/Shanghai')::date)"

//  The enum key of `value` ("account_establishment") in the call's arena; NULL for none.
const char *wire_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value);

//  The value of enum key `key`; 0 (UNSPECIFIED) when unknown.
int wire_value (const ProtobufCEnumDescriptor *type, const char *key);

//  Column `column` of `row`: text or NULL, 64-bit integer (0 for NULL), boolean.
char *wire_text (const PGresult *result, int row, int column);
int64_t wire_int (const PGresult *result, int row, int column);
bool wire_bool (const PGresult *result, int row, int column);

//  True (and sets *has) when column `column` of `row` is not NULL; stores its integer in *value.
void wire_opt_int (const PGresult *result, int row, int column, protobuf_c_boolean *has, int64_t *value);

//  True for a real calendar date written YYYY-MM-DD; records a violation of `field` otherwise.
bool wire_check_date (ht_call_t *call, const char *field, const char *text);

#endif

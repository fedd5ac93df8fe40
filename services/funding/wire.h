/*  wire - between funding's wire messages, text and rows

    Shared by every domain file of the funding service: money on the wire
    (hetao.v1.Money) checked and built, enum keys, dates, and the columns
    every row carries. Nothing here touches the database.
*/
#ifndef WIRE_H_INCLUDED
#define WIRE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ht_call.h"
#include "ht_money.h"
#include "hetao/v1/funding.pb-c.h"

//  The currency of every programme, award and ledger entry.
#define FUNDING_CURRENCY "CNY"

//  SQL: the parameter $n (microseconds since the epoch) as a timestamptz,
//  and a timestamptz column as microseconds.
#define US_TO_TIMESTAMP(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"
#define TIMESTAMP_TO_US(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

//  A new Money of `minor` units of `currency`, in the call's arena.
Hetao__V1__Money *wire_money (ht_call_t *call, const char *currency, int64_t minor);

//  Checks `money` as an amount in `currency` (when not NULL: any currency
//  we know otherwise) and writes its minor units into `*minor`. Refuses,
//  naming `field`, an absent amount, another currency, zero or a negative
//  amount unless `signed_ok` (then only zero is refused).
bool wire_check_money (ht_call_t *call, const char *field, const Hetao__V1__Money *money,
                       const char *currency, bool signed_ok, int64_t *minor);

//  Decimal text of `minor` units of `currency`, in the call's arena ("0.01").
const char *wire_money_text (ht_call_t *call, const char *currency, int64_t minor);

//  The enum key of `value` in the call's arena ("under_review"); NULL for
//  a value that is not one of the enum's.
const char *wire_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value);

//  The value whose key is `key`; 0 (UNSPECIFIED) when none.
int wire_value (const ProtobufCEnumDescriptor *type, const char *key);

//  An ISO date YYYY-MM-DD that exists in the calendar; violation naming `field`.
bool wire_check_date (ht_call_t *call, const char *field, const char *value);

//  A new UUID (v7) in the call's arena.
const char *wire_uuid (ht_call_t *call);

//  A column's text, or NULL when it is SQL NULL.
char *wire_text (const PGresult *result, int row, int column);

//  A column as a 64-bit integer (0 when NULL).
int64_t wire_int (const PGresult *result, int row, int column);

#endif

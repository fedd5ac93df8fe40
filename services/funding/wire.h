/*  wire - between funding's wire messages, text and rows

    Shared by every domain file of the funding service: money on the wire
    (hetao.v1.Money) checked and built, dates and new ids. Enum keys, times
    and columns are common/ht_row's. Nothing here touches the database.
*/
#ifndef WIRE_H_INCLUDED
#define WIRE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ht_call.h"
#include "ht_money.h"
#include "ht_row.h"
#include "hetao/v1/funding.pb-c.h"

//  The currency of every programme, award and ledger entry.
#define FUNDING_CURRENCY "CNY"

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

//  An ISO date YYYY-MM-DD that exists in the calendar; violation naming `field`.
bool wire_check_date (ht_call_t *call, const char *field, const char *value);

//  A new UUID (v7) in the call's arena.
const char *wire_uuid (ht_call_t *call);

#endif

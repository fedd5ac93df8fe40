/*  money - what the funding nouns share: decimal amounts, amount lists and
    times as flags, and printing one reply's message
*/
#ifndef MONEY_H_INCLUDED
#define MONEY_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "ht_enum.h"
#include "ht_json.h"
#include "ht_money.h"
#include "hetao/v1/funding.pb-c.h"

//  A Money (owned by the command) from decimal text `text` ("370000000.00")
//  in `currency`; NULL (reported naming --`flag`) when it is not an amount
//  of that currency. A leading '-' is accepted when `allow_negative`.
Hetao__V1__Money *money_flag (const char *flag, const char *text, const char *currency, bool allow_negative);

//  Splits "key=amount,key=amount" (--breakdown, --tranches) into `count`
//  keys and Money values (owned by the command); false (reported naming --`flag`).
bool money_list_flag (const char *flag, const char *text, const char *currency,
                      char ***keys, Hetao__V1__Money ***amounts, size_t *count);

//  Microseconds since the epoch from RFC 3339 ("2026-01-01T00:00:00Z",
//  "2026-01-01T08:00:00+08:00") or a date ("2026-01-01", midnight UTC);
//  false (reported naming --`flag`).
bool money_time_flag (const char *flag, const char *text, int64_t *us);

//  Calls `method` of the funding service and prints the reply's field
//  `field` (a message), or the whole reply when `field` is NULL.
int money_call (const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *reply_type, const char *field);

//  Calls a list method and prints its repeated field `field` as a table of `columns`.
int money_list (const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *reply_type, const char *field, const char *columns);

#endif

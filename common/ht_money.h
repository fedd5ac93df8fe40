/*  ht_money - amounts in integer minor units, decimal text and exact rates

    An amount is an int64 count of a currency's minor unit (fen for CNY,
    cents for HKD and MOP) beside its ISO 4217 code. Nothing here uses
    floating point: text is parsed digit by digit, arithmetic is checked for
    overflow, and conversion at an exact decimal rate ("1.0856") is done in
    128-bit integers and rounded half-even to the target's minor unit.
    Pure functions; unit-tested in tests/unit/test_money.c.
*/
#ifndef HT_MONEY_H_INCLUDED
#define HT_MONEY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Room for any formatted amount: sign, 19 digits, point, terminating NUL.
#define HT_MONEY_TEXT_MAX 32

//  Most decimals a rate may have, and its largest integer part.
#define HT_RATE_DECIMALS_MAX 10
#define HT_RATE_INTEGER_MAX  100000000LL

typedef enum {
    HT_MONEY_OK = 0,
    HT_MONEY_SYNTAX,            //  not a decimal number
    HT_MONEY_PRECISION,         //  more decimals than allowed
    HT_MONEY_SIGN,              //  a sign where none is allowed
    HT_MONEY_OVERFLOW,          //  does not fit in 64 bits of minor units
    HT_MONEY_CURRENCY,          //  not a currency we know
    HT_MONEY_NOT_POSITIVE       //  zero where only a positive value makes sense
} ht_money_status_t;

//  An exact decimal rate: value = units / 10^decimals, units > 0.
typedef struct {
    int64_t units;
    int decimals;
} ht_rate_t;

//  What `status` means, for a person ("more decimals than the currency has").
const char *ht_money_status_text (ht_money_status_t status);

//  Number of decimals of `currency`'s minor unit, or -1 when the code is not
//  one we handle (CNY, HKD, MOP).
int ht_money_decimals (const char *currency);

//  True when `currency` is a code we handle.
bool ht_money_currency_known (const char *currency);

//  Writes the currencies we handle into `out`, separated by ", ".
void ht_money_currencies (char *out, size_t size);

//  Parses `text` ("370000000.00", "0.01", "5") as an amount of `currency`
//  into `*minor`. A leading '-' is accepted only when `allow_negative`; a
//  '+', spaces, exponents, a bare point or more decimals than the currency
//  has are refused. On error `*minor` is unchanged.
ht_money_status_t ht_money_parse (const char *text, const char *currency,
                                  bool allow_negative, int64_t *minor);

//  Writes `minor` of `currency` as decimal text with exactly the currency's
//  decimals into `out` (HT_MONEY_TEXT_MAX bytes is always enough) and returns
//  `out`; an unknown currency is written with 2 decimals.
char *ht_money_format (int64_t minor, const char *currency, char *out, size_t size);

//  Checked arithmetic: false on overflow, leaving `*result` unchanged.
bool ht_money_add (int64_t a, int64_t b, int64_t *result);
bool ht_money_sub (int64_t a, int64_t b, int64_t *result);
bool ht_money_mul (int64_t a, int64_t factor, int64_t *result);

//  Parses a rate ("1.0856"): digits with at most HT_RATE_DECIMALS_MAX
//  decimals, an integer part below HT_RATE_INTEGER_MAX, and greater than zero.
ht_money_status_t ht_rate_parse (const char *text, ht_rate_t *rate);

//  Writes `rate` as decimal text with its own decimals into `out`.
char *ht_rate_format (const ht_rate_t *rate, char *out, size_t size);

//  Converts `minor` of `from` into `to` at `rate` (one unit of `from` buys
//  `rate` units of `to`), rounding half-even to `to`'s minor unit, into
//  `*result`. HT_MONEY_CURRENCY for an unknown code, HT_MONEY_OVERFLOW when
//  the result does not fit.
ht_money_status_t ht_money_convert (int64_t minor, const char *from,
                                    const ht_rate_t *rate, const char *to,
                                    int64_t *result);

#endif

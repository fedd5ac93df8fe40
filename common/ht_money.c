/*  ht_money - amounts in integer minor units, decimal text and exact rates

    The one rule a change here must keep: no floating point, and every
    operation that can overflow is checked (__builtin_*_overflow, which gcc
    provides for __int128 too).
*/

#include "ht_money.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *code;
    int decimals;
} s_currency_t;

//  The currencies the park's money moves in. Adding one is adding a row.
static const s_currency_t s_currencies [] = {
    { "CNY", 2 },
    { "HKD", 2 },
    { "MOP", 2 },
    { NULL, 0 }
};

static const char *s_status_text [] = {
    [HT_MONEY_OK]           = "ok",
    [HT_MONEY_SYNTAX]       = "not a decimal number (digits, an optional point and decimals)",
    [HT_MONEY_PRECISION]    = "more decimals than allowed",
    [HT_MONEY_SIGN]         = "a sign is not allowed here",
    [HT_MONEY_OVERFLOW]     = "out of range",
    [HT_MONEY_CURRENCY]     = "unknown currency",
    [HT_MONEY_NOT_POSITIVE] = "must be greater than zero"
};

const char *
ht_money_status_text (ht_money_status_t status)
{
    if ((int) status < 0 || (size_t) status >= sizeof s_status_text / sizeof s_status_text [0])
        return "unknown money error";
    return s_status_text [status];
}

int
ht_money_decimals (const char *currency)
{
    if (!currency)
        return -1;
    for (const s_currency_t *c = s_currencies; c->code; c++)
        if (!strcmp (c->code, currency))
            return c->decimals;
    return -1;
}

bool
ht_money_currency_known (const char *currency)
{
    return ht_money_decimals (currency) >= 0;
}

void
ht_money_currencies (char *out, size_t size)
{
    size_t used = 0;
    if (size)
        out [0] = 0;
    for (const s_currency_t *c = s_currencies; c->code && used < size; c++) {
        int n = snprintf (out + used, size - used, "%s%s", c == s_currencies? "": ", ", c->code);
        if (n < 0)
            break;
        used += (size_t) n;
    }
}

//  Parses `text` as [-]digits[.decimals] with at most `max_decimals`
//  decimals into `*value` scaled by 10^`scale` (scale >= decimals given).
//  Writes the number of decimals given into `*given` when not NULL.
static ht_money_status_t
s_decimal_parse (const char *text, bool allow_negative, int max_decimals, int scale,
                 int64_t *value, int *given)
{
    if (!text || !*text)
        return HT_MONEY_SYNTAX;
    const char *s = text;
    bool negative = false;
    if (*s == '-' || *s == '+') {
        if (*s == '+' || !allow_negative)
            return HT_MONEY_SIGN;
        negative = true;
        s++;
    }
    //  Accumulate as a negative number so INT64_MIN is reachable.
    int64_t acc = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (__builtin_mul_overflow (acc, 10, &acc)
        ||  __builtin_sub_overflow (acc, *s - '0', &acc))
            return HT_MONEY_OVERFLOW;
        digits++;
        s++;
    }
    if (digits == 0)
        return HT_MONEY_SYNTAX;
    int decimals = 0;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            if (decimals == max_decimals) {
                //  Scan on so garbage after the digits says syntax, not precision.
                while (*s >= '0' && *s <= '9')
                    s++;
                return *s? HT_MONEY_SYNTAX: HT_MONEY_PRECISION;
            }
            if (__builtin_mul_overflow (acc, 10, &acc)
            ||  __builtin_sub_overflow (acc, *s - '0', &acc))
                return HT_MONEY_OVERFLOW;
            decimals++;
            s++;
        }
        if (decimals == 0)
            return HT_MONEY_SYNTAX;
    }
    if (*s)
        return HT_MONEY_SYNTAX;
    for (int i = decimals; i < scale; i++)
        if (__builtin_mul_overflow (acc, 10, &acc))
            return HT_MONEY_OVERFLOW;
    if (!negative && __builtin_sub_overflow ((int64_t) 0, acc, &acc))
        return HT_MONEY_OVERFLOW;
    *value = acc;
    if (given)
        *given = decimals;
    return HT_MONEY_OK;
}

ht_money_status_t
ht_money_parse (const char *text, const char *currency, bool allow_negative, int64_t *minor)
{
    int decimals = ht_money_decimals (currency);
    if (decimals < 0)
        return HT_MONEY_CURRENCY;
    return s_decimal_parse (text, allow_negative, decimals, decimals, minor, NULL);
}

//  Writes `value` / 10^`decimals` as text with exactly `decimals` decimals.
static char *
s_decimal_format (int64_t value, int decimals, char *out, size_t size)
{
    //  Digits of the magnitude, least significant first, without negating
    //  (INT64_MIN has no positive counterpart).
    char digits [24];
    int count = 0;
    int64_t rest = value;
    do {
        int digit = (int) (rest % 10);
        digits [count++] = (char) ('0' + (digit < 0? -digit: digit));
        rest /= 10;
    } while (rest != 0);
    while (count <= decimals)
        digits [count++] = '0';
    char text [HT_MONEY_TEXT_MAX];
    size_t used = 0;
    if (value < 0)
        text [used++] = '-';
    for (int i = count - 1; i >= 0; i--) {
        text [used++] = digits [i];
        if (i == decimals && decimals > 0)
            text [used++] = '.';
    }
    text [used] = 0;
    snprintf (out, size, "%s", text);
    return out;
}

char *
ht_money_format (int64_t minor, const char *currency, char *out, size_t size)
{
    int decimals = ht_money_decimals (currency);
    return s_decimal_format (minor, decimals < 0? 2: decimals, out, size);
}

bool
ht_money_add (int64_t a, int64_t b, int64_t *result)
{
    int64_t sum;
    if (__builtin_add_overflow (a, b, &sum))
        return false;
    *result = sum;
    return true;
}

bool
ht_money_sub (int64_t a, int64_t b, int64_t *result)
{
    int64_t difference;
    if (__builtin_sub_overflow (a, b, &difference))
        return false;
    *result = difference;
    return true;
}

bool
ht_money_mul (int64_t a, int64_t factor, int64_t *result)
{
    int64_t product;
    if (__builtin_mul_overflow (a, factor, &product))
        return false;
    *result = product;
    return true;
}

ht_money_status_t
ht_rate_parse (const char *text, ht_rate_t *rate)
{
    int64_t units;
    int decimals;
    ht_money_status_t status = s_decimal_parse (text, false, HT_RATE_DECIMALS_MAX, 0,
                                                &units, &decimals);
    if (status != HT_MONEY_OK)
        return status;
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    if (units / scale >= HT_RATE_INTEGER_MAX)
        return HT_MONEY_OVERFLOW;
    if (units == 0)
        return HT_MONEY_NOT_POSITIVE;
    rate->units = units;
    rate->decimals = decimals;
    return HT_MONEY_OK;
}

char *
ht_rate_format (const ht_rate_t *rate, char *out, size_t size)
{
    return s_decimal_format (rate->units, rate->decimals, out, size);
}

//  10^n as a 128-bit integer, n <= 38.
static __int128
s_power10 (int n)
{
    __int128 value = 1;
    while (n-- > 0)
        value *= 10;
    return value;
}

ht_money_status_t
ht_money_convert (int64_t minor, const char *from, const ht_rate_t *rate,
                  const char *to, int64_t *result)
{
    int from_decimals = ht_money_decimals (from);
    int to_decimals = ht_money_decimals (to);
    if (from_decimals < 0 || to_decimals < 0)
        return HT_MONEY_CURRENCY;
    if (!rate || rate->units <= 0 || rate->decimals < 0 || rate->decimals > HT_RATE_DECIMALS_MAX)
        return HT_MONEY_NOT_POSITIVE;

    //  result = minor * units * 10^to / (10^rate_decimals * 10^from),
    //  on the magnitude, then rounded half-even and signed.
    __int128 magnitude = minor < 0? -(__int128) minor: (__int128) minor;
    __int128 numerator, denominator;
    if (__builtin_mul_overflow (magnitude, (__int128) rate->units, &numerator)
    ||  __builtin_mul_overflow (numerator, s_power10 (to_decimals), &numerator))
        return HT_MONEY_OVERFLOW;
    denominator = s_power10 (rate->decimals + from_decimals);
    __int128 quotient = numerator / denominator;
    __int128 remainder = numerator % denominator;
    __int128 twice = remainder * 2;     //  remainder < 10^13: no overflow
    if (twice > denominator || (twice == denominator && (quotient & 1)))
        quotient++;
    if (minor < 0)
        quotient = -quotient;
    if (quotient > INT64_MAX || quotient < INT64_MIN)
        return HT_MONEY_OVERFLOW;
    *result = (int64_t) quotient;
    return HT_MONEY_OK;
}

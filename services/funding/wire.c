/*  wire - between funding's wire messages, text and rows  */

#include "wire.h"
#include "ht_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Hetao__V1__Money *
wire_money (ht_call_t *call, const char *currency, int64_t minor)
{
    Hetao__V1__Money *money = ht_arena_alloc (ht_call_arena (call), sizeof *money);
    hetao__v1__money__init (money);
    money->currency = ht_arena_strdup (ht_call_arena (call), currency);
    money->has_minor_units = true;
    money->minor_units = minor;
    return money;
}

bool
wire_check_money (ht_call_t *call, const char *field, const Hetao__V1__Money *money,
                  const char *currency, bool signed_ok, int64_t *minor)
{
    if (!money || !money->has_minor_units) {
        ht_call_violation (call, field, "is required: an amount in minor units (fen) with its currency");
        return false;
    }
    if (!money->currency || !ht_money_currency_known (money->currency)
    ||  (currency && strcmp (money->currency, currency))) {
        char known [64];
        ht_money_currencies (known, sizeof known);
        if (currency)
            ht_call_violation (call, field, "must be in %s, not %s", currency,
                               money->currency? money->currency: "no currency");
        else
            ht_call_violation (call, field, "has currency %s; expected one of %s",
                               money->currency? money->currency: "none", known);
        return false;
    }
    if (money->minor_units == 0 || (!signed_ok && money->minor_units < 0)) {
        ht_call_violation (call, field, "must be greater than zero%s; it is %s",
                           signed_ok? " or less than zero": "",
                           wire_money_text (call, money->currency, money->minor_units));
        return false;
    }
    *minor = money->minor_units;
    return true;
}

const char *
wire_money_text (ht_call_t *call, const char *currency, int64_t minor)
{
    char text [HT_MONEY_TEXT_MAX];
    ht_money_format (minor, currency, text, sizeof text);
    return ht_arena_strdup (ht_call_arena (call), text);
}

bool
wire_check_date (ht_call_t *call, const char *field, const char *value)
{
    int year, month, day;
    char rest;
    if (!value) {
        ht_call_violation (call, field, "is required: a date YYYY-MM-DD");
        return false;
    }
    if (strlen (value) != 10 || value [4] != '-' || value [7] != '-'
    ||  sscanf (value, "%4d-%2d-%2d%c", &year, &month, &day, &rest) != 3) {
        ht_call_violation (call, field, "must be a date YYYY-MM-DD, not '%s'", value);
        return false;
    }
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1
    ||  day > days [month - 1] + (month == 2 && leap)) {
        ht_call_violation (call, field, "%s is not a date in the calendar", value);
        return false;
    }
    return true;
}

const char *
wire_uuid (ht_call_t *call)
{
    char id [37];
    ht_uuid_v7 (id);
    return ht_arena_strdup (ht_call_arena (call), id);
}

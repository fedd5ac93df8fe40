/*  wire - what customs adds to ht_row: dates in Asia/Shanghai and optional instants  */

#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
wire_opt_int (const PGresult *result, int row, int column, protobuf_c_boolean *has, int64_t *value)
{
    *has = !PQgetisnull (result, row, column);
    *value = ht_row_int (result, row, column);
}

bool
wire_check_date (ht_call_t *call, const char *field, const char *text)
{
    static const int days [] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int year, month, day, length = 0;
    if (!text) {
        ht_call_violation (call, field, "is required, as YYYY-MM-DD");
        return false;
    }
    if (strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d%n", &year, &month, &day, &length) != 3
    ||  length != 10 || year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1
    ||  day > days [month - 1]
    ||  (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))) {
        ht_call_violation (call, field, "'%.20s' is not a date written YYYY-MM-DD", text);
        return false;
    }
    return true;
}

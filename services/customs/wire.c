/*  wire - between hetao.v1 values, query parameters and result columns  */

#include "wire.h"
#include "ht_enum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
wire_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value)
{
    char key [64];
    return ht_enum_key (type, value, key, sizeof key)? ht_arena_strdup (ht_call_arena (call), key): NULL;
}

int
wire_value (const ProtobufCEnumDescriptor *type, const char *key)
{
    int value = 0;
    if (key)
        ht_enum_value (type, key, &value);
    return value;
}

char *
wire_text (const PGresult *result, int row, int column)
{
    return PQgetisnull (result, row, column)? NULL: PQgetvalue (result, row, column);
}

int64_t
wire_int (const PGresult *result, int row, int column)
{
    return PQgetisnull (result, row, column)? 0: strtoll (PQgetvalue (result, row, column), NULL, 10);
}

bool
wire_bool (const PGresult *result, int row, int column)
{
    return !PQgetisnull (result, row, column) && !strcmp (PQgetvalue (result, row, column), "t");
}

void
wire_opt_int (const PGresult *result, int row, int column, protobuf_c_boolean *has, int64_t *value)
{
    *has = !PQgetisnull (result, row, column);
    *value = wire_int (result, row, column);
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

/*  ht_row - between wire messages, query parameters and result rows  */

#include "ht_row.h"
#include "ht_enum.h"
#include "ht_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *
ht_row_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value)
{
    char key [64];
    return ht_enum_key (type, value, key, sizeof key)? ht_arena_strdup (ht_call_arena (call), key): NULL;
}

int
ht_row_enum (const ProtobufCEnumDescriptor *type, const char *key)
{
    int value = 0;
    ht_enum_value (type, key, &value);
    return value;
}

char *
ht_row_text (const PGresult *result, int row, int column)
{
    return PQgetisnull (result, row, column)? NULL: PQgetvalue (result, row, column);
}

int64_t
ht_row_int (const PGresult *result, int row, int column)
{
    return strtoll (PQgetvalue (result, row, column), NULL, 10);
}

bool
ht_row_bool (const PGresult *result, int row, int column)
{
    return !strcmp (PQgetvalue (result, row, column), "t");
}

const char *
ht_row_contains (ht_call_t *call, const char *text)
{
    char *pattern = ht_arena_alloc (ht_call_arena (call), strlen (text) * 2 + 3);
    char *p = pattern;
    *p++ = '%';
    for (; *text; text++) {
        if (*text == '%' || *text == '_' || *text == '\\')
            *p++ = '\\';
        *p++ = *text;
    }
    *p++ = '%';
    *p = 0;
    return pattern;
}

const char *
ht_row_uuid (ht_call_t *call, const char *id)
{
    char *lower = ht_arena_strdup (ht_call_arena (call), id);
    for (char *c = lower; *c; c++)
        *c = (char) tolower ((unsigned char) *c);
    return lower;
}

PGresult *
ht_row_find (ht_call_t *call, const char *query, const char *noun, const char *id)
{
    return ht_row_find_as (call, query, "id", noun, id);
}

PGresult *
ht_row_find_as (ht_call_t *call, const char *query, const char *field, const char *noun, const char *id)
{
    PGresult *result = ht_call_query (call, query, HT_ARGS (id));
    if (result && PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no %s has id %s", noun, id);
        return NULL;
    }
    return result;
}

bool
ht_row_check_version (ht_call_t *call, const char *noun, int64_t version, bool has_expected, int64_t expected)
{
    if (!has_expected || expected == version)
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, "expected_version",
                  "the %s is at version %lld, not %lld: read it again and retry",
                  noun, (long long) version, (long long) expected);
    return false;
}

uint32_t
ht_row_page_size (ht_call_t *call, bool has_page_size, uint32_t page_size, const char *page_token)
{
    uint32_t size = has_page_size? page_size: HT_PAGE_DEFAULT;
    bool ok = true;
    if (size < 1 || size > HT_PAGE_MAX) {
        ht_call_violation (call, "page_size", "must be 1 to %d", HT_PAGE_MAX);
        ok = false;
    }
    //  The token is the last id of the previous page; anything else was not issued here.
    if (page_token && !ht_uuid_valid (page_token)) {
        ht_call_violation (call, "page_token", "is not a token this service issued: pass "
                           "next_page_token of the previous page unchanged");
        ok = false;
    }
    return ok? size: 0;
}

int
ht_row_page_rows (const PGresult *result, uint32_t page_size, bool *more)
{
    int rows = PQntuples (result);
    *more = rows > (int) page_size;
    return *more? (int) page_size: rows;
}

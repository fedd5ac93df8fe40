/*  rows - between database rows, enum keys and the wire, for every domain file  */

#include "rows.h"
#include "ht_enum.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>

const ht_query_t rows_queries [] = {
    //  FOR SHARE: a concurrent withdrawal waits until the naming change commits.
    { "rows_organization_for_share",
      "SELECT status FROM organization WHERE id = $1::uuid FOR SHARE" },
    { NULL, NULL }
};

const char *
rows_key (ht_call_t *call, const ProtobufCEnumDescriptor *type, int value)
{
    char key [64];
    return ht_enum_key (type, value, key, sizeof key)? ht_arena_strdup (ht_call_arena (call), key): NULL;
}

int
rows_value (const ProtobufCEnumDescriptor *type, const char *key)
{
    int value = 0;
    if (key)
        ht_enum_value (type, key, &value);
    return value;
}

char *
rows_text (const PGresult *result, int row, int column)
{
    return PQgetisnull (result, row, column)? NULL: PQgetvalue (result, row, column);
}

int64_t
rows_int64 (const PGresult *result, int row, int column)
{
    return PQgetisnull (result, row, column)? 0: strtoll (PQgetvalue (result, row, column), NULL, 10);
}

const char *
rows_contains_pattern (ht_call_t *call, const char *text)
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

uint32_t
rows_page_size (ht_call_t *call, bool present, uint32_t size)
{
    uint32_t page_size = present? size: ROWS_PAGE_DEFAULT;
    if (page_size < 1 || page_size > ROWS_PAGE_MAX)
        ht_call_violation (call, "page_size", "must be 1 to %d", ROWS_PAGE_MAX);
    return page_size;
}

int
rows_page_rows (const PGresult *result, uint32_t page_size, bool *more)
{
    int rows = PQntuples (result);
    *more = rows > (int) page_size;
    return *more? (int) page_size: rows;
}

void
rows_check_page_token (ht_call_t *call, const char *token)
{
    if (token && !ht_uuid_valid (token))
        ht_call_violation (call, "page_token", "is not a token this service issued: pass "
                           "next_page_token of the previous page unchanged");
}

PGresult *
rows_one (ht_call_t *call, const char *query, const char *id, const char *field, const char *what)
{
    PGresult *result = ht_call_query (call, query, HT_ARGS (id));
    if (result && PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, field, "no %s has id %s", what, id);
        return NULL;
    }
    return result;
}

bool
rows_check_version (ht_call_t *call, const char *what, int64_t version,
                    bool has_expected, int64_t expected)
{
    if (!has_expected || expected == version)
        return true;
    ht_call_fail (call, HT_FAILED_PRECONDITION, "expected_version",
                  "the %s is at version %lld, not %lld: read it again and retry",
                  what, (long long) version, (long long) expected);
    return false;
}

bool
rows_organization_usable (ht_call_t *call, const char *field, const char *id)
{
    PGresult *result = rows_one (call, "rows_organization_for_share", id, field, "organization");
    if (!result)
        return false;
    if (!strcmp (PQgetvalue (result, 0, 0), "withdrawn")) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "the organization %s is withdrawn", id);
        return false;
    }
    return true;
}

/*  ht_row - between wire messages, query parameters and result rows  */

#include "ht_row.h"
#include "ht_enum.h"
#include "ht_text.h"

#include <assert.h>
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

bool
ht_row_check_reason (ht_call_t *call, bool needed, const char *reason)
{
    return needed || reason? ht_call_check_text (call, "reason", reason, needed? 1: 0, 500): true;
}

//  ---------------------------------------------------------------------------
//  Rows as messages

//  Writes the text `value` into the scalar field `field` of `message`.
static void
s_set (ProtobufCMessage *message, const ProtobufCFieldDescriptor *field, const char *value)
{
    char *member = (char *) message + field->offset;
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            *(const char **) member = value;
            return;                 //  presence is the pointer itself
        case PROTOBUF_C_TYPE_ENUM:
            *(int *) member = ht_row_enum (field->descriptor, value);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            *(protobuf_c_boolean *) member = !strcmp (value, "t") || !strcmp (value, "true");
            break;
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            *(int32_t *) member = (int32_t) strtol (value, NULL, 10);
            break;
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            *(uint32_t *) member = (uint32_t) strtoul (value, NULL, 10);
            break;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
            *(int64_t *) member = strtoll (value, NULL, 10);
            break;
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            *(uint64_t *) member = strtoull (value, NULL, 10);
            break;
        default:
            assert (!"a column cannot fill this field type");
            return;
    }
    if (field->quantifier_offset)
        *(protobuf_c_boolean *) ((char *) message + field->quantifier_offset) = 1;
}

ProtobufCMessage *
ht_row_message (ht_arena_t *arena, const ProtobufCMessageDescriptor *type, const PGresult *result, int row)
{
    int columns = PQnfields (result);
    assert ((unsigned) columns <= type->n_fields);
    ProtobufCMessage *message = ht_arena_alloc (arena, type->sizeof_message);
    type->message_init (message);
    for (int column = 0; column < columns; column++) {
        const ProtobufCFieldDescriptor *field = &type->fields [column];
        assert (field->label != PROTOBUF_C_LABEL_REPEATED);
        if (!PQgetisnull (result, row, column))
            s_set (message, field, PQgetvalue (result, row, column));
    }
    return message;
}

void
ht_row_messages (ht_arena_t *arena, ProtobufCMessage *message, const char *field_name,
                 const PGresult *result, int rows)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (message->descriptor, field_name);
    assert (field && field->label == PROTOBUF_C_LABEL_REPEATED && field->type == PROTOBUF_C_TYPE_MESSAGE);
    ProtobufCMessage **items = ht_arena_alloc (arena, sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        items [row] = ht_row_message (arena, field->descriptor, result, row);
    *(ProtobufCMessage ***) ((char *) message + field->offset) = items;
    *(size_t *) ((char *) message + field->quantifier_offset) = (size_t) rows;
}

//  A message of `type` in the call's arena whose first field is `entity`.
static ProtobufCMessage *
s_holder (ht_call_t *call, const ProtobufCMessageDescriptor *type, const ProtobufCMessage *entity)
{
    assert (type->n_fields >= 1 && type->fields [0].type == PROTOBUF_C_TYPE_MESSAGE
            && type->fields [0].label != PROTOBUF_C_LABEL_REPEATED
            && type->fields [0].descriptor == entity->descriptor);
    ProtobufCMessage *holder = ht_arena_alloc (ht_call_arena (call), type->sizeof_message);
    type->message_init (holder);
    *(const ProtobufCMessage **) ((char *) holder + type->fields [0].offset) = entity;
    return holder;
}

void
ht_row_reply (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type, const ProtobufCMessage *entity)
{
    ht_call_reply (call, s_holder (call, reply_type, entity));
}

void
ht_row_emit (ht_call_t *call, const char *type, const ProtobufCMessageDescriptor *event_type,
             const ProtobufCMessage *entity, int previous)
{
    ProtobufCMessage *event = s_holder (call, event_type, entity);
    if (previous) {
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (event_type, "previous_status");
        assert (field && field->type == PROTOBUF_C_TYPE_ENUM && field->quantifier_offset);
        *(int *) ((char *) event + field->offset) = previous;
        *(protobuf_c_boolean *) ((char *) event + field->quantifier_offset) = true;
    }
    const ProtobufCFieldDescriptor *id =
        protobuf_c_message_descriptor_get_field_by_name (entity->descriptor, "id");
    assert (id && id->type == PROTOBUF_C_TYPE_STRING);
    ht_call_emit (call, type, *(const char *const *) ((const char *) entity + id->offset), event);
}

void
ht_row_reply_page (ht_call_t *call, const ProtobufCMessageDescriptor *reply_type,
                   const PGresult *result, uint32_t page_size)
{
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    ProtobufCMessage *reply = ht_arena_alloc (ht_call_arena (call), reply_type->sizeof_message);
    reply_type->message_init (reply);
    ht_row_messages (ht_call_arena (call), reply, reply_type->fields [0].name, result, rows);
    const ProtobufCFieldDescriptor *token =
        protobuf_c_message_descriptor_get_field_by_name (reply_type, "next_page_token");
    assert (token && token->type == PROTOBUF_C_TYPE_STRING);
    if (more)
        *(const char **) ((char *) reply + token->offset) = PQgetvalue (result, rows - 1, 0);
    ht_call_reply (call, reply);
}

/*  ht_row - query rows as protobuf messages  */

#include "ht_row.h"
#include "ht_enum.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

//  Writes the text `value` into the scalar field `field` of `message`.
static void
s_set (ProtobufCMessage *message, const ProtobufCFieldDescriptor *field, const char *value)
{
    char *member = (char *) message + field->offset;
    switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            *(const char **) member = value;
            return;                 //  presence is the pointer itself
        case PROTOBUF_C_TYPE_ENUM: {
            int number = 0;
            ht_enum_value (field->descriptor, value, &number);
            *(int *) member = number;
            break;
        }
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

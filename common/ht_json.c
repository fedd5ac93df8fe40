/*  ht_json - any protobuf-c message as JSON or as readable text  */

#include "ht_json.h"
#include "ht_money.h"
#include "ht_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

static void
s_base64 (FILE *out, const uint8_t *data, size_t size)
{
    static const char table [] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputc ('"', out);
    for (size_t i = 0; i < size; i += 3) {
        uint32_t chunk = (uint32_t) data [i] << 16;
        if (i + 1 < size) chunk |= (uint32_t) data [i + 1] << 8;
        if (i + 2 < size) chunk |= data [i + 2];
        fputc (table [(chunk >> 18) & 63], out);
        fputc (table [(chunk >> 12) & 63], out);
        fputc (i + 1 < size? table [(chunk >> 6) & 63]: '=', out);
        fputc (i + 2 < size? table [chunk & 63]: '=', out);
    }
    fputc ('"', out);
}

const void *
ht_json_field (const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field, size_t *count)
{
    const char *base = (const char *) message;
    const void *member = base + field->offset;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        *count = *(const size_t *) (base + field->quantifier_offset);
        return *(const void *const *) member;
    }
    bool pointer_type = field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE;
    if (pointer_type)
        *count = *(const void *const *) member != NULL;
    else
    if (field->quantifier_offset)
        *count = *(const protobuf_c_boolean *) (base + field->quantifier_offset) != 0;
    else
        *count = 1;
    return member;
}

size_t
ht_json_value_size (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        default:
            return 4;
    }
}

static void
s_value (FILE *out, const ProtobufCFieldDescriptor *field, const void *value, bool json, int indent)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
            fprintf (out, "%" PRId32, *(const int32_t *) value);
            break;
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
            fprintf (out, "%" PRIu32, *(const uint32_t *) value);
            break;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
            fprintf (out, "%" PRId64, *(const int64_t *) value);
            break;
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
            fprintf (out, "%" PRIu64, *(const uint64_t *) value);
            break;
        case PROTOBUF_C_TYPE_FLOAT:
            fprintf (out, "%g", (double) *(const float *) value);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            fprintf (out, "%g", *(const double *) value);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            fputs (*(const protobuf_c_boolean *) value? "true": "false", out);
            break;
        case PROTOBUF_C_TYPE_ENUM: {
            int number = *(const int *) value;
            const ProtobufCEnumValue *name =
                protobuf_c_enum_descriptor_get_value (field->descriptor, number);
            if (name && json)
                fprintf (out, "\"%s\"", name->name);
            else
            if (name)
                fputs (name->name, out);
            else
                fprintf (out, "%d", number);
            break;
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *text = *(const char *const *) value;
            if (json)
                ht_json_quote (out, text, strlen (text));
            else
                fputs (text, out);
            break;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *bytes = value;
            s_base64 (out, bytes->data, bytes->len);
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *inner = *(const ProtobufCMessage *const *) value;
            if (json)
                ht_json_write (out, inner);
            else {
                fputc ('\n', out);
                ht_json_write_text (out, inner, indent + 2);
            }
            break;
        }
    }
}

void
ht_json_write_value (FILE *out, const ProtobufCFieldDescriptor *field, const void *value, bool json)
{
    s_value (out, field, value, json, 0);
}

bool
ht_json_money (const ProtobufCMessage *message, char *out, size_t size)
{
    const ProtobufCMessageDescriptor *type = message->descriptor;
    if (strcmp (type->name, "hetao.v1.Money") != 0)
        return false;
    const ProtobufCFieldDescriptor *currency = protobuf_c_message_descriptor_get_field_by_name (type, "currency");
    const ProtobufCFieldDescriptor *minor = protobuf_c_message_descriptor_get_field_by_name (type, "minor_units");
    size_t has_currency, has_minor;
    const char *const *code = ht_json_field (message, currency, &has_currency);
    const int64_t *units = ht_json_field (message, minor, &has_minor);
    if (!has_currency || !has_minor || !ht_money_currency_known (*code))
        return false;
    ht_money_format (*units, *code, out, size);
    return true;
}

void
ht_json_write (FILE *out, const ProtobufCMessage *message)
{
    const ProtobufCMessageDescriptor *type = message->descriptor;
    fputc ('{', out);
    bool first = true;
    for (unsigned i = 0; i < type->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &type->fields [i];
        size_t count;
        const void *value = ht_json_field (message, field, &count);
        bool repeated = field->label == PROTOBUF_C_LABEL_REPEATED;
        if (count == 0 && !repeated)
            continue;
        fprintf (out, "%s\"%s\":", first? "": ",", field->name);
        first = false;
        if (!repeated) {
            s_value (out, field, value, true, 0);
            continue;
        }
        fputc ('[', out);
        for (size_t j = 0; j < count; j++) {
            if (j)
                fputc (',', out);
            s_value (out, field, (const char *) value + j * ht_json_value_size (field->type), true, 0);
        }
        fputc (']', out);
    }
    char amount [HT_MONEY_TEXT_MAX];
    if (ht_json_money (message, amount, sizeof amount))
        fprintf (out, "%s\"amount\":\"%s\"", first? "": ",", amount);
    fputc ('}', out);
}

void
ht_json_write_text (FILE *out, const ProtobufCMessage *message, int indent)
{
    const ProtobufCMessageDescriptor *type = message->descriptor;
    for (unsigned i = 0; i < type->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &type->fields [i];
        size_t count;
        const void *value = ht_json_field (message, field, &count);
        if (count == 0)
            continue;
        fprintf (out, "%*s%s: ", indent, "", field->name);
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            for (size_t j = 0; j < count; j++) {
                if (j && field->type != PROTOBUF_C_TYPE_MESSAGE)
                    fputs (", ", out);
                s_value (out, field, (const char *) value + j * ht_json_value_size (field->type), false, indent);
            }
        }
        else
            s_value (out, field, value, false, indent);
        size_t length = strlen (field->name);
        if (field->type == PROTOBUF_C_TYPE_INT64 && length > 6
        &&  !strcmp (field->name + length - 6, "_at_us")) {
            char when [40];
            ht_time_format (*(const int64_t *) value, when, sizeof when);
            fprintf (out, " (%s)", when);
        }
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            fputc ('\n', out);
    }
}

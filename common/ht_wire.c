/*  ht_wire - checks on serialized protobuf that protobuf-c cannot make  */

#include "ht_wire.h"
#include "ht_text.h"

#include <stdio.h>
#include <string.h>

#define S_MAX_DEPTH 16

//  Reads a varint at *p; false when it runs past `end` or over 10 bytes.
static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    *value = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        *value |= (uint64_t) (byte & 0x7F) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

//  0: all strings fine; 1: a bad string (path in `field`); -1: malformed.
static int
s_walk (const ProtobufCMessageDescriptor *type, const uint8_t *p, const uint8_t *end,
        char *field, size_t field_size, int depth)
{
    if (depth > S_MAX_DEPTH)
        return -1;
    while (p < end) {
        uint64_t key, length;
        if (!s_varint (&p, end, &key))
            return -1;
        switch (key & 7) {
            case 0:
                if (!s_varint (&p, end, &length))
                    return -1;
                continue;
            case 1:
                p += 8;
                continue;
            case 5:
                p += 4;
                continue;
            case 2:
                break;
            default:
                return -1;              //  groups and invalid wire types
        }
        if (!s_varint (&p, end, &length) || length > (uint64_t) (end - p))
            return -1;
        const ProtobufCFieldDescriptor *descriptor =
            protobuf_c_message_descriptor_get_field (type, (unsigned) (key >> 3));
        if (descriptor && descriptor->type == PROTOBUF_C_TYPE_STRING
        &&  (memchr (p, 0, length) || !ht_utf8_valid ((const char *) p, length, true))) {
            snprintf (field, field_size, "%s", descriptor->name);
            return 1;
        }
        if (descriptor && descriptor->type == PROTOBUF_C_TYPE_MESSAGE) {
            char inner [256] = "";
            int result = s_walk (descriptor->descriptor, p, p + length, inner, sizeof inner, depth + 1);
            if (result)
                snprintf (field, field_size, "%s.%s", descriptor->name, inner);
            if (result)
                return result;
        }
        p += length;
    }
    return p == end? 0: -1;
}

bool
ht_wire_strings_valid (const ProtobufCMessageDescriptor *type, const uint8_t *data, size_t size,
                       char *field, size_t field_size)
{
    field [0] = 0;
    if (size == 0)
        return true;                //  an empty message (data may be NULL: no arithmetic on it)
    return s_walk (type, data, data + size, field, field_size, 0) != 1;
}

bool
ht_wire_field_equals (const uint8_t *data, size_t size, uint32_t number, const char *text)
{
    const uint8_t *p = data, *end = data + size;
    size_t text_length = strlen (text);
    bool equal = false;
    while (p < end) {
        uint64_t key, length;
        if (!s_varint (&p, end, &key))
            return false;
        switch (key & 7) {
            case 0:
                if (!s_varint (&p, end, &length))
                    return false;
                continue;
            case 1:
            case 5:
                if ((uint64_t) (end - p) < ((key & 7) == 1? 8u: 4u))
                    return false;
                p += (key & 7) == 1? 8: 4;
                continue;
            case 2:
                break;
            default:
                return false;
        }
        if (!s_varint (&p, end, &length) || length > (uint64_t) (end - p))
            return false;
        //  The last occurrence of a field is the one a decoder keeps.
        if (key >> 3 == number)
            equal = length == text_length && !memcmp (p, text, length);
        p += length;
    }
    return equal;
}

/*  ht_enum - protobuf enum values as short lower-case keys  */

#include "ht_enum.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  Length of the prefix shared by every value name: the name of the zero
//  value without its "UNSPECIFIED".
static size_t
s_prefix (const ProtobufCEnumDescriptor *type)
{
    const ProtobufCEnumValue *zero = protobuf_c_enum_descriptor_get_value (type, 0);
    const char *suffix = "UNSPECIFIED";
    if (!zero || strlen (zero->name) < strlen (suffix))
        return 0;
    size_t length = strlen (zero->name) - strlen (suffix);
    return strcmp (zero->name + length, suffix) == 0? length: 0;
}

static void
s_key (const ProtobufCEnumDescriptor *type, const ProtobufCEnumValue *value, char *out, size_t size)
{
    const char *name = value->name + s_prefix (type);
    size_t i = 0;
    for (; name [i] && i + 1 < size; i++)
        out [i] = (char) tolower ((unsigned char) name [i]);
    out [i] = 0;
}

bool
ht_enum_key (const ProtobufCEnumDescriptor *type, int value, char *out, size_t size)
{
    const ProtobufCEnumValue *found = protobuf_c_enum_descriptor_get_value (type, value);
    if (!found || value == 0)
        return false;
    s_key (type, found, out, size);
    return true;
}

bool
ht_enum_value (const ProtobufCEnumDescriptor *type, const char *key, int *value)
{
    char candidate [128];
    for (unsigned i = 0; i < type->n_values; i++) {
        if (type->values [i].value == 0)
            continue;
        s_key (type, &type->values [i], candidate, sizeof candidate);
        if (!strcmp (candidate, key)) {
            *value = type->values [i].value;
            return true;
        }
    }
    return false;
}

void
ht_enum_keys (const ProtobufCEnumDescriptor *type, char *out, size_t size)
{
    size_t used = 0;
    out [0] = 0;
    for (unsigned i = 0; i < type->n_values && used < size; i++) {
        if (type->values [i].value == 0)
            continue;
        char key [128];
        s_key (type, &type->values [i], key, sizeof key);
        used += (size_t) snprintf (out + used, size - used, "%s%s", used? ", ": "", key);
    }
}

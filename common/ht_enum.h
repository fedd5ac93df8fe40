/*  ht_enum - protobuf enum values as short lower-case keys

    Every enum of the protocol names its zero value <PREFIX>UNSPECIFIED; its
    key for a value is the value's name without that prefix, in lower case:
    ORGANIZATION_KIND_RESEARCH_INSTITUTE is "research_institute". Keys are
    what the database stores and what hetaoctl accepts.
*/
#ifndef HT_ENUM_H_INCLUDED
#define HT_ENUM_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

//  Writes the key of `value` into `out`; false when `value` is not one of
//  the enum's values or is its UNSPECIFIED value.
bool ht_enum_key (const ProtobufCEnumDescriptor *type, int value, char *out, size_t size);

//  Finds the value whose key is `key`; false when none.
bool ht_enum_value (const ProtobufCEnumDescriptor *type, const char *key, int *value);

//  Writes the keys of all values but UNSPECIFIED, separated by ", ".
void ht_enum_keys (const ProtobufCEnumDescriptor *type, char *out, size_t size);

#endif

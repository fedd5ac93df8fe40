/*  ht_wire - checks on serialized protobuf that protobuf-c cannot make

    protobuf-c copies a string field into a NUL-terminated C string, so a
    string with an embedded NUL byte is silently cut short, and it does not
    check UTF-8. This walks the wire bytes with the message's descriptor and
    finds such strings, in nested messages too, before anything is decoded.
*/
#ifndef HT_WIRE_H_INCLUDED
#define HT_WIRE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

//  True when every string field in `data` (a serialized `type`) is valid
//  UTF-8 without NUL bytes. Otherwise false, with the field's dotted path
//  (e.g. "organization.name_en") in `field`. Malformed input is left for the
//  decoder to refuse: it returns true.
bool ht_wire_strings_valid (const ProtobufCMessageDescriptor *type, const uint8_t *data, size_t size,
                            char *field, size_t field_size);

//  True when `data` parses as a protobuf message whose length-delimited
//  field `number` (its last occurrence, as a decoder would keep) is exactly
//  `text`. A cheap look at one field without decoding the whole message.
bool ht_wire_field_equals (const uint8_t *data, size_t size, uint32_t number, const char *text);

#endif

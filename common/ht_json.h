/*  ht_json - any protobuf-c message as JSON or as readable text

    Walks the message's descriptor, so every message of every service prints
    without code of its own. Only present fields are printed; a repeated field
    prints as a list, empty or not, in JSON. Enums print as
    their value names, 64-bit integers as JSON numbers, bytes as base64.
*/
#ifndef HT_JSON_H_INCLUDED
#define HT_JSON_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>
#include <protobuf-c/protobuf-c.h>

//  One JSON object, no newline.
void ht_json_write (FILE *out, const ProtobufCMessage *message);

//  "field: value" lines, nested messages indented; times (fields ending in
//  _at_us) also shown in RFC 3339.
void ht_json_write_text (FILE *out, const ProtobufCMessage *message, int indent);

//  Address of the field's value (or of the array, when repeated) in
//  `message`, and in *count how many values are present (0 or 1 unless repeated).
const void *ht_json_field (const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field,
                           size_t *count);

//  One value of `field` (at `value`, as ht_json_field gives it) as JSON, or
//  as text when !json (enums as their value names).
void ht_json_write_value (FILE *out, const ProtobufCFieldDescriptor *field, const void *value, bool json);

//  When `message` is a hetao.v1.Money with a currency we know, writes its
//  amount as decimal text ("370000000.00") into `out` and returns true.
//  JSON output adds it to every Money as "amount", beside the exact
//  minor_units, so scripts and people read the same figure.
bool ht_json_money (const ProtobufCMessage *message, char *out, size_t size);

//  Size in bytes of one value of `type` in a repeated field's array.
size_t ht_json_value_size (ProtobufCType type);

#endif

/*  ht_row - query rows as protobuf messages

    A statement whose columns follow a message's fields in field-number
    order (id, name, ..., updated_at_us) becomes that message with no code
    of its own: strings point into the result, enums come from the keys the
    database stores (common/ht_enum.h), integers and booleans are parsed,
    and SQL NULL leaves a field absent. The result must outlive the message
    (in a handler it does: results live until the reply is sent).
*/
#ifndef HT_ROW_H_INCLUDED
#define HT_ROW_H_INCLUDED

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "ht_arena.h"

//  Row `row` of `result` as a message of `type`, allocated in `arena`:
//  column i fills the i-th field of `type`. `type` may have no repeated or
//  message fields, and at least as many fields as `result` has columns.
ProtobufCMessage *ht_row_message (ht_arena_t *arena, const ProtobufCMessageDescriptor *type,
                                  const PGresult *result, int row);

//  Sets the repeated message field `field` of `message` to the first `rows`
//  rows of `result`, each made by ht_row_message.
void ht_row_messages (ht_arena_t *arena, ProtobufCMessage *message, const char *field,
                      const PGresult *result, int rows);

#endif

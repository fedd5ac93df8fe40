/*  ht_lifecycle - an entity's statuses and the moves allowed between them

    A lifecycle is data: a table of allowed (from, to) moves of one protocol
    enum. Anything not in the table is refused, and so is a move to the
    status the entity already has. The table is unit-tested with the entity's
    rules; handlers ask ht_lifecycle_check.
*/
#ifndef HT_LIFECYCLE_H_INCLUDED
#define HT_LIFECYCLE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "ht_call.h"

//  One allowed move, as values of the status enum.
typedef struct {
    int from, to;
} ht_transition_t;

typedef enum {
    HT_TRANSITION_OK,
    HT_TRANSITION_SAME,             //  already in that status
    HT_TRANSITION_FORBIDDEN         //  not in the table
} ht_transition_result_t;

//  Whether the `count` moves of `table` allow going from `from` to `to`.
ht_transition_result_t ht_lifecycle_move (const ht_transition_t *table, size_t count, int from, int to);

//  True when the move is allowed; otherwise fails the call with
//  FAILED_PRECONDITION naming "status", saying in words of the enum `type`
//  ("a project that is completed cannot become active") why not.
bool ht_lifecycle_check (ht_call_t *call, const ProtobufCEnumDescriptor *type, const char *noun,
                         const ht_transition_t *table, size_t count, int from, int to);

#endif

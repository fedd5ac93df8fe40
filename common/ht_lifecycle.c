/*  ht_lifecycle - an entity's statuses and the moves allowed between them  */

#include "ht_lifecycle.h"
#include "ht_row.h"

#include <string.h>

ht_transition_result_t
ht_lifecycle_move (const ht_transition_t *table, size_t count, int from, int to)
{
    if (from == to)
        return HT_TRANSITION_SAME;
    for (size_t i = 0; i < count; i++)
        if (table [i].from == from && table [i].to == to)
            return HT_TRANSITION_OK;
    return HT_TRANSITION_FORBIDDEN;
}

bool
ht_lifecycle_check (ht_call_t *call, const ProtobufCEnumDescriptor *type, const char *noun,
                    const ht_transition_t *table, size_t count, int from, int to)
{
    switch (ht_lifecycle_move (table, count, from, to)) {
        case HT_TRANSITION_OK:
            return true;
        case HT_TRANSITION_SAME:
            ht_call_fail (call, HT_FAILED_PRECONDITION, "status", "the %s is already %s",
                          noun, ht_row_key (call, type, to));
            return false;
        default:
            ht_call_fail (call, HT_FAILED_PRECONDITION, "status", "%s %s that is %s cannot become %s",
                          strchr ("aeiou", noun [0])? "an": "a", noun,
                          ht_row_key (call, type, from), ht_row_key (call, type, to));
            return false;
    }
}

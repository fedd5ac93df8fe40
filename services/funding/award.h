/*  award - awards made from approved applications, with their tranche schedules  */
#ifndef AWARD_H_INCLUDED
#define AWARD_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t award_queries [];
extern const ht_constraint_t award_constraints [];

//  Loads award `id` with its tranches; when `lock`, takes its ordering lock
//  and row lock first (mutating methods only). NULL when the call failed or
//  it does not exist (then NOT_FOUND naming `field`).
Hetao__V1__Award *award_load (ht_call_t *call, const char *field, const char *id, bool lock);

//  Queues a change of `award`'s in-payment and paid figures by the given
//  deltas and applies them in memory.
void award_move (ht_call_t *call, Hetao__V1__Award *award, int64_t in_payment, int64_t paid);

ht_handler_fn award_make;
ht_handler_fn award_get;
ht_handler_fn award_list;

#endif

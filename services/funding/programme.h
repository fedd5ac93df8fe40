/*  programme - funding programmes: create, get, list, adjust the budget, open and close  */
#ifndef PROGRAMME_H_INCLUDED
#define PROGRAMME_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t programme_queries [];
extern const ht_constraint_t programme_constraints [];

//  Loads programme `id`; when `lock`, takes its ordering lock and its row
//  lock first (mutating methods only). NULL when the call failed or it does
//  not exist (then the call is NOT_FOUND naming `field`).
Hetao__V1__Programme *programme_load (ht_call_t *call, const char *field, const char *id, bool lock);

//  Queues a change of `programme`'s balances by the given deltas (in the
//  call's transaction) and applies them to `programme` in memory.
void programme_move (ht_call_t *call, Hetao__V1__Programme *programme,
                     int64_t budget, int64_t available, int64_t committed, int64_t paid);

//  Queues a change of programme `id`'s balances by the given deltas, for a
//  change that has not loaded the programme (its row lock is taken at commit).
void programme_shift (ht_call_t *call, const char *id,
                      int64_t budget, int64_t available, int64_t committed, int64_t paid);

ht_handler_fn programme_create;
ht_handler_fn programme_get;
ht_handler_fn programme_list;
ht_handler_fn programme_adjust_budget;
ht_handler_fn programme_set_status;

#endif

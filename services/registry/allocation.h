/*  allocation - unit space given to organizations for a period: add, get,
    end early, extend, list
*/
#ifndef ALLOCATION_H_INCLUDED
#define ALLOCATION_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t allocation_queries [];
extern const ht_constraint_t allocation_constraints [];

ht_handler_fn allocation_add;
ht_handler_fn allocation_get;
ht_handler_fn allocation_end;
ht_handler_fn allocation_extend;
ht_handler_fn allocation_list;

#endif

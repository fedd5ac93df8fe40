/*  unit - units of a park: add, get, update, change status, list  */
#ifndef UNIT_H_INCLUDED
#define UNIT_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t unit_queries [];
extern const ht_constraint_t unit_constraints [];

ht_handler_fn unit_add;
ht_handler_fn unit_get;
ht_handler_fn unit_update;
ht_handler_fn unit_set_status;
ht_handler_fn unit_list;

#endif

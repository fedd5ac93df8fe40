/*  researcher - researchers: register, get, update, change status, list  */
#ifndef RESEARCHER_H_INCLUDED
#define RESEARCHER_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t researcher_queries [];
extern const ht_constraint_t researcher_constraints [];

ht_handler_fn researcher_register;
ht_handler_fn researcher_get;
ht_handler_fn researcher_update;
ht_handler_fn researcher_set_status;
ht_handler_fn researcher_list;

#endif

/*  project - research projects: register, get, update, change status, list  */
#ifndef PROJECT_H_INCLUDED
#define PROJECT_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t project_queries [];
extern const ht_constraint_t project_constraints [];

ht_handler_fn project_register;
ht_handler_fn project_get;
ht_handler_fn project_update;
ht_handler_fn project_set_status;
ht_handler_fn project_list;

#endif

/*  facility - large facilities: register, get, update, list  */
#ifndef FACILITY_H_INCLUDED
#define FACILITY_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t facility_queries [];

ht_handler_fn facility_register;
ht_handler_fn facility_get;
ht_handler_fn facility_update;
ht_handler_fn facility_list;

#endif

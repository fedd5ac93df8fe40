/*  instrument - the bookable instruments of a facility: add, get, update,
    retire or reactivate, list  */
#ifndef INSTRUMENT_H_INCLUDED
#define INSTRUMENT_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t instrument_queries [];
extern const ht_constraint_t instrument_constraints [];

ht_handler_fn instrument_add;
ht_handler_fn instrument_get;
ht_handler_fn instrument_update;
ht_handler_fn instrument_set_status;
ht_handler_fn instrument_list;

#endif

/*  park - industrial parks: register, get, update, change status, list, occupancy  */
#ifndef PARK_H_INCLUDED
#define PARK_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t park_queries [];
extern const ht_constraint_t park_constraints [];

ht_handler_fn park_register;
ht_handler_fn park_get;
ht_handler_fn park_update;
ht_handler_fn park_set_status;
ht_handler_fn park_list;
ht_handler_fn park_occupancy;

//  Loads the park `id` with the statement `query` ("park_get", or
//  "park_get_for_update" to lock it); NULL when the
//  call failed or there is no such park (then NOT_FOUND naming `field`).
Hetao__V1__Park *park_load (ht_call_t *call, const char *field, const char *id, const char *query);

//  Checks an area in square metres (space_area_parse) and stores it in
//  hundredths into `centi`; records a violation of `field` when it is absent
//  or not an area. Returns the area with two decimals in the call's arena, or NULL.
const char *park_check_area (ht_call_t *call, const char *field, const char *text, int64_t *centi);

//  Records a violation of `field` unless `text` is a date "YYYY-MM-DD";
//  true when it is.
bool park_check_date (ht_call_t *call, const char *field, const char *text);

#endif

/*  access - researchers' access requests for instrument time, their
    lifecycle, bookings and the hours booked by region  */
#ifndef ACCESS_H_INCLUDED
#define ACCESS_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t access_queries [];
extern const ht_constraint_t access_constraints [];

ht_handler_fn access_create;
ht_handler_fn access_get;
ht_handler_fn access_submit;
ht_handler_fn access_approve;
ht_handler_fn access_reject;
ht_handler_fn access_schedule;
ht_handler_fn access_complete;
ht_handler_fn access_cancel;
ht_handler_fn access_list;
ht_handler_fn access_bookings;
ht_handler_fn access_hours;

#endif

/*  space - industrial parks in operation, space prepared and allocated, per park too  */
#ifndef SPACE_H_INCLUDED
#define SPACE_H_INCLUDED

#include "ht_call.h"
#include "ht_consumer.h"

extern const ht_query_t space_queries [];

//  reporting.SpaceByPark's statements (read side).
extern const ht_query_t space_report_queries [];

//  Applies a registry.park.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn space_park_apply;

//  Applies a registry.allocation.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn space_allocation_apply;

//  reporting.SpaceByPark: every park's space prepared and allocated (ht_route_fn).
ht_handler_fn space_by_park;

#endif

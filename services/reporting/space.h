/*  space - industrial parks in operation, space prepared and allocated  */
#ifndef SPACE_H_INCLUDED
#define SPACE_H_INCLUDED

#include "ht_consumer.h"

extern const ht_query_t space_queries [];

//  Applies a registry.park.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn space_park_apply;

//  Applies a registry.allocation.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn space_allocation_apply;

#endif

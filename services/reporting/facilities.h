/*  facilities - hours booked on the big science facilities, by region  */
#ifndef FACILITIES_H_INCLUDED
#define FACILITIES_H_INCLUDED

#include "ht_consumer.h"

extern const ht_query_t facilities_queries [];

//  Applies a registry.researcher.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn facilities_researcher_apply;

//  Applies a registry.access_request.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn facilities_access_apply;

#endif

/*  funding - programme budgets, awards committed, disbursements paid  */
#ifndef FUNDING_H_INCLUDED
#define FUNDING_H_INCLUDED

#include "ht_consumer.h"

extern const ht_query_t funding_queries [];

//  Applies an event of the funding stream (ht_consumer_apply_fn).
ht_consumer_apply_fn funding_apply;

#endif

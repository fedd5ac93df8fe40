/*  overview - reporting.Overview: the park in a handful of figures  */
#ifndef OVERVIEW_H_INCLUDED
#define OVERVIEW_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"

extern const ht_query_t overview_queries [];

ht_handler_fn overview_get;

#endif

/*  stats - figures of assistance cases per category and period  */
#ifndef STATS_H_INCLUDED
#define STATS_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/customs.pb-c.h"

extern const ht_query_t stats_queries [];

ht_handler_fn stats_cases;

#endif

/*  funding - programme budgets, awards committed, disbursements paid  */
#ifndef FUNDING_H_INCLUDED
#define FUNDING_H_INCLUDED

#include "ht_call.h"
#include "ht_consumer.h"

extern const ht_query_t funding_queries [];

//  Applies an event of the funding stream (ht_consumer_apply_fn).
ht_consumer_apply_fn funding_apply;

//  reporting.FundingByProgramme (its statements: funding_report_queries).
extern const ht_query_t funding_report_queries [];
ht_handler_fn funding_by_programme;

#endif

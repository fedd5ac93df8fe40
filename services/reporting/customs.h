/*  customs - assistance cases, the white list and declarations, as the
    figures count them; and reporting.CustomsByCategory  */
#ifndef CUSTOMS_H_INCLUDED
#define CUSTOMS_H_INCLUDED

#include "ht_call.h"
#include "ht_consumer.h"

//  The apply side's statements (the customs consumer's).
extern const ht_query_t customs_queries [];

//  The report's statements (every worker's).
extern const ht_query_t customs_report_queries [];

//  Applies an event of the customs stream (ht_consumer_apply_fn).
ht_consumer_apply_fn customs_apply;

//  reporting.CustomsByCategory: per category, the cases opened in the
//  window, resolved, open, median time to resolution and breaches.
ht_handler_fn customs_by_category;

#endif

/*  review - reviews of applications: a score of 1 to 10 and a comment, free of conflicts of interest  */
#ifndef REVIEW_H_INCLUDED
#define REVIEW_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t review_queries [];
extern const ht_constraint_t review_constraints [];

ht_handler_fn review_record;
ht_handler_fn review_list;

#endif

/*  disbursement - payments against an award: request, approve, pay or fail  */
#ifndef DISBURSEMENT_H_INCLUDED
#define DISBURSEMENT_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t disbursement_queries [];
extern const ht_constraint_t disbursement_constraints [];

ht_handler_fn disbursement_request;
ht_handler_fn disbursement_approve;
ht_handler_fn disbursement_pay;
ht_handler_fn disbursement_fail;
ht_handler_fn disbursement_get;
ht_handler_fn disbursement_list;

#endif

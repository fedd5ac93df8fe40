/*  funding_call - calls for applications: rounds within a programme with open and close times  */
#ifndef FUNDING_CALL_H_INCLUDED
#define FUNDING_CALL_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t funding_call_queries [];
extern const ht_constraint_t funding_call_constraints [];

//  Loads call `id`; NULL when the call failed or it does not exist (then
//  NOT_FOUND naming `field`).
Hetao__V1__FundingCall *funding_call_load (ht_call_t *call, const char *field, const char *id);

ht_handler_fn funding_call_open;
ht_handler_fn funding_call_get;
ht_handler_fn funding_call_close;
ht_handler_fn funding_call_list;

#endif

/*  org - organizations: register, get, update, change status, list  */
#ifndef ORG_H_INCLUDED
#define ORG_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/registry.pb-c.h"

extern const ht_query_t org_queries [];
extern const ht_constraint_t org_constraints [];

ht_handler_fn org_register;
ht_handler_fn org_get;
ht_handler_fn org_update;
ht_handler_fn org_set_status;
ht_handler_fn org_list;

//  True when the organization `id` is registered and not withdrawn, and
//  keeps it so (FOR SHARE) until the call's transaction ends: a record that
//  names it cannot slip past a concurrent withdrawal. Otherwise fails the
//  call with NOT_FOUND or FAILED_PRECONDITION naming `field`.
bool org_check_reference (ht_call_t *call, const char *field, const char *id);

#endif

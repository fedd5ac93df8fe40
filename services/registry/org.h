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

//  Reads the organizations `ids` (UUIDs, `count` of them) so that none can be
//  withdrawn before the calling change commits, and fails the call unless
//  each is registered (NOT_FOUND) and not withdrawn (FAILED_PRECONDITION),
//  naming `fields [i]` for `ids [i]`. Mutating methods only. Returns false
//  when the call has failed.
bool org_refer (ht_call_t *call, size_t count, const char *const *ids, const char *const *fields);

#endif

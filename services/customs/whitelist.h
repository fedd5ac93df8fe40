/*  whitelist - research institutions whose goods clear on the fast track  */
#ifndef WHITELIST_H_INCLUDED
#define WHITELIST_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/customs.pb-c.h"

extern const ht_query_t whitelist_queries [];
extern const ht_constraint_t whitelist_constraints [];

ht_handler_fn whitelist_add;
ht_handler_fn whitelist_revoke;
ht_handler_fn whitelist_check;

//  The goods categories `organization_id` is white-listed for on `date`
//  (YYYY-MM-DD, or NULL for today in Asia/Shanghai), as bits 1 << category;
//  0 when it is not listed. When `why` is given and the answer is 0 or does
//  not cover `category` (when non-zero), *why says why, for a person.
//  Returns false when the call failed.
bool whitelist_listed (ht_call_t *call, const char *organization_id, const char *date,
                       int category, unsigned *categories, const char **why);

#endif

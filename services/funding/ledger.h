/*  ledger - the double-entry journal under every movement of money, and its check  */
#ifndef LEDGER_H_INCLUDED
#define LEDGER_H_INCLUDED

#include <stdint.h>

#include "ht_call.h"
#include "ht_db.h"

//  Accounts of a programme's journal. `source` is the agency's
//  appropriation: it goes negative by the budget.
#define LEDGER_SOURCE     "source"
#define LEDGER_AVAILABLE  "available"
#define LEDGER_COMMITTED  "committed"
#define LEDGER_IN_PAYMENT "in_payment"
#define LEDGER_PAID       "paid"

extern const ht_query_t ledger_queries [];

//  Queues, in the call's transaction, one balanced journal entry of `kind`
//  moving `amount` (> 0) from account `from` to account `to` of
//  `programme_id`, caused by `reference_id` and, when not NULL, about
//  `award_id`. Mutating methods only.
void ledger_post (ht_call_t *call, const char *programme_id, const char *kind,
                  const char *reference_id, const char *award_id,
                  const char *from, const char *to, int64_t amount);

ht_handler_fn ledger_check;

#endif

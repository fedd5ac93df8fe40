/*  case - assistance cases: open, follow, move through their lifecycle,
    reassign, notes, and the timer that records deadline breaches
*/
#ifndef CASE_H_INCLUDED
#define CASE_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/customs.pb-c.h"

extern const ht_query_t case_queries [];
extern const ht_constraint_t case_constraints [];

ht_handler_fn case_open;
ht_handler_fn case_get;
ht_handler_fn case_list;
ht_handler_fn case_change_status;
ht_handler_fn case_reassign;
ht_handler_fn case_note_add;
ht_handler_fn case_notes_list;

//  The job that records deadlines that passed unmet (ht_job.h).
ht_handler_fn case_breach_deadlines;

#endif

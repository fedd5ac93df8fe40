/*  routing - "precise assistance": officers, and the rules that send each
    case to a team and an officer
*/
#ifndef ROUTING_H_INCLUDED
#define ROUTING_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/customs.pb-c.h"

extern const ht_query_t routing_queries [];
extern const ht_constraint_t routing_constraints [];

ht_handler_fn routing_set_officer;
ht_handler_fn routing_set_rule;
ht_handler_fn routing_list;

//  Finds the team and active officer for a new case of `category` and
//  `priority`: the rule of that priority if there is one with an active
//  officer, else the category's rule. False (the call failed with
//  FAILED_PRECONDITION on `category`) when no rule has an active officer.
bool routing_assign (ht_call_t *call, const char *category, const char *priority,
                     const char **team, const char **officer);

//  Loads active officer `id`; false (the call failed naming `field`) when
//  there is none or it is inactive. Sets *team to the officer's team.
bool routing_officer_active (ht_call_t *call, const char *field, const char *id, const char **team);

#endif

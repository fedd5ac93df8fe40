/*  declaration - research-goods declarations: lines, lifecycle, lanes,
    re-routing, lane rules and the monthly centralised declaration
*/
#ifndef DECLARATION_H_INCLUDED
#define DECLARATION_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/customs.pb-c.h"

extern const ht_query_t declaration_queries [];
extern const ht_constraint_t declaration_constraints [];

ht_handler_fn declaration_create;
ht_handler_fn declaration_get;
ht_handler_fn declaration_change_status;
ht_handler_fn declaration_reroute;
ht_handler_fn declaration_set_lane_rule;
ht_handler_fn declaration_group;

#endif

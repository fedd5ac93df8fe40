/*  application - applications to a call: create, submit, withdraw, approve, reject, get, list  */
#ifndef APPLICATION_H_INCLUDED
#define APPLICATION_H_INCLUDED

#include <stdbool.h>

#include "ht_call.h"
#include "ht_db.h"
#include "funding_rules.h"
#include "hetao/v1/funding.pb-c.h"

extern const ht_query_t application_queries [];
extern const ht_constraint_t application_constraints [];

//  Loads application `id` with its budget lines; when `lock`, takes its
//  ordering lock and row lock first (mutating methods only). NULL when the
//  call failed or it does not exist (then NOT_FOUND naming `field`).
Hetao__V1__Application *application_load (ht_call_t *call, const char *field, const char *id, bool lock);

//  Moves a loaded and locked `application` along `action` (queued in the
//  call's transaction) and emits the event of its new status; refuses with
//  FAILED_PRECONDITION naming `field` a move its status does not allow.
bool application_move (ht_call_t *call, const char *field, Hetao__V1__Application *application,
                       application_action_t action, const char *reason);

ht_handler_fn application_create;
ht_handler_fn application_get;
ht_handler_fn application_list;
ht_handler_fn application_submit;
ht_handler_fn application_withdraw;
ht_handler_fn application_approve;
ht_handler_fn application_reject;

#endif

/*  ht_job - work a service does on its own, with the guarantees of a request

    A job is a handler the runtime runs by itself, every --job-interval-ms,
    as an internal mutating call: same transaction, same outbox, same audit
    trail as a request, with the system principal "(system)". A run that
    emitted no event is rolled back and leaves no trace (every change emits
    one); a run that did is committed and run again at once, until it finds
    nothing more, so a backlog is worked off in batches of at most 16 events.

    Every replica runs every job: a job claims its rows with
    SELECT ... FOR UPDATE SKIP LOCKED so two replicas never do the same work,
    and keeps its state in the database, so a restart loses nothing.
*/
#ifndef HT_JOB_H_INCLUDED
#define HT_JOB_H_INCLUDED

#include "ht_call.h"

typedef struct {
    const char *name;           //  "customs.BreachDeadlines": the audit trail's method
    ht_handler_fn *run;         //  called with request NULL; use ht_call_* as in a handler
} ht_job_t;

//  True when the call is a job run, not a client's request.
bool ht_call_is_job (ht_call_t *call);

#endif

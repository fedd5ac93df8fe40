/*  ht_job - the thread that runs a service's jobs

    One thread per process with its own database connection (a worker that
    takes no requests). Every --job-interval-ms it runs each job of the
    service through the request machinery (ht__call_job) until the job finds
    nothing more to do. Jobs coordinate across replicas in the database
    (FOR UPDATE SKIP LOCKED), never here.
*/

#include "ht_internal.h"
#include "ht_log.h"

#include <assert.h>
#include <stdlib.h>

#define S_MAX_RUNS 100              //  runs of one job per wake-up, so a stop is never delayed long

struct _ht_jobs_t {
    ht_worker_t worker;
    zactor_t *actor;
};

static void
s_jobs_actor (zsock_t *pipe, void *args)
{
    ht_jobs_t *self = args;
    ht_worker_t *worker = &self->worker;
    ht__worker_open (worker, "jobs");
    const ht_service_t *service = worker->shared->service;
    zpoller_t *poller = zpoller_new (pipe, NULL);
    zsock_signal (pipe, 0);
    while (true) {
        for (const ht_job_t *job = service->jobs; job->name; job++)
            for (int run = 0; run < S_MAX_RUNS && ht_db_ready (worker->db); run++)
                if (!ht__call_job (worker, job))
                    break;
        if (zpoller_wait (poller, worker->shared->settings->job_interval_ms) == pipe)
            break;                  //  $TERM
        if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    ht__worker_close (worker);
}

ht_jobs_t *
ht__jobs_new (const ht_shared_t *shared)
{
    if (!shared->service->jobs || !shared->service->jobs->name)
        return NULL;
    ht_jobs_t *self = calloc (1, sizeof *self);
    assert (self);
    self->worker.shared = shared;
    self->actor = zactor_new (s_jobs_actor, self);
    return self;
}

void
ht__jobs_destroy (ht_jobs_t **self_p)
{
    ht_jobs_t *self = *self_p;
    if (!self)
        return;
    zactor_destroy (&self->actor);
    free (self);
    *self_p = NULL;
}

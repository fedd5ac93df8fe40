/*  ht_fiber - cooperative fibers that share one thread and wait in one poll

    The request server runs every request on a fiber: a plain synchronous
    function with a stack of its own, all of them on the thread that owns
    the request socket. When a fiber would block (a database result, a
    reply from another service, a pause) it calls ht_fiber_poll, which
    hands the thread back to the loop; the loop's single poll covers the
    request socket and what every fiber waits for, and resumes a fiber
    when its wait is over. So a request crosses no thread between the
    socket and the database, and handlers stay plain functions: the waits
    are inside ht_db and ht_client.

    Outside a fiber (the relay, the consumers, the jobs, command-line
    tools) ht_fiber_poll is zmq_poll: the same code blocks as before.

    One thread only: a fiber set, its fibers and what they poll belong to
    the thread that made the set.
*/
#ifndef HT_FIBER_H_INCLUDED
#define HT_FIBER_H_INCLUDED

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

typedef struct _ht_fibers_t ht_fibers_t;
typedef struct _ht_fiber_t ht_fiber_t;

//  A set of fibers run by the calling thread. Caller owns the result.
ht_fibers_t *ht_fibers_new (void);

//  Destroys the set. Every fiber must have returned (ht_fibers_live is 0).
void ht_fibers_destroy (ht_fibers_t **self_p);

//  Starts `body (arg)` on a new fiber; it runs at the next ht_fibers_run.
//  The fiber ends when `body` returns.
ht_fiber_t *ht_fiber_start (ht_fibers_t *self, void (*body) (void *arg), void *arg);

//  Fibers started and not yet returned.
int ht_fibers_live (ht_fibers_t *self);

//  Runs every runnable fiber until each has ended or waits again.
void ht_fibers_run (ht_fibers_t *self);

//  The loop's wait: polls `items` (the loop's own sockets) together with
//  everything the fibers wait for, for up to `timeout_ms` (-1: no limit;
//  0 when a fiber is runnable), then runs the fibers whose wait is over.
//  Returns what zmq_poll returns for `items`.
int ht_fibers_poll (ht_fibers_t *self, zmq_pollitem_t *items, int count, long timeout_ms);

//  zmq_poll for the calling code: inside a fiber, hands the thread to the
//  loop until an item is ready or `timeout_ms` passed (-1: no limit);
//  elsewhere, zmq_poll itself.
int ht_fiber_poll (zmq_pollitem_t *items, int count, long timeout_ms);

//  zmq_poll's semantics with fewer system calls: each socket is asked for
//  its events before the wait (skipped when one is ready) and after it only
//  when its descriptor fired. `fds` has room for `count` entries. Returns
//  the items ready, or -1 (errno EINTR: a signal).
int ht_poll (zmq_pollitem_t *items, struct pollfd *fds, int count, long timeout_ms);

//  Pauses the caller for `ms` milliseconds (inside a fiber, without
//  holding up the others).
void ht_fiber_sleep (long ms);

//  Inside a fiber: waits without limit until ht_fiber_wake.
void ht_fiber_park (void);

//  Makes a parked fiber runnable. Does nothing to one that is not parked.
void ht_fiber_wake (ht_fiber_t *fiber);

//  True when the caller runs on a fiber.
bool ht_fiber_inside (void);

#endif

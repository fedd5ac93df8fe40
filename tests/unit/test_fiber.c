/*  test_fiber - fibers that share one thread and wait in one poll

    Pipes stand in for database connections: a fiber that polls a pipe
    must stay suspended until the loop's poll finds the pipe readable, and
    its locals must survive while other fibers run. No test measures time:
    a deadline is checked only for having passed, never for its length.
*/

#include "ht_test.h"
#include "ht_fiber.h"
#include "ht_text.h"

#include <stdint.h>
#include <unistd.h>

#define S_FIBERS 16

typedef struct {
    int index;
    int fd;
    int rounds;
    int done;
    int *trace;
    int *traced;
    uint64_t sum;
} s_reader_t;

static void
s_reader (void *args)
{
    s_reader_t *self = args;
    //  A local on the fiber's own stack: must survive every switch.
    uint64_t local = 1000 * (uint64_t) self->index;
    for (int round = 0; round < self->rounds; round++) {
        zmq_pollitem_t item = { NULL, self->fd, ZMQ_POLLIN, 0 };
        ASSERT_TRUE (ht_fiber_inside ());
        int ready = ht_fiber_poll (&item, 1, -1);
        ASSERT_INT_EQ (ready, 1);
        ASSERT_TRUE (item.revents & ZMQ_POLLIN);
        unsigned char byte;
        ASSERT_INT_EQ (read (self->fd, &byte, 1), 1);
        local += byte;
        self->trace [(*self->traced)++] = self->index;
        self->done++;
    }
    self->sum = local;
}

//  Fibers wait on their own pipes; each resumes only when its pipe has a
//  byte, in the order the bytes are written, with its locals intact.
static void
test_poll_resumes_only_the_ready ()
{
    ht_fibers_t *fibers = ht_fibers_new ();
    int pipes [S_FIBERS][2];
    s_reader_t readers [S_FIBERS];
    int trace [S_FIBERS * 2], traced = 0;
    for (int i = 0; i < S_FIBERS; i++) {
        ASSERT_INT_EQ (pipe (pipes [i]), 0);
        readers [i] = (s_reader_t) { i, pipes [i][0], 2, 0, trace, &traced, 0 };
        ht_fiber_start (fibers, s_reader, &readers [i]);
    }
    ASSERT_INT_EQ (ht_fibers_live (fibers), S_FIBERS);
    ht_fibers_run (fibers);
    ASSERT_INT_EQ (traced, 0);          //  every one waits: nothing written yet
    ASSERT_FALSE (ht_fiber_inside ());

    //  Wake them in reverse order, one byte at a time.
    for (int round = 0; round < 2; round++)
        for (int i = S_FIBERS - 1; i >= 0; i--) {
            unsigned char byte = (unsigned char) (i + round);
            ASSERT_INT_EQ (write (pipes [i][1], &byte, 1), 1);
            ht_fibers_poll (fibers, NULL, 0, -1);
            ASSERT_INT_EQ (traced, round * S_FIBERS + (S_FIBERS - i));
            ASSERT_INT_EQ (trace [traced - 1], i);
        }
    ASSERT_INT_EQ (ht_fibers_live (fibers), 0);
    for (int i = 0; i < S_FIBERS; i++) {
        ASSERT_INT_EQ (readers [i].done, 2);
        ASSERT_INT_EQ (readers [i].sum, 1000 * (uint64_t) i + (uint64_t) i + (uint64_t) (i + 1));
        close (pipes [i][0]);
        close (pipes [i][1]);
    }
    ht_fibers_destroy (&fibers);
}

//  The loop's own items are polled with the fibers' and reported to it.
static void
test_loop_items_with_fibers ()
{
    ht_fibers_t *fibers = ht_fibers_new ();
    int mine [2], theirs [2];
    ASSERT_INT_EQ (pipe (mine), 0);
    ASSERT_INT_EQ (pipe (theirs), 0);
    int trace [2], traced = 0;
    s_reader_t reader = { 7, theirs [0], 1, 0, trace, &traced, 0 };
    ht_fiber_start (fibers, s_reader, &reader);
    ht_fibers_run (fibers);

    zmq_pollitem_t item = { NULL, mine [0], ZMQ_POLLIN, 0 };
    ASSERT_INT_EQ (write (mine [1], "x", 1), 1);
    ASSERT_INT_EQ (ht_fibers_poll (fibers, &item, 1, -1), 1);
    ASSERT_TRUE (item.revents & ZMQ_POLLIN);
    ASSERT_INT_EQ (traced, 0);          //  the fiber's pipe is still empty

    ASSERT_INT_EQ (write (theirs [1], "y", 1), 1);
    char byte;
    ASSERT_INT_EQ (read (mine [0], &byte, 1), 1);
    ASSERT_INT_EQ (ht_fibers_poll (fibers, &item, 1, -1), 0);
    ASSERT_INT_EQ (item.revents, 0);
    ASSERT_INT_EQ (traced, 1);
    ASSERT_INT_EQ (ht_fibers_live (fibers), 0);
    for (int i = 0; i < 2; i++) {
        close (mine [i]);
        close (theirs [i]);
    }
    ht_fibers_destroy (&fibers);
}

typedef struct {
    ht_fiber_t *fiber;
    int stage;
    int timeouts;
} s_sleeper_t;

static void
s_sleeper (void *args)
{
    s_sleeper_t *self = args;
    self->stage = 1;
    ht_fiber_park ();
    self->stage = 2;
    //  Nothing to poll: only the deadline ends the wait, with 0 ready.
    int pipes [2];
    ASSERT_INT_EQ (pipe (pipes), 0);
    zmq_pollitem_t item = { NULL, pipes [0], ZMQ_POLLIN, 0 };
    int64_t before = ht_mono_us ();
    self->timeouts += ht_fiber_poll (&item, 1, 5) == 0;
    ASSERT_TRUE (ht_mono_us () - before >= 5000);
    close (pipes [0]);
    close (pipes [1]);
    ht_fiber_sleep (1);
    self->stage = 3;
}

//  A parked fiber runs again only when woken; a poll with nothing ready
//  returns 0 once its deadline passed.
static void
test_park_wake_and_deadline ()
{
    ht_fibers_t *fibers = ht_fibers_new ();
    s_sleeper_t sleeper = { NULL, 0, 0 };
    sleeper.fiber = ht_fiber_start (fibers, s_sleeper, &sleeper);
    ht_fibers_run (fibers);
    ASSERT_INT_EQ (sleeper.stage, 1);
    ht_fibers_poll (fibers, NULL, 0, 0);
    ASSERT_INT_EQ (sleeper.stage, 1);   //  parked: polling does not wake it
    ht_fiber_wake (sleeper.fiber);
    ht_fibers_run (fibers);
    ASSERT_INT_EQ (sleeper.stage, 2);
    while (ht_fibers_live (fibers) > 0)
        ht_fibers_poll (fibers, NULL, 0, -1);
    ASSERT_INT_EQ (sleeper.stage, 3);
    ASSERT_INT_EQ (sleeper.timeouts, 1);
    ht_fibers_destroy (&fibers);
}

//  Outside a fiber, ht_fiber_poll is zmq_poll.
static void
test_poll_outside_a_fiber ()
{
    int pipes [2];
    ASSERT_INT_EQ (pipe (pipes), 0);
    zmq_pollitem_t item = { NULL, pipes [0], ZMQ_POLLIN, 0 };
    ASSERT_INT_EQ (ht_fiber_poll (&item, 1, 0), 0);
    ASSERT_INT_EQ (write (pipes [1], "z", 1), 1);
    ASSERT_INT_EQ (ht_fiber_poll (&item, 1, -1), 1);
    ASSERT_TRUE (item.revents & ZMQ_POLLIN);
    close (pipes [0]);
    close (pipes [1]);
}

static int
s_depth (int n)
{
    //  Frames with a buffer each, so the stack is really used.
    volatile char frame [1024];
    frame [0] = (char) n;
    return n == 0? frame [0]: s_depth (n - 1) + (frame [0] != 0);
}

static void
s_deep (void *args)
{
    int *result = args;
    *result = s_depth (200);            //  200 KiB of the fiber's stack
    ht_fiber_sleep (0);
    *result += 1;
}

//  A fiber may use a few hundred KiB of stack, and keeps it across a wait.
static void
test_deep_stack ()
{
    ht_fibers_t *fibers = ht_fibers_new ();
    int result = -1;
    ht_fiber_start (fibers, s_deep, &result);
    while (ht_fibers_live (fibers) > 0)
        ht_fibers_poll (fibers, NULL, 0, -1);
    ASSERT_INT_EQ (result, 201);
    ht_fibers_destroy (&fibers);
}

int
main (void)
{
    HT_TEST_RUN (test_poll_resumes_only_the_ready);
    HT_TEST_RUN (test_loop_items_with_fibers);
    HT_TEST_RUN (test_park_wake_and_deadline);
    HT_TEST_RUN (test_poll_outside_a_fiber);
    HT_TEST_RUN (test_deep_stack);
    return 0;
}

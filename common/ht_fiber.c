/*  ht_fiber - cooperative fibers that share one thread and wait in one poll

    Each fiber has a stack of its own (mapped, with a guard page below it,
    so an overflow faults instead of corrupting a neighbour) and switches
    with the loop. On x86-64 the switch saves the registers the ABI keeps
    across calls and swaps stack pointers (ht__fiber_switch below): glibc's
    swapcontext also saves the signal mask, a system call each way, which
    cost a tenth of the loop's time. Elsewhere it is swapcontext.

    A fiber is in one of four states: runnable (the loop resumes it at its
    next run), polling (it waits for its items or a deadline), parked (it
    waits for ht_fiber_wake) or done.

    AddressSanitizer and valgrind must know when the stack changes: the
    switch is annotated for the first (__sanitizer_*_switch_fiber) and each
    stack registered with the second, when their headers are present.
*/

#include "ht_fiber.h"
#include "ht_text.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined (__x86_64__)
#   define S_OWN_SWITCH 1
//  Pushes the callee-saved registers and the x87 and SSE control words on
//  the current stack, stores the stack pointer in *from, then loads `to`
//  and pops the same from there. A new fiber's stack is laid out so that
//  the first switch to it "returns" into s_trampoline.
void ht__fiber_switch (void **from, void *to);
__asm__ (
    ".text\n"
    ".globl ht__fiber_switch\n"
    ".hidden ht__fiber_switch\n"
    ".type ht__fiber_switch, @function\n"
    "ht__fiber_switch:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $8, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    fnstcw 4(%rsp)\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    ldmxcsr (%rsp)\n"
    "    fldcw 4(%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".size ht__fiber_switch, .-ht__fiber_switch\n"
);
#endif
#include <unistd.h>

#if defined (__has_feature)
#   if __has_feature (address_sanitizer)
#       define S_ASAN 1
#   endif
#endif
#if defined (__SANITIZE_ADDRESS__)
#   define S_ASAN 1
#endif
#if defined (S_ASAN)
#   include <sanitizer/common_interface_defs.h>
#   define S_STACK_BYTES (2 << 20)      //  sanitized frames are several times larger
#else
#   define S_STACK_BYTES (512 << 10)    //  reserved, not resident: only pages touched count
#endif
#if defined (__has_include)
#   if __has_include (<valgrind/valgrind.h>)
#       include <valgrind/valgrind.h>
#       define S_VALGRIND 1
#   endif
#endif

typedef enum { S_RUNNABLE, S_POLLING, S_PARKED, S_DONE } s_state_t;

struct _ht_fiber_t {
    ht_fibers_t *set;
    ht_fiber_t *next;               //  in the set's list
    ucontext_t context;             //  without S_OWN_SWITCH
    void *sp;                       //  with it: the stack pointer while switched out
    void *mapping;                  //  guard page, then the stack
    size_t mapping_size;
    void (*body) (void *arg);
    void *arg;
    s_state_t state;
    zmq_pollitem_t *items;          //  what it polls for (its own memory)
    int count;
    int64_t until_us;               //  monotonic; -1: no deadline
    int result;                     //  ht_fiber_poll's return value
    void *fake_stack;               //  AddressSanitizer's, while switched out
    unsigned stack_id;              //  valgrind's
};

struct _ht_fibers_t {
    ucontext_t loop;                //  the thread's own context while a fiber runs
    void *loop_sp;                  //  with S_OWN_SWITCH
    ht_fiber_t *fibers;
    int live;
    zmq_pollitem_t *poll;           //  the loop's items, then every polling fiber's
    struct pollfd *fds;             //  the system's poll set, one per item
    int poll_capacity;
    const void *loop_stack;         //  for AddressSanitizer: the thread's own stack
    size_t loop_stack_size;
};

static __thread ht_fiber_t *s_current;

ht_fibers_t *
ht_fibers_new (void)
{
    ht_fibers_t *self = calloc (1, sizeof *self);
    assert (self);
    return self;
}

void
ht_fibers_destroy (ht_fibers_t **self_p)
{
    assert (self_p);
    ht_fibers_t *self = *self_p;
    if (self) {
        assert (self->live == 0);
        free (self->poll);
        free (self->fds);
        free (self);
        *self_p = NULL;
    }
}

int
ht_fibers_live (ht_fibers_t *self)
{
    return self->live;
}

bool
ht_fiber_inside (void)
{
    return s_current != NULL;
}

//  The switches, annotated for AddressSanitizer: `fake` keeps the fake
//  stack of the side being left (NULL when it is gone for good).
//  A side of a switch: the loop or a fiber.
typedef struct {
    ucontext_t *context;
    void **sp;
} s_side_t;

static void
s_switch (s_side_t from, s_side_t to, void **fake, const void *to_bottom, size_t to_size)
{
#if defined (S_ASAN)
    __sanitizer_start_switch_fiber (fake, to_bottom, to_size);
#else
    (void) fake, (void) to_bottom, (void) to_size;
#endif
#if defined (S_OWN_SWITCH)
    (void) from.context, (void) to.context;
    ht__fiber_switch (from.sp, *to.sp);
#else
    (void) from.sp, (void) to.sp;
    int rc = swapcontext (from.context, to.context);
    assert (rc == 0);
    (void) rc;
#endif
}

static s_side_t
s_loop_side (ht_fibers_t *set)
{
    return (s_side_t) { &set->loop, &set->loop_sp };
}

static s_side_t
s_fiber_side (ht_fiber_t *fiber)
{
    return (s_side_t) { &fiber->context, &fiber->sp };
}

static void
s_switched (void *fake, const void **from_bottom, size_t *from_size)
{
#if defined (S_ASAN)
    __sanitizer_finish_switch_fiber (fake, from_bottom, from_size);
#else
    (void) fake, (void) from_bottom, (void) from_size;
#endif
}

static const void *
s_stack_bottom (ht_fiber_t *fiber)
{
    return (const char *) fiber->mapping + getpagesize ();
}

static void
s_trampoline (void)
{
    ht_fiber_t *self = s_current;
    s_switched (NULL, &self->set->loop_stack, &self->set->loop_stack_size);
    self->body (self->arg);
    self->state = S_DONE;
    //  Never resumed: the loop frees the stack once it has left it.
    s_switch (s_fiber_side (self), s_loop_side (self->set), NULL, self->set->loop_stack,
              self->set->loop_stack_size);
    abort ();
}

ht_fiber_t *
ht_fiber_start (ht_fibers_t *self, void (*body) (void *arg), void *arg)
{
    ht_fiber_t *fiber = calloc (1, sizeof *fiber);
    assert (fiber);
    size_t page = (size_t) getpagesize ();
    fiber->mapping_size = S_STACK_BYTES + page;
    fiber->mapping = mmap (NULL, fiber->mapping_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    assert (fiber->mapping != MAP_FAILED);
    //  The guard page: the stack grows down into it and faults.
    int rc = mprotect (fiber->mapping, page, PROT_NONE);
    assert (rc == 0);
    (void) rc;
#if defined (S_VALGRIND)
    fiber->stack_id = VALGRIND_STACK_REGISTER ((char *) fiber->mapping + page,
                                               (char *) fiber->mapping + fiber->mapping_size);
#endif
#if defined (S_OWN_SWITCH)
    //  What ht__fiber_switch pops, from the top of the stack down: a slot
    //  that keeps s_trampoline's frame aligned as if it had been called,
    //  its "return" address, six registers, the control words (SSE and
    //  x87 defaults).
    uint64_t *top = (uint64_t *) ((uintptr_t) ((char *) fiber->mapping + fiber->mapping_size) & ~(uintptr_t) 15);
    top [-1] = 0;
    top [-2] = (uint64_t) (uintptr_t) s_trampoline;
    for (int i = 3; i <= 8; i++)
        top [-i] = 0;
    top [-9] = (uint64_t) 0x1F80 | ((uint64_t) 0x037F << 32);
    fiber->sp = top - 9;
#else
    rc = getcontext (&fiber->context);
    assert (rc == 0);
    fiber->context.uc_stack.ss_sp = (char *) fiber->mapping + page;
    fiber->context.uc_stack.ss_size = S_STACK_BYTES;
    fiber->context.uc_link = NULL;
    makecontext (&fiber->context, s_trampoline, 0);
#endif
    fiber->set = self;
    fiber->body = body;
    fiber->arg = arg;
    fiber->state = S_RUNNABLE;
    fiber->next = self->fibers;
    self->fibers = fiber;
    self->live++;
    return fiber;
}

static void
s_fiber_free (ht_fiber_t *fiber)
{
    ht_fibers_t *set = fiber->set;
    ht_fiber_t **link = &set->fibers;
    while (*link != fiber)
        link = &(*link)->next;
    *link = fiber->next;
    set->live--;
#if defined (S_VALGRIND)
    VALGRIND_STACK_DEREGISTER (fiber->stack_id);
#endif
    munmap (fiber->mapping, fiber->mapping_size);
    free (fiber);
}

//  Runs `fiber` until it waits again or ends. On the loop's side.
static void
s_resume (ht_fiber_t *fiber)
{
    void *fake = NULL;
    s_current = fiber;
    s_switch (s_loop_side (fiber->set), s_fiber_side (fiber), &fake, s_stack_bottom (fiber), S_STACK_BYTES);
    s_switched (fake, NULL, NULL);
    s_current = NULL;
    if (fiber->state == S_DONE)
        s_fiber_free (fiber);
}

//  Hands the thread back to the loop. On the fiber's side.
static void
s_yield (ht_fiber_t *self)
{
    ht_fibers_t *set = self->set;
    s_switch (s_fiber_side (self), s_loop_side (set), &self->fake_stack, set->loop_stack, set->loop_stack_size);
    s_switched (self->fake_stack, &set->loop_stack, &set->loop_stack_size);
}

void
ht_fibers_run (ht_fibers_t *self)
{
    assert (!s_current);
    bool resumed = true;
    while (resumed) {
        resumed = false;
        ht_fiber_t *fiber = self->fibers;
        while (fiber) {
            ht_fiber_t *next = fiber->next;     //  `fiber` may end and be freed
            if (fiber->state == S_RUNNABLE) {
                s_resume (fiber);
                resumed = true;
            }
            fiber = next;
        }
    }
}

//  What a ZeroMQ socket item is ready for now, of what it asks; -1 on error.
static int
s_socket_ready (zmq_pollitem_t *item)
{
    int events;
    size_t size = sizeof events;
    if (zmq_getsockopt (item->socket, ZMQ_EVENTS, &events, &size) < 0)
        return -1;
    return events & item->events & (ZMQ_POLLIN | ZMQ_POLLOUT);
}

//  zmq_poll first polls every descriptor without waiting, asks each socket
//  for its events (ZMQ_EVENTS: libzmq's fork check and a poll of its
//  mailbox), then waits and asks every socket again. Here each socket is
//  asked once before the wait, which is skipped when one is ready, and
//  after it only when its descriptor fired. The service's loop wakes mostly
//  for database replies, and each of its wake-ups used to cost four polls
//  and two getpids; now one poll, and a getpid and a poll for each socket.
//  The semantics are zmq_poll's: a socket's descriptor (ZMQ_FD) signals
//  only that its state may have changed, so a socket is ready exactly when
//  ZMQ_EVENTS says so, looked up before any wait and after its descriptor
//  fired.
int
ht_poll (zmq_pollitem_t *items, struct pollfd *fds, int count, long timeout_ms)
{
    bool any = false;
    for (int i = 0; i < count; i++) {
        zmq_pollitem_t *item = items + i;
        item->revents = 0;
        fds [i].revents = 0;
        if (item->socket) {
            size_t size = sizeof fds [i].fd;
            if (zmq_getsockopt (item->socket, ZMQ_FD, &fds [i].fd, &size) < 0)
                return -1;
            fds [i].events = POLLIN;
            int ready = s_socket_ready (item);
            if (ready < 0)
                return -1;
            item->revents = (short) ready;
            any |= ready != 0;
        }
        else {
            fds [i].fd = item->fd;
            fds [i].events = (short) ((item->events & ZMQ_POLLIN? POLLIN: 0)
                                    | (item->events & ZMQ_POLLOUT? POLLOUT: 0)
                                    | (item->events & ZMQ_POLLPRI? POLLPRI: 0));
        }
    }
    if (poll (fds, (nfds_t) count, any? 0: (int) timeout_ms) < 0)
        return -1;
    int ready = 0;
    for (int i = 0; i < count; i++) {
        zmq_pollitem_t *item = items + i;
        if (item->socket) {
            if (fds [i].revents) {
                int now = s_socket_ready (item);
                if (now < 0)
                    return -1;
                item->revents = (short) now;
            }
        }
        else {
            short got = fds [i].revents;
            item->revents = (short) ((got & POLLIN? ZMQ_POLLIN: 0) | (got & POLLOUT? ZMQ_POLLOUT: 0)
                                   | (got & POLLPRI? ZMQ_POLLPRI: 0)
                                   | (got & ~(POLLIN | POLLOUT | POLLPRI)? ZMQ_POLLERR: 0));
        }
        ready += item->revents != 0;
    }
    return ready;
}

int
ht_fibers_poll (ht_fibers_t *self, zmq_pollitem_t *items, int count, long timeout_ms)
{
    assert (!s_current);
    int64_t now = ht_mono_us ();
    int64_t until = timeout_ms < 0? -1: now + (int64_t) timeout_ms * 1000;
    int total = count;
    for (ht_fiber_t *fiber = self->fibers; fiber; fiber = fiber->next) {
        if (fiber->state == S_RUNNABLE)
            until = now;
        else
        if (fiber->state == S_POLLING) {
            total += fiber->count;
            if (fiber->until_us >= 0 && (until < 0 || fiber->until_us < until))
                until = fiber->until_us;
        }
    }
    if (total > self->poll_capacity) {
        self->poll_capacity = total * 2;
        self->poll = realloc (self->poll, (size_t) self->poll_capacity * sizeof *self->poll);
        self->fds = realloc (self->fds, (size_t) self->poll_capacity * sizeof *self->fds);
        assert (self->poll && self->fds);
    }
    if (count > 0)
        memcpy (self->poll, items, (size_t) count * sizeof *items);
    int at = count;
    for (ht_fiber_t *fiber = self->fibers; fiber; fiber = fiber->next)
        if (fiber->state == S_POLLING && fiber->count > 0) {
            memcpy (self->poll + at, fiber->items, (size_t) fiber->count * sizeof *fiber->items);
            at += fiber->count;
        }
    long wait_ms = until < 0? -1: until <= now? 0: (long) ((until - now + 999) / 1000);
    int rc = ht_poll (self->poll, self->fds, total, wait_ms);
    if (rc < 0)                     //  EINTR: a signal; nothing is ready
        for (int i = 0; i < total; i++)
            self->poll [i].revents = 0;
    int mine = 0;
    for (int i = 0; i < count; i++) {
        items [i].revents = self->poll [i].revents;
        mine += items [i].revents != 0;
    }
    now = ht_mono_us ();
    at = count;
    for (ht_fiber_t *fiber = self->fibers; fiber; fiber = fiber->next)
        if (fiber->state == S_POLLING) {
            int ready = 0;
            for (int i = 0; i < fiber->count; i++) {
                fiber->items [i].revents = self->poll [at + i].revents;
                ready += fiber->items [i].revents != 0;
            }
            at += fiber->count;
            if (ready > 0 || (fiber->until_us >= 0 && now >= fiber->until_us)) {
                fiber->result = ready;
                fiber->state = S_RUNNABLE;
            }
        }
    ht_fibers_run (self);
    return rc < 0? rc: mine;
}

int
ht_fiber_poll (zmq_pollitem_t *items, int count, long timeout_ms)
{
    ht_fiber_t *self = s_current;
    if (!self)
        return zmq_poll (items, count, timeout_ms);
    for (int i = 0; i < count; i++)
        items [i].revents = 0;
    self->items = items;
    self->count = count;
    self->until_us = timeout_ms < 0? -1: ht_mono_us () + (int64_t) timeout_ms * 1000;
    self->result = 0;
    self->state = S_POLLING;
    s_yield (self);
    return self->result;
}

void
ht_fiber_sleep (long ms)
{
    ht_fiber_poll (NULL, 0, ms);
}

void
ht_fiber_park (void)
{
    ht_fiber_t *self = s_current;
    assert (self);
    self->state = S_PARKED;
    s_yield (self);
}

void
ht_fiber_wake (ht_fiber_t *fiber)
{
    if (fiber->state == S_PARKED)
        fiber->state = S_RUNNABLE;
}

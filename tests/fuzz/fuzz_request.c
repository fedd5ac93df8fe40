/*  fuzz_request - libFuzzer target: one request frame to one service, in-process

    Built once per service (FUZZ_SERVICE names its ht_service_t, e.g.
    registry_service) and once as `envelope` for a service that has only the
    system methods. An input is [caller][frame]: the first byte picks who
    sends it (ht_fuzz_caller_t, modulo their count), the rest is the frame
    exactly as a client puts it on the wire. The frame goes through
    ht__call_handle, the workers' own path (see common/ht_fuzz.h): envelope,
    route, principal and roles, idempotency key, payload strings and
    decoding, then the handler's validation up to its first database
    statement. Every reply is checked by ht_fuzz_call.

    No ZeroMQ context and no thread, ever: LeakSanitizer's check at exit
    deadlocks against a thread still inside dl_iterate_phdr. The target
    checks that it runs no thread besides libFuzzer's own (its RSS watcher,
    present unless -rss_limit_mb=0, as ctest runs it) and aborts if it does.
*/

#include "ht_fuzz.h"
#include "ht_wire.h"
#include "hetao/v1/envelope.pb-c.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_SERVICE
extern const ht_service_t FUZZ_SERVICE;
#define S_SERVICE FUZZ_SERVICE
#else
//  The envelope target: a service with no methods of its own, so every
//  input exercises the envelope and the system methods.
static const ht_route_t s_no_routes [] = { { NULL } };
static const char *const s_streams [] = { "fuzz", NULL };
static const ht_service_t s_envelope_service = {
    .name = "fuzz", .routes = s_no_routes, .streams = s_streams, .default_port = 7901
};
#define S_SERVICE s_envelope_service
#endif

#define S_HEALTH "system.Health"

static ht_fuzz_t *s_fuzz;
static int s_threads_allowed = 1;

static void
s_end (void)
{
    ht_fuzz_destroy (&s_fuzz);
}

//  Aborts when the process runs more threads than libFuzzer's and ours.
static void
s_check_alone (void)
{
    DIR *tasks = opendir ("/proc/self/task");
    if (!tasks)
        return;
    int count = 0;
    for (struct dirent *entry; (entry = readdir (tasks)); )
        count += entry->d_name [0] != '.';
    closedir (tasks);
    if (count > s_threads_allowed) {
        fprintf (stderr, "fuzz_request: %d threads: a fuzz target must start none\n", count);
        abort ();
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    //  libFuzzer watches the RSS limit from a thread of its own, unless it is 0.
    s_threads_allowed = 2;
    for (int i = 1; i < *argc; i++)
        if (!strcmp ((*argv) [i], "-rss_limit_mb=0"))
            s_threads_allowed = 1;
    s_fuzz = ht_fuzz_new (&S_SERVICE);
    atexit (s_end);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static unsigned long runs;
    if (size < 1)
        return 0;
    ht_fuzz_caller_t caller = (ht_fuzz_caller_t) (data [0] % HT_FUZZ_CALLERS);
    const uint8_t *frame = data + 1;
    size_t frame_size = size - 1;

    //  The broker's peek (ht_server.c answers system.Health itself) must
    //  agree with the decoder on which method a frame asks for.
    if (ht_wire_field_equals (frame, frame_size, 2, S_HEALTH)) {
        Hetao__V1__Request *request = hetao__v1__request__unpack (NULL, frame_size, frame);
        if (request && (!request->method || strcmp (request->method, S_HEALTH) != 0)) {
            fprintf (stderr, "fuzz_request: the broker's peek sees %s, the decoder '%s'\n",
                     S_HEALTH, request->method? request->method: "(none)");
            abort ();
        }
        hetao__v1__request__free_unpacked (request, NULL);
    }
    ht_fuzz_call (s_fuzz, caller, frame, frame_size);
    if (runs++ % 4096 == 0)
        s_check_alone ();
    return 0;
}

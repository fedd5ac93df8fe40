/*  settings - the customs service's own settings, and its clock

    The test clock: --test-clock-file names a file holding a number of
    seconds that is added to the real time wherever customs reads the time
    (stamps, deadlines, the breach timer, the reopen window, "today"). Tests
    move time forward by rewriting the file; the service reads it again at
    every use. Unset, which is the default and the only production setting,
    customs runs on the real clock.
*/

#include "settings.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

static int s_reopen_days;
static int s_inspection_per_mille;
static int s_inspection_seed;
static const char *s_test_clock_file;

const ht_option_t customs_options [] = {
    { "reopen-days", "HETAO_REOPEN_DAYS", HT_OPT_INT, &s_reopen_days, "14", 0, 3650,
      "days after resolution within which a case may be reopened" },
    { "inspection-per-mille", "HETAO_INSPECTION_PER_MILLE", HT_OPT_INT, &s_inspection_per_mille,
      "50", 0, 1000, "share of yellow-lane declarations sent to random inspection (red), per mille" },
    { "inspection-seed", "HETAO_INSPECTION_SEED", HT_OPT_INT, &s_inspection_seed, "-1", -1, 2147483647,
      "seed of the random inspection draw (-1: a random seed per process); fix it for reproducible lanes" },
    { "test-clock-file", "HETAO_TEST_CLOCK_FILE", HT_OPT_STRING, &s_test_clock_file, NULL, 0, 0,
      "TESTS ONLY, never in production: a file holding seconds added to the clock" },
    { NULL }
};

int
customs_reopen_days (void)
{
    return s_reopen_days;
}

int
customs_inspection_per_mille (void)
{
    return s_inspection_per_mille;
}

static uint64_t s_random_seed;
static pthread_once_t s_seed_once = PTHREAD_ONCE_INIT;

static void
s_seed_init (void)
{
    if (getrandom (&s_random_seed, sizeof s_random_seed, 0) != sizeof s_random_seed)
        s_random_seed = (uint64_t) time (NULL);
}

uint64_t
customs_inspection_seed (void)
{
    if (s_inspection_seed >= 0)
        return (uint64_t) s_inspection_seed;
    pthread_once (&s_seed_once, s_seed_init);
    return s_random_seed;
}

int64_t
customs_now_us (ht_call_t *call)
{
    int64_t now = ht_call_now_us (call);
    if (!s_test_clock_file)
        return now;
    FILE *file = fopen (s_test_clock_file, "r");
    long long seconds = 0;
    if (file) {
        if (fscanf (file, "%lld", &seconds) != 1)
            seconds = 0;
        fclose (file);
    }
    return now + seconds * 1000000;
}

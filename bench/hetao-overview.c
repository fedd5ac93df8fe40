/*  hetao-overview - reporting.Overview as a load, a watch and a check, for
    bench/reporting

    hetao-overview --mode latency --clients C --seconds T [--warmup S]
    hetao-overview --mode watch --until-sequence N [--interval-ms I] --out FILE
    hetao-overview --mode figures

    latency: C clients, each a thread with its own connection, call
      reporting.Overview in a closed loop for T seconds after S seconds of
      warm-up. Every latency of an OK reply in the window is kept and sorted:
      p50, p99 and max are exact.
    watch: one client calls reporting.Overview every I ms (0: back to back)
      until the registry stream's as_of reaches N (or --timeout-s). Each time
      the registry's last_sequence moved, it writes "sequence<TAB>time" to
      FILE: the wall-clock time (microseconds since the epoch, the clock
      PostgreSQL's now() reads on this machine) at which the reply showing it
      arrived. An event is reflected in the overview at the first such time
      whose sequence is at or above its own; bench/reporting joins that with
      the event's occurred_at at the source for the lag. Latencies of these
      calls are reported too (the overview under ingestion).
    figures: prints the figures hetao-feed --expect prints, and the registry
      stream's as_of, one `name value` a line.

    With every mode, stdout's last line is one JSON object (figures: none).
*/

#include "bench_tool.h"
#include "ht_client.h"
#include "ht_config.h"
#include "ht_status.h"
#include "ht_text.h"
#include "hetao/v1/reporting.pb-c.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_CLIENTS 64

static const char *s_endpoint, *s_mode, *s_cert, *s_server_key_arg, *s_out;
static char s_server_key [41];
static int s_clients, s_seconds, s_warmup, s_interval_ms, s_timeout_s, s_deadline_ms, s_until;

static const ht_option_t s_options [] = {
    { "endpoint", "HETAO_REPORTING_ENDPOINT", HT_OPT_STRING, &s_endpoint, "tcp://127.0.0.1:7401", 0, 0,
      "reporting's request endpoint" },
    { "mode", NULL, HT_OPT_STRING, &s_mode, NULL, 0, 0, "latency, watch or figures" },
    { "clients", NULL, HT_OPT_INT, &s_clients, "1", 1, S_MAX_CLIENTS, "latency: concurrent clients" },
    { "seconds", NULL, HT_OPT_INT, &s_seconds, "10", 1, 86400, "latency: length of the measured window" },
    { "warmup", NULL, HT_OPT_INT, &s_warmup, "1", 0, 3600, "latency: seconds of load not counted" },
    { "until-sequence", NULL, HT_OPT_INT, &s_until, "0", 0, 2000000000,
      "watch: stop when the registry stream's as_of reaches this" },
    { "interval-ms", NULL, HT_OPT_INT, &s_interval_ms, "5", 0, 60000, "watch: pause between calls" },
    { "timeout-s", NULL, HT_OPT_INT, &s_timeout_s, "3600", 1, 86400, "watch: give up after this long" },
    { "out", NULL, HT_OPT_STRING, &s_out, NULL, 0, 0, "watch: file of sequence<TAB>time lines" },
    { "deadline-ms", NULL, HT_OPT_INT, &s_deadline_ms, "5000", 100, 600000, "deadline of each call" },
    { "cert", "HETAO_CERT", HT_OPT_STRING, &s_cert, NULL, 0, 0,
      "the client's CURVE certificate (secret in <file>_secret)" },
    { "server-key", "HETAO_SERVER_KEY", HT_OPT_STRING, &s_server_key_arg, NULL, 0, 0,
      "reporting's public key, Z85 or its certificate file" },
    { NULL }
};

//  Latencies of OK replies, in microseconds, growing as needed.
typedef struct {
    int64_t *values;
    size_t count, size;
    uint64_t errors;
    char first_error [200];
} samples_t;

static void
s_samples_add (samples_t *self, int64_t us)
{
    if (self->count == self->size) {
        self->size = self->size? self->size * 2: 4096;
        self->values = realloc (self->values, self->size * sizeof *self->values);
        assert (self->values);
    }
    self->values [self->count++] = us;
}

static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

//  The `fraction` quantile (nearest rank) of sorted samples, in milliseconds.
static double
s_quantile_ms (const samples_t *sorted, double fraction)
{
    if (sorted->count == 0)
        return 0;
    size_t rank = (size_t) (fraction * (double) sorted->count + 0.999999);
    rank = rank < 1? 1: rank > sorted->count? sorted->count: rank;
    return (double) sorted->values [rank - 1] / 1000;
}

static void
s_samples_json (samples_t *self, const char *prefix)
{
    qsort (self->values, self->count, sizeof *self->values, s_compare);
    printf ("\"%scalls\":%zu,\"%serrors\":%" PRIu64 ",\"%sp50_ms\":%.3f,\"%sp99_ms\":%.3f,\"%smax_ms\":%.3f",
            prefix, self->count, prefix, self->errors, prefix, s_quantile_ms (self, 0.5), prefix,
            s_quantile_ms (self, 0.99), prefix, s_quantile_ms (self, 1.0));
}

static ht_client_t *
s_client_new (void)
{
    ht_client_options_t options = { .deadline_ms = s_deadline_ms, .attempts = 2,
                                    .cert = s_cert, .server_key = s_server_key };
    ht_client_t *client = ht_client_new (s_endpoint, &options);
    assert (client);
    return client;
}

//  Calls reporting.Overview; the decoded reply, or NULL (counted in
//  `samples` as an error). Caller owns the result.
static Hetao__V1__OverviewReply *
s_overview (ht_client_t *client, samples_t *samples, bool measured)
{
    int64_t begin = ht_mono_us ();
    Hetao__V1__OverviewRequest request = HETAO__V1__OVERVIEW_REQUEST__INIT;
    Hetao__V1__Reply *reply = ht_client_call (client, "reporting.Overview", NULL, &request.base);
    int64_t us = ht_mono_us () - begin;
    Hetao__V1__OverviewReply *overview = reply->has_status && reply->status == HETAO__V1__STATUS__OK
        ? hetao__v1__overview_reply__unpack (NULL, reply->payload.len, reply->payload.data): NULL;
    if (measured && overview)
        s_samples_add (samples, us);
    else
    if (measured && samples->errors++ == 0)
        snprintf (samples->first_error, sizeof samples->first_error, "%s: %s",
                  ht_status_name (reply->has_status? (int) reply->status: -1),
                  reply->message? reply->message: "(no overview in the reply)");
    hetao__v1__reply__free_unpacked (reply, NULL);
    return overview;
}

//  The registry stream's last applied sequence in `overview`.
static uint64_t
s_registry_sequence (const Hetao__V1__OverviewReply *overview)
{
    for (size_t i = 0; i < overview->n_as_of; i++)
        if (overview->as_of [i]->stream && !strcmp (overview->as_of [i]->stream, "registry"))
            return overview->as_of [i]->last_sequence;
    return 0;
}

//  ---------------------------------------------------------------------------
//  latency

typedef struct {
    pthread_t thread;
    samples_t samples;
} client_t;

static int64_t s_from_us, s_until_us;
static pthread_barrier_t s_go;

static void *
s_client_run (void *args)
{
    client_t *self = args;
    ht_client_t *client = s_client_new ();
    pthread_barrier_wait (&s_go);
    int64_t now;
    while ((now = ht_mono_us ()) < s_until_us) {
        Hetao__V1__OverviewReply *overview = s_overview (client, &self->samples, now >= s_from_us);
        if (overview)
            hetao__v1__overview_reply__free_unpacked (overview, NULL);
    }
    ht_client_destroy (&client);
    return NULL;
}

static int
s_latency (void)
{
    client_t *clients = calloc ((size_t) s_clients, sizeof *clients);
    assert (clients);
    pthread_barrier_init (&s_go, NULL, (unsigned) s_clients + 1);
    s_from_us = ht_mono_us () + (int64_t) s_warmup * 1000000;
    s_until_us = s_from_us + (int64_t) s_seconds * 1000000;
    for (int c = 0; c < s_clients; c++) {
        int rc = pthread_create (&clients [c].thread, NULL, s_client_run, &clients [c]);
        assert (rc == 0);
        (void) rc;
    }
    pthread_barrier_wait (&s_go);
    samples_t all = { 0 };
    for (int c = 0; c < s_clients; c++) {
        pthread_join (clients [c].thread, NULL);
        for (size_t i = 0; i < clients [c].samples.count; i++)
            s_samples_add (&all, clients [c].samples.values [i]);
        all.errors += clients [c].samples.errors;
        if (clients [c].samples.errors && !*all.first_error)
            memcpy (all.first_error, clients [c].samples.first_error, sizeof all.first_error);
        free (clients [c].samples.values);
    }
    if (all.errors)
        fprintf (stderr, "hetao-overview: %" PRIu64 " errors; first: %s\n", all.errors, all.first_error);
    printf ("{\"clients\":%d,\"seconds\":%d,\"rps\":%.1f,", s_clients, s_seconds,
            (double) all.count / s_seconds);
    s_samples_json (&all, "");
    printf ("}\n");
    bool ok = all.count > 0;
    free (all.values);
    free (clients);
    pthread_barrier_destroy (&s_go);
    return ok? 0: 1;
}

//  ---------------------------------------------------------------------------
//  watch

static int
s_watch (void)
{
    FILE *out = s_out? fopen (s_out, "w"): NULL;
    if (!out) {
        fprintf (stderr, "hetao-overview: give --out, a file it can write\n");
        return 2;
    }
    ht_client_t *client = s_client_new ();
    samples_t samples = { 0 };
    int64_t started_us = ht_now_us ();
    int64_t give_up = ht_mono_us () + (int64_t) s_timeout_s * 1000000;
    int64_t first_us = 0, reached_us = 0;
    uint64_t last = 0, first_sequence = 0;
    bool known = false;
    while (ht_mono_us () < give_up) {
        Hetao__V1__OverviewReply *overview = s_overview (client, &samples, true);
        int64_t at_us = ht_now_us ();
        uint64_t sequence = overview? s_registry_sequence (overview): last;
        if (overview)
            hetao__v1__overview_reply__free_unpacked (overview, NULL);
        if (overview && (!known || sequence != last)) {
            fprintf (out, "%" PRIu64 "\t%" PRId64 "\n", sequence, at_us);
            if (known && !first_us) {
                first_us = at_us;   //  the first movement seen
                first_sequence = last;
            }
            last = sequence;
            known = true;
        }
        if (known && sequence >= (uint64_t) s_until) {
            reached_us = at_us;
            break;
        }
        if (s_interval_ms > 0) {
            struct timespec pause = { s_interval_ms / 1000, (long) (s_interval_ms % 1000) * 1000000 };
            nanosleep (&pause, NULL);
        }
    }
    fclose (out);
    ht_client_destroy (&client);
    if (samples.errors)
        fprintf (stderr, "hetao-overview: %" PRIu64 " errors; first: %s\n", samples.errors, samples.first_error);
    printf ("{\"started_us\":%" PRId64 ",\"first_move_us\":%" PRId64 ",\"first_move_from\":%" PRIu64
            ",\"reached_us\":%" PRId64 ",\"sequence\":%" PRIu64 ",\"until\":%d,",
            started_us, first_us, first_sequence, reached_us, last, s_until);
    s_samples_json (&samples, "");
    printf ("}\n");
    free (samples.values);
    return reached_us? 0: 1;
}

//  ---------------------------------------------------------------------------
//  figures

static int
s_figures (void)
{
    ht_client_t *client = s_client_new ();
    samples_t samples = { 0 };
    Hetao__V1__OverviewReply *o = s_overview (client, &samples, true);
    ht_client_destroy (&client);
    if (!o) {
        fprintf (stderr, "hetao-overview: %s\n", samples.first_error);
        return 1;
    }
    bench_tool_figures_print (stdout, o);
    printf ("as_of_registry %" PRIu64 "\n", s_registry_sequence (o));
    hetao__v1__overview_reply__free_unpacked (o, NULL);
    free (samples.values);
    return 0;
}

int
main (int argc, char **argv)
{
    int status = bench_tool_options ("hetao-overview",
        "Usage: hetao-overview --mode latency|watch|figures [options]\n\n"
        "reporting.Overview as a closed-loop load, a watch of its as_of, or its figures.",
        s_options, argc, argv);
    if (status >= 0)
        return status;
    if (!ht_client_server_key (s_server_key_arg, s_server_key) || !s_cert) {
        fprintf (stderr, "hetao-overview: give --cert and --server-key (reporting speaks only CURVE)\n");
        return 2;
    }
    if (s_mode && !strcmp (s_mode, "latency"))
        return s_latency ();
    if (s_mode && !strcmp (s_mode, "watch"))
        return s_watch ();
    if (s_mode && !strcmp (s_mode, "figures"))
        return s_figures ();
    fprintf (stderr, "hetao-overview: --mode must be latency, watch or figures\n");
    return 2;
}

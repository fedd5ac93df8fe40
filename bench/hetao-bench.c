/*  hetao-bench - closed-loop load on a Hetao service, for bench/run

    hetao-bench --endpoint tcp://127.0.0.1:7101 --method register|get
                --clients C --seconds T [--warmup S] [--json]

    Each client is a thread with its own ht_client_t: it sends one request,
    waits for the reply and sends the next, like a pgbench client. Only
    requests that complete inside the measured window (after the warm-up)
    count; a reply other than OK is an error, counted by status and never
    mixed into the latencies. Latencies go into a log-bucket histogram per
    thread (exact below 128 us, under 1.6% error above), merged at the end.

    `register` registers a new organization per request, with a valid USCC
    no other run can produce (a random run prefix, then a number unique in
    the run) and a new idempotency key. `get` first collects --preload
    organization ids (ListOrganizations, then registering any missing), then
    reads random ones by id.

    With --json, stdout carries one JSON object and the readable summary
    goes to stderr.
*/

#include "ht_client.h"
#include "ht_config.h"
#include "ht_status.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define S_MAX_CLIENTS   256
#define S_LINEAR        128             //  exact buckets below this many microseconds
#define S_HALF          64              //  buckets per power of two above that
#define S_BUCKETS       (S_LINEAR + 33 * S_HALF)    //  up to 2^40 us
#define S_STATUS_SLOTS  18              //  wire codes 0..16; 17 for any other
#define S_NUMBERS       28629151ULL     //  31^5 organization numbers per run

//  Settings
static const char *s_endpoint;
static const char *s_method;
static int s_clients, s_seconds, s_warmup, s_preload, s_timeout_ms;
static bool s_json;
static const char *s_cert;
static const char *s_server_key_arg;
static char s_server_key [41];

static const ht_option_t s_options [] = {
    { "endpoint", "HETAO_BENCH_ENDPOINT", HT_OPT_STRING, &s_endpoint, "tcp://127.0.0.1:7101", 0, 0,
      "request endpoint of the service" },
    { "method", NULL, HT_OPT_STRING, &s_method, NULL, 0, 0,
      "register (registry.RegisterOrganization) or get (registry.GetOrganization)" },
    { "clients", NULL, HT_OPT_INT, &s_clients, "8", 1, S_MAX_CLIENTS,
      "concurrent clients, each a thread with its own connection" },
    { "seconds", NULL, HT_OPT_INT, &s_seconds, "10", 1, 86400, "length of the measured window" },
    { "warmup", NULL, HT_OPT_INT, &s_warmup, "1", 0, 3600,
      "seconds of load before the measured window, not counted" },
    { "preload", NULL, HT_OPT_INT, &s_preload, "1000", 1, 1000000,
      "organizations `get` registers first and then reads" },
    { "timeout", NULL, HT_OPT_INT, &s_timeout_ms, "5000", 100, 600000,
      "deadline of each call in milliseconds, ht_client's retries included" },
    { "cert", "HETAO_CERT", HT_OPT_STRING, &s_cert, NULL, 0, 0,
      "the client's CURVE certificate (secret in <file>_secret)" },
    { "server-key", "HETAO_SERVER_KEY", HT_OPT_STRING, &s_server_key_arg, NULL, 0, 0,
      "the registry's public key, Z85 or its certificate file" },
    { "json", NULL, HT_OPT_BOOL, &s_json, "false", 0, 0,
      "print one JSON object on stdout (the summary goes to stderr)" },
    { NULL }
};

//  What every client shares; written by main before the clients start.
static char s_run_division [7];         //  "44" and four random digits
static char s_run_prefix [4];           //  three random USCC characters
static char s_run_id [12];
static char (*s_ids) [37];              //  organizations `get` reads
static int s_n_ids;
static int64_t s_from_us, s_until_us;   //  the measured window, monotonic
static pthread_barrier_t s_ready, s_go;

typedef struct {
    int index;
    pthread_t thread;
    uint64_t rng;
    uint64_t sent;
    uint64_t ok, errors;
    uint64_t ok_all;                //  OK replies, warm-up included
    int64_t sum_us, max_us;
    uint64_t by_status [S_STATUS_SLOTS];
    char first_error [S_STATUS_SLOTS][200];
    uint64_t histogram [S_BUCKETS];
} client_t;

//  ---------------------------------------------------------------------------
//  Unified Social Credit Codes (GB 32100-2015)

static const char s_uscc_charset [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int s_uscc_weights [17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

//  Writes the USCC of organization `number` of this run into `out`: "91" (an
//  enterprise registered with market regulation), the run's division code,
//  an organization code made of the run's prefix and `number` in base 31
//  with its GB 11714 check character, and the GB 32100 check character.
static void
s_uscc (uint64_t number, char out [19])
{
    assert (number < S_NUMBERS);
    memcpy (out, "91", 2);
    memcpy (out + 2, s_run_division, 6);
    memcpy (out + 8, s_run_prefix, 3);
    for (int i = 15; i >= 11; i--) {
        out [i] = s_uscc_charset [number % 31];
        number /= 31;
    }
    static const int code_weights [8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
    int code_sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = out [8 + i];
        code_sum += (c <= '9'? c - '0': c - 'A' + 10) * code_weights [i];
    }
    int check = 11 - code_sum % 11;
    out [16] = check == 10? 'X': check == 11? '0': (char) ('0' + check);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int) (strchr (s_uscc_charset, out [i]) - s_uscc_charset) * s_uscc_weights [i];
    out [17] = s_uscc_charset [(31 - sum % 31) % 31];
    out [18] = 0;
}

static void
s_run_identity (void)
{
    unsigned char random [7];
    ht_random_bytes (random, sizeof random);
    snprintf (s_run_division, sizeof s_run_division, "44%c%c%c%c",
              '0' + random [0] % 10, '0' + random [1] % 10, '0' + random [2] % 10, '0' + random [3] % 10);
    for (int i = 0; i < 3; i++)
        s_run_prefix [i] = s_uscc_charset [random [4 + i] % 31];
    s_run_prefix [3] = 0;
    snprintf (s_run_id, sizeof s_run_id, "%s-%s", s_run_division, s_run_prefix);
}

//  ---------------------------------------------------------------------------
//  Requests

//  Registers organization `number` of this run. Caller owns the reply.
static Hetao__V1__Reply *
s_register (ht_client_t *client, uint64_t number)
{
    char uscc [19], key [64], name [64];
    s_uscc (number, uscc);
    snprintf (key, sizeof key, "bench-%s-%llu", s_run_id, (unsigned long long) number);
    snprintf (name, sizeof name, "Bench Organization %s", uscc);
    Hetao__V1__Sector sectors [] = {
        HETAO__V1__SECTOR__SECTOR_INFORMATION_TECHNOLOGY,
        HETAO__V1__SECTOR__SECTOR_ARTIFICIAL_INTELLIGENCE
    };
    Hetao__V1__RegisterOrganizationRequest request = HETAO__V1__REGISTER_ORGANIZATION_REQUEST__INIT;
    request.has_kind = true;
    request.kind = HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_ENTERPRISE;
    request.name_zh = "河套基准测试机构";
    request.name_en = name;
    request.has_region = true;
    request.region = HETAO__V1__REGION__REGION_MAINLAND;
    request.has_registration_type = true;
    request.registration_type = HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC;
    request.registration_id = uscc;
    request.n_sectors = 2;
    request.sectors = sectors;
    request.has_major_platform = true;
    request.major_platform = false;
    return ht_client_call (client, "registry.RegisterOrganization", key, &request.base);
}

static Hetao__V1__Reply *
s_get (ht_client_t *client, const char *id)
{
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    request.id = (char *) id;
    return ht_client_call (client, "registry.GetOrganization", NULL, &request.base);
}

//  Keeps `id` for `get`; true when --preload ids are there.
static bool
s_keep_id (const char *id)
{
    if (s_n_ids < s_preload && id)
        snprintf (s_ids [s_n_ids++], sizeof s_ids [0], "%s", id);
    return s_n_ids >= s_preload;
}

//  Reads up to --preload ids of organizations the service already has.
static void
s_list_ids (ht_client_t *client)
{
    char token [37] = "";
    while (s_n_ids < s_preload) {
        Hetao__V1__ListOrganizationsRequest request = HETAO__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
        request.has_page_size = true;
        request.page_size = 500;
        request.page_token = *token? token: NULL;
        Hetao__V1__Reply *reply = ht_client_call (client, "registry.ListOrganizations", NULL, &request.base);
        Hetao__V1__ListOrganizationsReply *page = reply->status == HETAO__V1__STATUS__OK
            ? hetao__v1__list_organizations_reply__unpack (NULL, reply->payload.len, reply->payload.data): NULL;
        bool more = page && page->next_page_token;
        for (size_t i = 0; page && i < page->n_organizations; i++)
            s_keep_id (page->organizations [i]->id);
        if (more)
            snprintf (token, sizeof token, "%s", page->next_page_token);
        if (page)
            hetao__v1__list_organizations_reply__free_unpacked (page, NULL);
        hetao__v1__reply__free_unpacked (reply, NULL);
        if (!more)
            break;
    }
}

//  Collects --preload organization ids for `get`: those the service has
//  (after a `register` run, say), and registers the rest. False, with the
//  reason on stderr, when the service refuses a registration.
static bool
s_preload_ids (void)
{
    ht_client_options_t options = { .deadline_ms = s_timeout_ms, .attempts = 3,
                                    .cert = s_cert, .server_key = s_server_key };
    ht_client_t *client = ht_client_new (s_endpoint, &options);
    assert (client);
    s_ids = calloc ((size_t) s_preload, sizeof *s_ids);
    assert (s_ids);
    s_list_ids (client);
    bool ok = true;
    for (uint64_t number = 0; s_n_ids < s_preload && ok; number++) {
        Hetao__V1__Reply *reply = s_register (client, number);
        Hetao__V1__OrganizationReply *organization = reply->status == HETAO__V1__STATUS__OK
            ? hetao__v1__organization_reply__unpack (NULL, reply->payload.len, reply->payload.data): NULL;
        if (organization && organization->organization && organization->organization->id)
            s_keep_id (organization->organization->id);
        else {
            fprintf (stderr, "hetao-bench: preload: %s: %s\n", ht_status_name (reply->status),
                     reply->message && *reply->message? reply->message: "(no organization in the reply)");
            ok = false;
        }
        if (organization)
            hetao__v1__organization_reply__free_unpacked (organization, NULL);
        hetao__v1__reply__free_unpacked (reply, NULL);
    }
    ht_client_destroy (&client);
    return ok;
}

//  ---------------------------------------------------------------------------
//  Latency histogram

static int
s_bucket (uint64_t us)
{
    if (us < S_LINEAR)
        return (int) us;
    if (us >= (1ULL << 40))
        us = (1ULL << 40) - 1;
    int msb = 63 - __builtin_clzll (us);
    int shift = msb - 6;            //  keeps the top 7 bits: 64..127
    return S_LINEAR + (msb - 7) * S_HALF + (int) (us >> shift) - S_HALF;
}

//  The middle of the values bucket `index` holds, in microseconds.
static double
s_bucket_value (int index)
{
    if (index < S_LINEAR)
        return index;
    int msb = 7 + (index - S_LINEAR) / S_HALF;
    int shift = msb - 6;
    uint64_t low = (uint64_t) (S_HALF + (index - S_LINEAR) % S_HALF) << shift;
    return (double) low + (double) ((1ULL << shift) - 1) / 2;
}

//  The `fraction` quantile of `histogram` (count values) in milliseconds,
//  never above the largest value seen.
static double
s_quantile_ms (const uint64_t *histogram, uint64_t count, double fraction, int64_t max_us)
{
    if (count == 0)
        return 0;
    uint64_t rank = (uint64_t) (fraction * (double) count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < S_BUCKETS; i++) {
        seen += histogram [i];
        if (seen >= rank) {
            double us = s_bucket_value (i);
            return (us > (double) max_us? (double) max_us: us) / 1000;
        }
    }
    return (double) max_us / 1000;
}

//  ---------------------------------------------------------------------------
//  Clients

static uint64_t
s_random (client_t *self)
{
    //  xorshift64*: cheap, and each client has its own state.
    self->rng ^= self->rng >> 12;
    self->rng ^= self->rng << 25;
    self->rng ^= self->rng >> 27;
    return self->rng * 2685821657736338717ULL;
}

static void
s_record (client_t *self, const Hetao__V1__Reply *reply, int64_t us)
{
    if (reply->status == HETAO__V1__STATUS__OK) {
        self->ok++;
        self->sum_us += us;
        if (us > self->max_us)
            self->max_us = us;
        self->histogram [s_bucket ((uint64_t) us)]++;
        return;
    }
    int slot = reply->status >= 0 && reply->status < S_STATUS_SLOTS - 1? (int) reply->status: S_STATUS_SLOTS - 1;
    self->errors++;
    if (self->by_status [slot]++ == 0)
        snprintf (self->first_error [slot], sizeof self->first_error [slot], "%s",
                  reply->message && *reply->message? reply->message: "(no message)");
}

static void *
s_client_run (void *args)
{
    client_t *self = args;
    ht_client_options_t options = { .deadline_ms = s_timeout_ms, .attempts = 3,
                                    .cert = s_cert, .server_key = s_server_key };
    ht_client_t *client = ht_client_new (s_endpoint, &options);
    assert (client);
    bool registering = !strcmp (s_method, "register");
    pthread_barrier_wait (&s_ready);
    pthread_barrier_wait (&s_go);   //  main has set the window
    while (ht_mono_us () < s_until_us) {
        Hetao__V1__Reply *reply;
        int64_t begin = ht_mono_us ();
        if (registering) {
            //  Numbers below --preload are the preload's; the rest interleave by client.
            uint64_t number = (uint64_t) s_preload + self->sent * (uint64_t) s_clients + (uint64_t) self->index;
            if (number >= S_NUMBERS)
                break;              //  a run of 887 million registrations: no number left
            reply = s_register (client, number);
        }
        else
            reply = s_get (client, s_ids [s_random (self) % (uint64_t) s_n_ids]);
        int64_t end = ht_mono_us ();
        self->sent++;
        if (reply->status == HETAO__V1__STATUS__OK)
            self->ok_all++;
        if (end >= s_from_us && end < s_until_us)
            s_record (self, reply, end - begin);
        hetao__v1__reply__free_unpacked (reply, NULL);
    }
    ht_client_destroy (&client);
    return NULL;
}

//  ---------------------------------------------------------------------------
//  main

static void
s_sleep_until (int64_t until_us)
{
    int64_t left;
    while ((left = until_us - ht_mono_us ()) > 0) {
        struct timespec pause = { left / 1000000, (left % 1000000) * 1000 };
        nanosleep (&pause, NULL);
    }
}

static double
s_cpu_seconds (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return (double) usage.ru_utime.tv_sec + (double) usage.ru_utime.tv_usec / 1e6
         + (double) usage.ru_stime.tv_sec + (double) usage.ru_stime.tv_usec / 1e6;
}

//  Prints the summary; `cpu_s` is this process's CPU time in the window,
//  `cpu_all_s` in its whole life.
static void
s_report (client_t *clients, double cpu_s, double cpu_all_s)
{
    client_t *all = calloc (1, sizeof *all);
    assert (all);
    for (int c = 0; c < s_clients; c++) {
        client_t *one = &clients [c];
        all->ok += one->ok;
        all->errors += one->errors;
        all->ok_all += one->ok_all;
        all->sum_us += one->sum_us;
        if (one->max_us > all->max_us)
            all->max_us = one->max_us;
        for (int i = 0; i < S_BUCKETS; i++)
            all->histogram [i] += one->histogram [i];
        for (int s = 0; s < S_STATUS_SLOTS; s++) {
            if (one->by_status [s] && !all->by_status [s])
                memcpy (all->first_error [s], one->first_error [s], sizeof all->first_error [s]);
            all->by_status [s] += one->by_status [s];
        }
    }
    double rps = (double) all->ok / s_seconds;
    double p50 = s_quantile_ms (all->histogram, all->ok, 0.50, all->max_us);
    double p90 = s_quantile_ms (all->histogram, all->ok, 0.90, all->max_us);
    double p99 = s_quantile_ms (all->histogram, all->ok, 0.99, all->max_us);
    double max = (double) all->max_us / 1000;
    double mean = all->ok? (double) all->sum_us / (double) all->ok / 1000: 0;

    FILE *out = s_json? stderr: stdout;
    fprintf (out, "hetao-bench %s: %d clients, %d s measured after %d s warm-up, %s (run %s)\n",
             s_method, s_clients, s_seconds, s_warmup, s_endpoint, s_run_id);
    fprintf (out, "  requests    %llu OK\n", (unsigned long long) all->ok);
    fprintf (out, "  errors      %llu\n", (unsigned long long) all->errors);
    for (int s = 0; s < S_STATUS_SLOTS; s++)
        if (all->by_status [s])
            fprintf (out, "    %-20s %llu  (first: %s)\n", s < S_STATUS_SLOTS - 1? ht_status_name (s): "OTHER",
                     (unsigned long long) all->by_status [s], all->first_error [s]);
    fprintf (out, "  throughput  %.1f req/s\n", rps);
    fprintf (out, "  latency     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  mean %.3f ms\n",
             p50, p90, p99, max, mean);
    fprintf (out, "  client cpu  %.2f s in the window (%.1f us per request)\n",
             cpu_s, all->ok? cpu_s * 1e6 / (double) all->ok: 0);

    if (s_json) {
        printf ("{\"method\":\"%s\",\"clients\":%d,\"seconds\":%d,\"warmup\":%d,\"run\":\"%s\","
                "\"requests\":%llu,\"errors\":%llu,\"rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
                "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,\"client_cpu_s\":%.3f,"
                "\"all_requests\":%llu,\"all_client_cpu_s\":%.3f,\"errors_by_status\":{",
                s_method, s_clients, s_seconds, s_warmup, s_run_id,
                (unsigned long long) all->ok, (unsigned long long) all->errors,
                rps, p50, p90, p99, max, mean, cpu_s,
                (unsigned long long) all->ok_all, cpu_all_s);
        const char *comma = "";
        for (int s = 0; s < S_STATUS_SLOTS; s++)
            if (all->by_status [s]) {
                printf ("%s\"%s\":%llu", comma, s < S_STATUS_SLOTS - 1? ht_status_name (s): "OTHER",
                        (unsigned long long) all->by_status [s]);
                comma = ",";
            }
        printf ("}}\n");
    }
    fflush (stdout);
    free (all);
}

int
main (int argc, char **argv)
{
    char error [256];
    switch (ht_config_parse (s_options, argc, argv, 1, NULL, 0, NULL, error, sizeof error)) {
        case HT_CONFIG_HELP:
            ht_config_usage ("Usage: hetao-bench --method register|get [options]\n\n"
                             "Closed-loop load on the registry; prints throughput and latency.", s_options);
            return 0;
        case HT_CONFIG_ERROR:
            fprintf (stderr, "hetao-bench: %s\n", error);
            return 2;
        case HT_CONFIG_OK:
            break;
    }
    if (!ht_client_server_key (s_server_key_arg, s_server_key) || !s_cert) {
        fprintf (stderr, "hetao-bench: give --cert and --server-key (the registry speaks only CURVE)\n");
        return 2;
    }
    if (!s_method || (strcmp (s_method, "register") != 0 && strcmp (s_method, "get") != 0)) {
        fprintf (stderr, "hetao-bench: --method must be register or get\n");
        return 2;
    }
    s_run_identity ();
    if (!strcmp (s_method, "get") && !s_preload_ids ())
        return 1;

    client_t *clients = calloc ((size_t) s_clients, sizeof *clients);
    assert (clients);
    pthread_barrier_init (&s_ready, NULL, (unsigned) s_clients + 1);
    pthread_barrier_init (&s_go, NULL, (unsigned) s_clients + 1);
    for (int c = 0; c < s_clients; c++) {
        clients [c].index = c;
        ht_random_bytes (&clients [c].rng, sizeof clients [c].rng);
        clients [c].rng |= 1;       //  xorshift never leaves zero
        int rc = pthread_create (&clients [c].thread, NULL, s_client_run, &clients [c]);
        assert (rc == 0);
        (void) rc;
    }
    pthread_barrier_wait (&s_ready);
    s_from_us = ht_mono_us () + (int64_t) s_warmup * 1000000;
    s_until_us = s_from_us + (int64_t) s_seconds * 1000000;
    pthread_barrier_wait (&s_go);

    s_sleep_until (s_from_us);
    double cpu_from = s_cpu_seconds ();
    s_sleep_until (s_until_us);
    double cpu_s = s_cpu_seconds () - cpu_from;
    for (int c = 0; c < s_clients; c++)
        pthread_join (clients [c].thread, NULL);

    s_report (clients, cpu_s, s_cpu_seconds ());
    uint64_t ok = 0;
    for (int c = 0; c < s_clients; c++)
        ok += clients [c].ok;
    pthread_barrier_destroy (&s_ready);
    pthread_barrier_destroy (&s_go);
    free (clients);
    free (s_ids);
    return ok > 0? 0: 1;
}

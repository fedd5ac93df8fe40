/*  hetao-bench - closed-loop load on a Hetao service, pipelined, for bench/run

    hetao-bench --method M --endpoint tcp://127.0.0.1:7101 --cert K --server-key S
                --clients C [--connections N] --seconds T [--warmup S] [--json]

    One thread drives every client. A "client" is one request in flight, as
    a pgbench client is one transaction in flight: --clients C keeps C
    requests in flight at all times, spread over --connections DEALER
    connections (default: one per 8 clients), each request matched to its
    reply by request id (docs/protocol.md: a DEALER may pipeline). When a
    reply comes, that client sends its next request at once. Requests and
    replies are packed into and decoded from fixed buffers and a bump arena
    that is reset after every reply: nothing is allocated per request.

    Only requests that complete inside the measured window (after the
    warm-up) count; a reply other than OK is an error, counted by status and
    never mixed into the latencies. Latencies go into a log-bucket histogram
    (exact below 128 us, under 1.6% error above).

    Methods:
      register   registry.RegisterOrganization, a new organization per request
                 with a valid USCC no other run can produce
      get        registry.GetOrganization of --preload organizations, listed
                 (ListOrganizations) or registered first
      award      funding.MakeAward on applications prepared first through the
                 protocol: organizations and projects at the registry
                 (--registry-endpoint), a programme, a call, --preload
                 applications created, submitted, reviewed (--reviewer-cert,
                 a principal with the reviewer role) and approved
      disburse   funding.RequestDisbursement, ApproveDisbursement and
                 PayDisbursement in turn, each a request, on 64 awards made first
      open-case  customs.OpenCase for organizations registered first
      get-case   customs.GetCase of --preload cases opened first
      events     registry.RegisterOrganization sent at a fixed --rate a second
                 (open loop), with a CURVE subscriber on --events-endpoint:
                 per event, arrival minus its occurred_at_us (the database
                 transaction's time, which precedes the commit: an upper bound
                 of commit -> subscriber) and arrival minus the send time of
                 the request that caused it; with --arrivals FILE, each
                 event's sequence and arrival, from which bench/run takes
                 the delay from the transaction's commit timestamp

    With --ready-file PATH, hetao-bench creates PATH when its preparation is
    done and waits for SIGUSR1 before it starts the load, so that a caller
    can measure the service's CPU over the load alone. The CPU and request
    counts it reports ("all_*") cover the load from that moment, warm-up
    included.

    With --json, stdout carries one JSON object and the readable summary
    goes to stderr. Exit 0 when requests completed without error, 1 when
    the load or its preparation failed, 2 on bad arguments.
*/

#include "ht_client.h"
#include "ht_config.h"
#include "ht_fiber.h"
#include "ht_status.h"
#include "ht_text.h"
#include "hetao/v1/customs.pb-c.h"
#include "hetao/v1/funding.pb-c.h"
#include "hetao/v1/registry.pb-c.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_CLIENTS    1024
#define S_MAX_LANES      64
#define S_LINEAR         128            //  exact buckets below this many microseconds
#define S_HALF           64             //  buckets per power of two above that
#define S_BUCKETS        (S_LINEAR + 33 * S_HALF)   //  up to 2^40 us
#define S_STATUS_SLOTS   18             //  wire codes 0..16; 17 for any other
#define S_NUMBERS        28629151ULL    //  31^5 organization numbers per run
#define S_FRAME_MAX      (64 * 1024)    //  a request this tool sends, packed
#define S_ARENA_BYTES    (8 << 20)      //  one decoded reply (a page of 500 organizations fits)
#define S_PARTIES        16             //  organizations (and projects) funding and customs use
#define S_AWARDS         64             //  awards `disburse` pays against
#define S_AWARD_FEN      10000LL        //  100.00 yuan per award of `award`
#define S_BIG_AWARD_FEN  10000000000LL  //  100 million yuan per award of `disburse`
#define S_PAYMENT_FEN    100LL          //  1.00 yuan per disbursement

//  Settings
static const char *s_endpoint, *s_method, *s_cert, *s_server_key_arg;
static const char *s_registry_endpoint, *s_registry_key_arg, *s_reviewer_cert;
static const char *s_events_endpoint, *s_ready_file, *s_arrivals_path;
static int s_clients, s_connections, s_seconds, s_warmup, s_preload, s_timeout_ms, s_rate;
static bool s_json;
static char s_server_key [41], s_registry_key [41];

static const ht_option_t s_options [] = {
    { "endpoint", "HETAO_BENCH_ENDPOINT", HT_OPT_STRING, &s_endpoint, "tcp://127.0.0.1:7101", 0, 0,
      "request endpoint of the service under load" },
    { "method", NULL, HT_OPT_STRING, &s_method, NULL, 0, 0,
      "register, get, award, disburse, open-case, get-case or events" },
    { "clients", NULL, HT_OPT_INT, &s_clients, "8", 1, S_MAX_CLIENTS,
      "requests kept in flight, like pgbench's clients" },
    { "connections", NULL, HT_OPT_INT, &s_connections, "0", 0, S_MAX_LANES,
      "DEALER connections the clients share (0: one per 8 clients)" },
    { "seconds", NULL, HT_OPT_INT, &s_seconds, "10", 1, 86400, "length of the measured window" },
    { "warmup", NULL, HT_OPT_INT, &s_warmup, "1", 0, 3600,
      "seconds of load before the measured window, not counted" },
    { "preload", NULL, HT_OPT_INT, &s_preload, "1000", 1, 10000000,
      "entities prepared first: organizations `get` reads, applications `award` "
      "awards, cases `get-case` reads" },
    { "timeout", NULL, HT_OPT_INT, &s_timeout_ms, "5000", 100, 600000,
      "milliseconds a request may wait for its reply before it counts as DEADLINE_EXCEEDED" },
    { "cert", "HETAO_CERT", HT_OPT_STRING, &s_cert, NULL, 0, 0,
      "the client's CURVE certificate (secret in <file>_secret)" },
    { "server-key", "HETAO_SERVER_KEY", HT_OPT_STRING, &s_server_key_arg, NULL, 0, 0,
      "the service's public key, Z85 or its certificate file" },
    { "registry-endpoint", NULL, HT_OPT_STRING, &s_registry_endpoint, NULL, 0, 0,
      "the registry, where award, disburse and the customs methods register their "
      "organizations (default: --endpoint)" },
    { "registry-server-key", NULL, HT_OPT_STRING, &s_registry_key_arg, NULL, 0, 0,
      "the registry's public key (default: --server-key)" },
    { "reviewer-cert", NULL, HT_OPT_STRING, &s_reviewer_cert, NULL, 0, 0,
      "certificate of a principal with the reviewer role (award, disburse)" },
    { "events-endpoint", NULL, HT_OPT_STRING, &s_events_endpoint, NULL, 0, 0,
      "the registry's event socket (events)" },
    { "arrivals", NULL, HT_OPT_STRING, &s_arrivals_path, NULL, 0, 0,
      "events: write `sequence,arrival` (wall-clock microseconds) of every event "
      "counted to this file, so that its delay can be taken from its commit" },
    { "rate", NULL, HT_OPT_INT, &s_rate, "1000", 1, 100000,
      "registrations a second that `events` sends" },
    { "ready-file", NULL, HT_OPT_STRING, &s_ready_file, NULL, 0, 0,
      "create this file when prepared, then wait for SIGUSR1 before the load" },
    { "json", NULL, HT_OPT_BOOL, &s_json, "false", 0, 0,
      "print one JSON object on stdout (the summary goes to stderr)" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Run identity and Unified Social Credit Codes (GB 32100-2015)

static char s_run_division [7];         //  "44" and four random digits
static char s_run_prefix [4];           //  three random USCC characters
static char s_run_id [12];
static uint64_t s_next_number;          //  organizations registered in this run
static uint64_t s_next_key;             //  idempotency keys made in this run

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
//  Reply arena: protobuf-c allocates what it decodes here; reset per reply

static uint8_t *s_arena;
static size_t s_arena_used;

static void *
s_arena_alloc (void *data, size_t size)
{
    (void) data;
    size = (size + 15) & ~(size_t) 15;
    if (size > S_ARENA_BYTES - s_arena_used)
        return NULL;                //  unpack then fails: counted as an undecodable reply
    void *block = s_arena + s_arena_used;
    s_arena_used += size;
    return block;
}

static void
s_arena_free (void *data, void *pointer)
{
    (void) data;
    (void) pointer;
}

static ProtobufCAllocator s_allocator = { s_arena_alloc, s_arena_free, NULL };

//  Decodes `reply`'s payload as `descriptor`'s message into the arena; NULL
//  when the reply is not OK or the payload does not decode.
static void *
s_payload (const Hetao__V1__Reply *reply, const ProtobufCMessageDescriptor *descriptor)
{
    if (reply->status != HETAO__V1__STATUS__OK)
        return NULL;
    return protobuf_c_message_unpack (descriptor, &s_allocator, reply->payload.len, reply->payload.data);
}

//  ---------------------------------------------------------------------------
//  Latency histogram and statistics

typedef struct {
    uint64_t ok, errors;
    uint64_t ok_all;                //  OK replies since the load began, warm-up included
    uint64_t replies_all;           //  every reply since the load began
    int64_t sum_us, max_us;
    uint64_t by_status [S_STATUS_SLOTS];
    char first_error [S_STATUS_SLOTS][200];
    uint64_t histogram [S_BUCKETS];
} stats_t;

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

static void
s_stats_latency (stats_t *self, int64_t us)
{
    if (us < 0)
        us = 0;
    self->sum_us += us;
    if (us > self->max_us)
        self->max_us = us;
    self->histogram [s_bucket ((uint64_t) us)]++;
}

static void
s_stats_error (stats_t *self, int status, const char *message)
{
    int slot = status >= 0 && status < S_STATUS_SLOTS - 1? status: S_STATUS_SLOTS - 1;
    self->errors++;
    if (self->by_status [slot]++ == 0)
        snprintf (self->first_error [slot], sizeof self->first_error [slot], "%s",
                  message && *message? message: "(no message)");
}

//  ---------------------------------------------------------------------------
//  Lanes and clients: the pipelined engine
//
//  A lane is one DEALER connection. A client (slot) has at most one request
//  in flight, on its lane; its request id is "<run>.<slot>.<seq>", so a reply
//  finds its slot without a search, and a late reply (seq no longer the
//  slot's) is dropped.

typedef struct {
    zsock_t *socket;
    void *handle;
} lane_t;

typedef struct _slot_t slot_t;

typedef struct {
    //  Sends the slot's next request (s_send); false when nothing is left.
    bool (*next) (slot_t *slot);
    //  Takes the reply to the slot's request; its payload decodes into the arena.
    void (*done) (slot_t *slot, const Hetao__V1__Reply *reply);
} workload_t;

struct _slot_t {
    int index;
    lane_t *lane;
    bool busy;
    uint64_t seq;                   //  of the request in flight
    int64_t sent_us;
    const char *method;             //  of the request in flight
    int step;                       //  where a multi-request workload is
    uint64_t item;                  //  what the request works on
    char id [37];                   //  an id carried from one step to the next
};

typedef struct {
    lane_t lanes [S_MAX_LANES];
    int n_lanes;
    slot_t *slots;
    int n_slots;
    uint64_t seq;                   //  last request number given
    int busy;                       //  slots with a request in flight
    uint8_t payload [S_FRAME_MAX];
    uint8_t frame [S_FRAME_MAX];
} engine_t;

static lane_t *
s_lane_open (lane_t *lane, const char *endpoint, const char *cert, const char *server_key)
{
    lane->socket = zsock_new (ZMQ_DEALER);
    assert (lane->socket);
    //  As ht_client: nothing queued for a connection that is not up, no
    //  linger at exit, high-water marks above any number of clients this
    //  tool keeps in flight, and a cap on what a reply may be.
    zsock_set_immediate (lane->socket, 1);
    zsock_set_linger (lane->socket, 0);
    zsock_set_sndhwm (lane->socket, 2 * S_MAX_CLIENTS);
    zsock_set_rcvhwm (lane->socket, 2 * S_MAX_CLIENTS);
    zsock_set_maxmsgsize (lane->socket, 64 * 1024 * 1024);
    zsock_set_heartbeat_ivl (lane->socket, 5000);
    zsock_set_heartbeat_timeout (lane->socket, 15000);
    if (!ht_client_curve (lane->socket, cert, server_key)) {
        fprintf (stderr, "hetao-bench: cannot load the certificate %s\n", cert? cert: "(none)");
        exit (2);
    }
    if (zsock_connect (lane->socket, "%s", endpoint) != 0) {
        fprintf (stderr, "hetao-bench: cannot connect to %s\n", endpoint);
        exit (2);
    }
    lane->handle = zsock_resolve (lane->socket);
    return lane;
}

//  An engine of `clients` slots over `connections` lanes to `endpoint`.
//  False (with the reason on stderr) when a lane does not connect within
//  the timeout: with ZMQ_IMMEDIATE a lane is writable once its CURVE
//  handshake is done.
static bool
s_engine_open (engine_t *self, int clients, int connections, const char *endpoint,
               const char *cert, const char *server_key)
{
    memset (self, 0, offsetof (engine_t, payload));
    self->n_lanes = connections < clients? connections: clients;
    for (int l = 0; l < self->n_lanes; l++)
        s_lane_open (&self->lanes [l], endpoint, cert, server_key);
    self->slots = calloc ((size_t) clients, sizeof *self->slots);
    assert (self->slots);
    self->n_slots = clients;
    for (int c = 0; c < clients; c++) {
        self->slots [c].index = c;
        self->slots [c].lane = &self->lanes [c % self->n_lanes];
    }
    int64_t until = ht_mono_us () + (int64_t) s_timeout_ms * 1000;
    for (int l = 0; l < self->n_lanes; l++) {
        zmq_pollitem_t item = { self->lanes [l].handle, 0, ZMQ_POLLOUT, 0 };
        while (!(zmq_poll (&item, 1, 10) > 0 && (item.revents & ZMQ_POLLOUT)))
            if (ht_mono_us () > until) {
                fprintf (stderr, "hetao-bench: no connection to %s within %d ms: is the service "
                         "running, and is this client's key admitted?\n", endpoint, s_timeout_ms);
                return false;
            }
    }
    return true;
}

static void
s_engine_close (engine_t *self)
{
    for (int l = 0; l < self->n_lanes; l++)
        zsock_destroy (&self->lanes [l].socket);
    free (self->slots);
    self->slots = NULL;
}

static engine_t *s_engine;          //  the engine s_send sends on (one at a time)

//  Sends `method` with `request` (NULL: empty payload) for `slot`. A
//  mutating method needs `key`; it is the request's idempotency key.
static void
s_send (slot_t *slot, const char *method, const char *key, const ProtobufCMessage *request)
{
    engine_t *engine = s_engine;
    size_t size = request? protobuf_c_message_get_packed_size (request): 0;
    assert (size <= sizeof engine->payload / 2);
    if (request)
        protobuf_c_message_pack (request, engine->payload);
    char request_id [48];
    slot->seq = ++engine->seq;
    snprintf (request_id, sizeof request_id, "%s.%d.%llu", s_run_id, slot->index,
              (unsigned long long) slot->seq);
    Hetao__V1__Request envelope = HETAO__V1__REQUEST__INIT;
    envelope.request_id = request_id;
    envelope.method = (char *) method;
    envelope.idempotency_key = (char *) key;
    envelope.has_payload = true;
    envelope.payload.data = engine->payload;
    envelope.payload.len = size;
    size_t frame_size = hetao__v1__request__get_packed_size (&envelope);
    assert (frame_size <= sizeof engine->frame);
    hetao__v1__request__pack (&envelope, engine->frame);
    slot->method = method;
    slot->busy = true;
    engine->busy++;
    slot->sent_us = ht_mono_us ();
    //  No delimiter frame: a DEALER may omit it, and its reply then comes as one frame.
    int rc = zmq_send (slot->lane->handle, engine->frame, frame_size, 0);
    assert (rc == (int) frame_size);
    (void) rc;
}

//  A fresh idempotency key in `key`.
static const char *
s_key (char key [48])
{
    snprintf (key, 48, "bench-%s-%llu", s_run_id, (unsigned long long) ++s_next_key);
    return key;
}

//  The slot a reply's request id names, or NULL when it is not (or no
//  longer) one of ours in flight.
static slot_t *
s_slot_of (engine_t *self, const char *request_id)
{
    size_t prefix = strlen (s_run_id);
    if (!request_id || strncmp (request_id, s_run_id, prefix) || request_id [prefix] != '.')
        return NULL;
    char *end;
    unsigned long index = strtoul (request_id + prefix + 1, &end, 10);
    if (*end != '.' || index >= (unsigned long) self->n_slots)
        return NULL;
    unsigned long long seq = strtoull (end + 1, &end, 10);
    slot_t *slot = &self->slots [index];
    return *end == 0 && slot->busy && slot->seq == seq? slot: NULL;
}

//  What the engine runs.
typedef struct {
    const workload_t *workload;
    stats_t *stats;                 //  NULL: only count errors into `failures`
    int64_t from_us, until_us;      //  the measured window (0, 0: run until done)
    bool closed;                    //  a client sends again as soon as it has its reply
    int64_t interval_us;            //  open loop: one request per interval (events)
    zsock_t *extra;                 //  another socket to read (the subscriber)
    void (*on_extra) (zsock_t *socket);
    uint64_t failures;              //  replies other than OK
    char first_failure [300];
    int64_t exhausted_us;           //  when a client first had nothing left to send
    double cpu_from, cpu_until;     //  this process's CPU seconds at the window's edges
} run_t;

static double
s_cpu_seconds (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return (double) usage.ru_utime.tv_sec + (double) usage.ru_utime.tv_usec / 1e6
         + (double) usage.ru_stime.tv_sec + (double) usage.ru_stime.tv_usec / 1e6;
}

//  Takes one reply frame off a lane.
static void
s_engine_reply (engine_t *self, run_t *run, zmq_msg_t *msg)
{
    s_arena_used = 0;
    Hetao__V1__Reply *reply = hetao__v1__reply__unpack (&s_allocator, zmq_msg_size (msg), zmq_msg_data (msg));
    if (!reply)
        return;                     //  not a reply: nothing to match it to
    slot_t *slot = s_slot_of (self, reply->request_id);
    if (!slot)
        return;                     //  a reply to a request already given up
    int64_t end = ht_mono_us ();
    slot->busy = false;
    self->busy--;
    bool ok = reply->status == HETAO__V1__STATUS__OK;
    if (run->stats) {
        run->stats->replies_all++;
        if (ok)
            run->stats->ok_all++;
        if (end >= run->from_us && end < run->until_us) {
            if (ok) {
                run->stats->ok++;
                s_stats_latency (run->stats, end - slot->sent_us);
            }
            else
                s_stats_error (run->stats, reply->status, reply->message);
        }
    }
    if (!ok && run->failures++ == 0)
        snprintf (run->first_failure, sizeof run->first_failure, "%s: %s: %s", slot->method,
                  ht_status_name ((int) reply->status),
                  reply->message && *reply->message? reply->message: "(no message)");
    run->workload->done (slot, reply);
}

//  Gives up on requests older than the timeout: each counts as
//  DEADLINE_EXCEEDED and frees its slot (a late reply is then dropped).
static void
s_engine_expire (engine_t *self, run_t *run)
{
    int64_t now = ht_mono_us ();
    for (int c = 0; c < self->n_slots; c++) {
        slot_t *slot = &self->slots [c];
        if (!slot->busy || now - slot->sent_us < (int64_t) s_timeout_ms * 1000)
            continue;
        slot->busy = false;
        self->busy--;
        char message [120];
        snprintf (message, sizeof message, "%s: no reply within %d ms", slot->method, s_timeout_ms);
        if (run->stats) {
            run->stats->replies_all++;
            if (now >= run->from_us && now < run->until_us)
                s_stats_error (run->stats, HT_DEADLINE_EXCEEDED, message);
        }
        if (run->failures++ == 0)
            snprintf (run->first_failure, sizeof run->first_failure, "%s", message);
        slot->step = 0;             //  a multi-request workload starts its cycle again
    }
}

//  Runs `run` on the engine: closed loop until `until_us` (or, with no
//  window, until every client has nothing left to send), or open loop at
//  one request per `interval_us`; then waits for the replies in flight.
static void
s_engine_run (engine_t *self, run_t *run)
{
    s_engine = self;
    bool windowed = run->until_us > 0;
    bool sending = true;
    int64_t next_send = ht_mono_us ();
    if (run->closed)
        for (int c = 0; c < self->n_slots; c++)
            if (!run->workload->next (&self->slots [c])) {
                self->slots [c].step = -1;
                if (!run->exhausted_us)
                    run->exhausted_us = ht_mono_us ();
            }
    zmq_pollitem_t items [S_MAX_LANES + 1];
    struct pollfd fds [S_MAX_LANES + 1];
    for (int l = 0; l < self->n_lanes; l++)
        items [l] = (zmq_pollitem_t) { self->lanes [l].handle, 0, ZMQ_POLLIN, 0 };
    int n_items = self->n_lanes;
    if (run->extra)
        items [n_items++] = (zmq_pollitem_t) { zsock_resolve (run->extra), 0, ZMQ_POLLIN, 0 };
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    int64_t last_expire = ht_mono_us ();
    while (true) {
        int64_t now = ht_mono_us ();
        if (windowed && !run->cpu_from && now >= run->from_us)
            run->cpu_from = s_cpu_seconds ();
        if (windowed && !run->cpu_until && now >= run->until_us)
            run->cpu_until = s_cpu_seconds ();
        if (windowed && now >= run->until_us)
            sending = false;
        if (!sending && self->busy == 0)
            break;
        if (!windowed && run->closed && self->busy == 0)
            break;                  //  a batch: every client is done
        //  Open loop: send what is due, on a free client.
        long timeout_ms = 100;
        if (sending && run->interval_us) {
            bool blocked = false;
            while (now >= next_send && sending && !blocked) {
                slot_t *free_slot = NULL;
                for (int c = 0; c < self->n_slots && !free_slot; c++)
                    if (!self->slots [c].busy)
                        free_slot = &self->slots [c];
                blocked = !free_slot;       //  every client waits: send when a reply frees one
                if (free_slot && !run->workload->next (free_slot))
                    sending = false;
                if (free_slot)
                    next_send += run->interval_us;
            }
            //  zmq_poll waits whole milliseconds: wake at or just after the
            //  next send is due (never spin), and send all that are due then.
            int64_t wait = next_send - ht_mono_us ();
            if (!blocked)
                timeout_ms = wait <= 0? 0: (long) ((wait + 999) / 1000);
        }
        if (windowed && sending) {
            int64_t edge = ht_mono_us () < run->from_us? run->from_us: run->until_us;
            int64_t left = (edge - ht_mono_us ()) / 1000 + 1;
            if (left < timeout_ms)
                timeout_ms = left < 0? 0: (long) left;
        }
        int rc = ht_poll (items, fds, n_items, timeout_ms);
        if (rc < 0 && errno != EINTR)
            break;
        for (int l = 0; rc > 0 && l < self->n_lanes; l++) {
            if (!(items [l].revents & ZMQ_POLLIN))
                continue;
            while (zmq_msg_recv (&msg, self->lanes [l].handle, ZMQ_DONTWAIT) >= 0) {
                if (zmq_msg_size (&msg) == 0 && zmq_msg_more (&msg))
                    continue;       //  a delimiter frame (there should be none)
                s_engine_reply (self, run, &msg);
            }
        }
        if (run->extra && rc > 0 && (items [n_items - 1].revents & ZMQ_POLLIN))
            run->on_extra (run->extra);
        //  Clients whose reply came send again (closed loop).
        if (run->closed && sending)
            for (int c = 0; c < self->n_slots; c++) {
                slot_t *slot = &self->slots [c];
                if (!slot->busy && slot->step >= 0 && !run->workload->next (slot)) {
                    slot->step = -1;        //  nothing left for this client
                    if (!run->exhausted_us)
                        run->exhausted_us = ht_mono_us ();
                }
            }
        if (ht_mono_us () - last_expire > 100000) {
            s_engine_expire (self, run);
            last_expire = ht_mono_us ();
        }
    }
    zmq_msg_close (&msg);
}

//  Batches: items 0..count-1, handed to the clients one at a time.
static uint64_t s_batch_next, s_batch_count;

//  Gives `slot` the batch's next item; false when none is left.
static bool
s_take (slot_t *slot)
{
    if (s_batch_next >= s_batch_count)
        return false;
    slot->item = s_batch_next++;
    return true;
}

//  Runs `workload` as a batch of `count` items (each in a slot's `item`,
//  given by s_take), with every client busy, until each item has had its
//  request and reply. False, with the first failure on stderr, when any
//  reply was not OK.
static bool
s_batch (engine_t *engine, const workload_t *workload, uint64_t count, const char *what)
{
    s_batch_next = 0;
    s_batch_count = count;
    for (int c = 0; c < engine->n_slots; c++)
        engine->slots [c].step = 0;
    run_t run = { .workload = workload, .closed = true };
    s_engine_run (engine, &run);
    if (run.failures) {
        fprintf (stderr, "hetao-bench: preparing %s: %llu failed; first: %s\n", what,
                 (unsigned long long) run.failures, run.first_failure);
        return false;
    }
    return true;
}

//  ---------------------------------------------------------------------------
//  Registry requests

static void
s_register (slot_t *slot, uint64_t number)
{
    char uscc [19], key [48], name [64];
    s_uscc (number, uscc);
    snprintf (key, sizeof key, "bench-%s-org-%llu", s_run_id, (unsigned long long) number);
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
    s_send (slot, "registry.RegisterOrganization", key, &request.base);
}

//  A new organization number, or false when the run has used them all.
static bool
s_number (uint64_t *number)
{
    if (s_next_number >= S_NUMBERS)
        return false;
    *number = s_next_number++;
    return true;
}

static bool
s_register_next (slot_t *slot)
{
    uint64_t number;
    if (!s_number (&number))
        return false;
    s_register (slot, number);
    return true;
}

static void
s_nothing (slot_t *slot, const Hetao__V1__Reply *reply)
{
    (void) slot;
    (void) reply;
}

static const workload_t s_register_load = { s_register_next, s_nothing };

//  Ids the loads work on: organizations, projects, applications, awards, cases.
typedef struct {
    char (*ids) [37];
    size_t count, size;
} ids_t;

static ids_t s_orgs, s_projects, s_applications, s_awards, s_cases;

//  Makes room for `count` ids, all empty.
static void
s_ids_size (ids_t *self, size_t count)
{
    free (self->ids);
    self->ids = calloc (count? count: 1, sizeof *self->ids);
    assert (self->ids);
    self->size = count;
    self->count = 0;
}

//  Sets id `index` (made room for by s_ids_size), counting it.
static void
s_ids_set (ids_t *self, size_t index, const char *id)
{
    if (!id || index >= self->size)
        return;
    if (!self->ids [index][0])
        self->count++;
    snprintf (self->ids [index], sizeof self->ids [0], "%s", id);
}

static void
s_ids_keep (ids_t *self, const char *id)
{
    if (!id)
        return;
    if (self->count == self->size) {
        self->size = self->size? 2 * self->size: 64;
        self->ids = realloc (self->ids, self->size * sizeof *self->ids);
        assert (self->ids);
    }
    snprintf (self->ids [self->count++], sizeof self->ids [0], "%s", id);
}

static uint64_t s_rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
s_random (void)
{
    //  xorshift64*: cheap; the engine is one thread.
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}

static const char *
s_pick (const ids_t *ids)
{
    return ids->ids [s_random () % ids->count];
}

//  Organizations registered by a batch: their ids go to s_orgs.
static void
s_org_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    (void) slot;
    Hetao__V1__OrganizationReply *org = s_payload (reply, &hetao__v1__organization_reply__descriptor);
    if (org && org->organization)
        s_ids_keep (&s_orgs, org->organization->id);
}

static bool
s_org_next (slot_t *slot)
{
    return s_take (slot) && s_register_next (slot);
}

static const workload_t s_org_batch = { s_org_next, s_org_done };

static bool
s_get_next (slot_t *slot)
{
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    request.id = (char *) s_pick (&s_orgs);
    s_send (slot, "registry.GetOrganization", NULL, &request.base);
    return true;
}

static const workload_t s_get_load = { s_get_next, s_nothing };

//  Reads up to --preload ids of organizations the registry already has.
static void
s_list_orgs (const char *endpoint, const char *server_key)
{
    ht_client_options_t options = { .deadline_ms = s_timeout_ms, .attempts = 3,
                                    .cert = s_cert, .server_key = server_key };
    ht_client_t *client = ht_client_new (endpoint, &options);
    assert (client);
    char token [37] = "";
    while (s_orgs.count < (size_t) s_preload) {
        Hetao__V1__ListOrganizationsRequest request = HETAO__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
        request.has_page_size = true;
        request.page_size = 500;
        request.page_token = *token? token: NULL;
        Hetao__V1__Reply *reply = ht_client_call (client, "registry.ListOrganizations", NULL, &request.base);
        Hetao__V1__ListOrganizationsReply *page = reply->status == HETAO__V1__STATUS__OK
            ? hetao__v1__list_organizations_reply__unpack (NULL, reply->payload.len, reply->payload.data): NULL;
        bool more = page && page->next_page_token;
        for (size_t i = 0; page && i < page->n_organizations && s_orgs.count < (size_t) s_preload; i++)
            s_ids_keep (&s_orgs, page->organizations [i]->id);
        if (more)
            snprintf (token, sizeof token, "%s", page->next_page_token);
        if (page)
            hetao__v1__list_organizations_reply__free_unpacked (page, NULL);
        hetao__v1__reply__free_unpacked (reply, NULL);
        if (!more)
            break;
    }
    ht_client_destroy (&client);
}

static bool
s_project_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    char title [64], key [48];
    snprintf (title, sizeof title, "Bench project %s %llu", s_run_id, (unsigned long long) slot->item);
    Hetao__V1__RegisterProjectRequest request = HETAO__V1__REGISTER_PROJECT_REQUEST__INIT;
    request.title_en = title;
    request.lead_organization_id = s_orgs.ids [slot->item];
    request.has_origin = true;
    request.origin = HETAO__V1__PROJECT_ORIGIN__PROJECT_ORIGIN_PARK_PLATFORM;
    request.has_sector = true;
    request.sector = HETAO__V1__SECTOR__SECTOR_QUANTUM_TECHNOLOGY;
    s_send (slot, "registry.RegisterProject", s_key (key), &request.base);
    return true;
}

static void
s_project_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    (void) slot;
    Hetao__V1__ProjectReply *project = s_payload (reply, &hetao__v1__project_reply__descriptor);
    if (project && project->project)
        s_ids_set (&s_projects, slot->item, project->project->id);
}

static const workload_t s_project_batch = { s_project_next, s_project_done };

//  Registers `count` organizations at the registry (for funding and customs,
//  or the rest of `get`'s preload) and, when `projects` is set, a project
//  led by each of them: project i is led by organization i.
static bool
s_prepare_parties (size_t count, bool projects)
{
    engine_t *registry = calloc (1, sizeof *registry);
    assert (registry);
    size_t before = s_orgs.count;
    bool ok = s_engine_open (registry, 8, 2, s_registry_endpoint, s_cert, s_registry_key)
           && s_batch (registry, &s_org_batch, count, "organizations")
           && s_orgs.count == before + count;
    if (ok && projects) {
        s_ids_size (&s_projects, s_orgs.count);
        ok = s_batch (registry, &s_project_batch, s_orgs.count, "projects")
          && s_projects.count == s_orgs.count;
    }
    s_engine_close (registry);
    free (registry);
    return ok;
}

//  ---------------------------------------------------------------------------
//  Funding: a programme, a call, approved applications, awards, disbursements

static char s_programme [37];
static char s_call [37];
static int64_t s_application_fen;       //  amount of each application prepared
static size_t s_next_application;       //  the next approved application `award` awards

static Hetao__V1__Money *
s_money (Hetao__V1__Money *money, int64_t fen)
{
    hetao__v1__money__init (money);
    money->currency = "CNY";
    money->has_minor_units = true;
    money->minor_units = fen;
    return money;
}

static bool
s_programme_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    char name [64], key [48];
    snprintf (name, sizeof name, "Bench programme %s", s_run_id);
    Hetao__V1__Money budget;
    Hetao__V1__CreateProgrammeRequest request = HETAO__V1__CREATE_PROGRAMME_REQUEST__INIT;
    request.name = name;
    request.agency_id = s_orgs.ids [0];
    //  Twice what every prepared application asks: no award is ever short.
    request.budget = s_money (&budget, 2 * s_application_fen * (int64_t) s_applications.size);
    request.starts_on = "2026-01-01";
    request.ends_on = "2036-01-01";
    s_send (slot, "funding.CreateProgramme", s_key (key), &request.base);
    return true;
}

static void
s_programme_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    (void) slot;
    Hetao__V1__ProgrammeReply *programme = s_payload (reply, &hetao__v1__programme_reply__descriptor);
    if (programme && programme->programme && programme->programme->id)
        snprintf (s_programme, sizeof s_programme, "%s", programme->programme->id);
}

static bool
s_call_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    char name [64], key [48];
    snprintf (name, sizeof name, "Bench round %s", s_run_id);
    Hetao__V1__OpenCallRequest request = HETAO__V1__OPEN_CALL_REQUEST__INIT;
    request.programme_id = s_programme;
    request.name = name;
    request.has_opens_at_us = request.has_closes_at_us = true;
    request.opens_at_us = ht_now_us () - 3600LL * 1000000;
    request.closes_at_us = ht_now_us () + 7 * 86400LL * 1000000;
    s_send (slot, "funding.OpenCall", s_key (key), &request.base);
    return true;
}

static void
s_call_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    (void) slot;
    Hetao__V1__CallReply *call = s_payload (reply, &hetao__v1__call_reply__descriptor);
    if (call && call->call && call->call->id)
        snprintf (s_call, sizeof s_call, "%s", call->call->id);
}

static bool
s_application_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    char key [48];
    size_t party = slot->item % s_projects.size;
    Hetao__V1__Money amount, line_amount;
    Hetao__V1__BudgetLine line = HETAO__V1__BUDGET_LINE__INIT, *lines [] = { &line };
    line.has_category = true;
    line.category = HETAO__V1__BUDGET_CATEGORY__BUDGET_CATEGORY_PERSONNEL;
    line.amount = s_money (&line_amount, s_application_fen);
    Hetao__V1__CreateApplicationRequest request = HETAO__V1__CREATE_APPLICATION_REQUEST__INIT;
    request.call_id = s_call;
    request.organization_id = s_orgs.ids [party];
    request.project_id = s_projects.ids [party];
    request.amount = s_money (&amount, s_application_fen);
    request.n_breakdown = 1;
    request.breakdown = lines;
    s_send (slot, "funding.CreateApplication", s_key (key), &request.base);
    return true;
}

static void
s_application_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    Hetao__V1__ApplicationReply *application = s_payload (reply, &hetao__v1__application_reply__descriptor);
    if (application && application->application)
        s_ids_set (&s_applications, slot->item, application->application->id);
}

//  Submit or approve application `item`.
static bool
s_application_act (slot_t *slot, const char *method)
{
    if (!s_take (slot))
        return false;
    char key [48];
    Hetao__V1__ApplicationActionRequest request = HETAO__V1__APPLICATION_ACTION_REQUEST__INIT;
    request.id = s_applications.ids [slot->item];
    s_send (slot, method, s_key (key), &request.base);
    return true;
}

static bool
s_submit_next (slot_t *slot)
{
    return s_application_act (slot, "funding.SubmitApplication");
}

static bool
s_approve_next (slot_t *slot)
{
    return s_application_act (slot, "funding.ApproveApplication");
}

static bool
s_review_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    char key [48];
    Hetao__V1__ReviewApplicationRequest request = HETAO__V1__REVIEW_APPLICATION_REQUEST__INIT;
    request.application_id = s_applications.ids [slot->item];
    request.has_score = true;
    request.score = 8;
    request.comment = "Sound plan, capable team.";
    s_send (slot, "funding.ReviewApplication", s_key (key), &request.base);
    return true;
}

//  MakeAward of application `id` for its whole amount, in one tranche.
static void
s_award (slot_t *slot, const char *id)
{
    char key [48];
    Hetao__V1__Money amount, tranche_amount;
    Hetao__V1__Tranche tranche = HETAO__V1__TRANCHE__INIT, *tranches [] = { &tranche };
    tranche.due_on = "2027-06-30";
    tranche.amount = s_money (&tranche_amount, s_application_fen);
    Hetao__V1__MakeAwardRequest request = HETAO__V1__MAKE_AWARD_REQUEST__INIT;
    request.application_id = (char *) id;
    request.amount = s_money (&amount, s_application_fen);
    request.n_tranches = 1;
    request.tranches = tranches;
    s_send (slot, "funding.MakeAward", s_key (key), &request.base);
}

static bool
s_award_batch_next (slot_t *slot)
{
    if (!s_take (slot))
        return false;
    s_award (slot, s_applications.ids [slot->item]);
    return true;
}

static void
s_award_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    Hetao__V1__AwardReply *award = s_payload (reply, &hetao__v1__award_reply__descriptor);
    if (award && award->award)
        s_ids_set (&s_awards, slot->item, award->award->id);
}

//  The `award` load: each approved application once, then nothing.
static bool
s_award_next (slot_t *slot)
{
    if (s_next_application >= s_applications.size)
        return false;
    s_award (slot, s_applications.ids [s_next_application++]);
    return true;
}

static const workload_t s_award_load = { s_award_next, s_nothing };

//  The `disburse` load: request, approve, pay, on a random award.
static bool
s_disburse_next (slot_t *slot)
{
    char key [48];
    if (slot->step == 0) {
        Hetao__V1__Money amount;
        Hetao__V1__RequestDisbursementRequest request = HETAO__V1__REQUEST_DISBURSEMENT_REQUEST__INIT;
        request.award_id = (char *) s_pick (&s_awards);
        request.amount = s_money (&amount, S_PAYMENT_FEN);
        s_send (slot, "funding.RequestDisbursement", s_key (key), &request.base);
    }
    else {
        Hetao__V1__DisbursementActionRequest request = HETAO__V1__DISBURSEMENT_ACTION_REQUEST__INIT;
        request.id = slot->id;
        s_send (slot, slot->step == 1? "funding.ApproveDisbursement": "funding.PayDisbursement",
                s_key (key), &request.base);
    }
    return true;
}

static void
s_disburse_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    if (reply->status != HETAO__V1__STATUS__OK) {
        slot->step = 0;
        return;
    }
    if (slot->step == 0) {
        Hetao__V1__DisbursementReply *d = s_payload (reply, &hetao__v1__disbursement_reply__descriptor);
        if (!d || !d->disbursement || !d->disbursement->id)
            return;
        snprintf (slot->id, sizeof slot->id, "%s", d->disbursement->id);
    }
    slot->step = (slot->step + 1) % 3;
}

static const workload_t s_disburse_load = { s_disburse_next, s_disburse_done };

//  Organizations and projects at the registry; a programme, a call and
//  `count` approved applications of `fen` each at funding.
static bool
s_prepare_funding (size_t count, int64_t fen)
{
    if (!s_reviewer_cert) {
        fprintf (stderr, "hetao-bench: %s needs --reviewer-cert (a principal with the reviewer role)\n",
                 s_method);
        return false;
    }
    if (!s_prepare_parties (S_PARTIES, true))
        return false;
    s_application_fen = fen;
    s_ids_size (&s_applications, count);
    engine_t *funding = calloc (1, sizeof *funding), *reviewer = calloc (1, sizeof *reviewer);
    assert (funding && reviewer);
    bool ok = s_engine_open (funding, 8, 2, s_endpoint, s_cert, s_server_key)
           && s_engine_open (reviewer, 8, 2, s_endpoint, s_reviewer_cert, s_server_key)
           && s_batch (funding, &(workload_t) { s_programme_next, s_programme_done }, 1, "the programme")
           && s_batch (funding, &(workload_t) { s_call_next, s_call_done }, 1, "the call")
           && s_batch (funding, &(workload_t) { s_application_next, s_application_done }, count,
                       "applications")
           && s_applications.count == count
           && s_batch (funding, &(workload_t) { s_submit_next, s_nothing }, count, "submissions")
           && s_batch (reviewer, &(workload_t) { s_review_next, s_nothing }, count, "reviews")
           && s_batch (funding, &(workload_t) { s_approve_next, s_nothing }, count, "approvals");
    if (ok && !strcmp (s_method, "disburse")) {
        s_ids_size (&s_awards, count);
        ok = s_batch (funding, &(workload_t) { s_award_batch_next, s_award_done }, count, "awards")
          && s_awards.count == count;
    }
    s_engine_close (funding);
    s_engine_close (reviewer);
    free (funding);
    free (reviewer);
    if (ok)
        fprintf (stderr, "hetao-bench: prepared programme %s, call %s, %zu approved applications%s\n",
                 s_programme, s_call, count, s_awards.count? " and their awards": "");
    return ok;
}

//  ---------------------------------------------------------------------------
//  Customs: assistance cases

static bool
s_open_case_next (slot_t *slot)
{
    char key [48];
    Hetao__V1__OpenCaseRequest request = HETAO__V1__OPEN_CASE_REQUEST__INIT;
    request.organization_id = (char *) s_pick (&s_orgs);
    request.has_category = request.has_priority = true;
    request.category = HETAO__V1__CASE_CATEGORY__CASE_CATEGORY_RESEARCH_GOODS_IMPORT;
    request.priority = HETAO__V1__CASE_PRIORITY__CASE_PRIORITY_NORMAL;
    request.description = "Import of a spectrometer for the joint laboratory: which documents are needed?";
    s_send (slot, "customs.OpenCase", s_key (key), &request.base);
    return true;
}

static const workload_t s_open_case_load = { s_open_case_next, s_nothing };

static bool
s_case_batch_next (slot_t *slot)
{
    return s_take (slot) && s_open_case_next (slot);
}

static void
s_case_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    Hetao__V1__CaseReply *c = s_payload (reply, &hetao__v1__case_reply__descriptor);
    if (c && c->assistance_case)
        s_ids_set (&s_cases, slot->item, c->assistance_case->id);
}

static bool
s_get_case_next (slot_t *slot)
{
    Hetao__V1__GetCaseRequest request = HETAO__V1__GET_CASE_REQUEST__INIT;
    request.id = (char *) s_pick (&s_cases);
    s_send (slot, "customs.GetCase", NULL, &request.base);
    return true;
}

static const workload_t s_get_case_load = { s_get_case_next, s_nothing };

static bool
s_prepare_cases (size_t count)
{
    if (!s_prepare_parties (S_PARTIES, false))
        return false;
    if (count == 0)
        return true;
    s_ids_size (&s_cases, count);
    engine_t *customs = calloc (1, sizeof *customs);
    assert (customs);
    bool ok = s_engine_open (customs, 8, 2, s_endpoint, s_cert, s_server_key)
           && s_batch (customs, &(workload_t) { s_case_batch_next, s_case_done }, count, "cases")
           && s_cases.count == count;
    s_engine_close (customs);
    free (customs);
    return ok;
}

//  ---------------------------------------------------------------------------
//  Events: registrations at a fixed rate, and a CURVE subscriber

#define S_RING (1u << 20)               //  send times of the last 1M requests, by sequence

static zsock_t *s_subscriber;
static int64_t *s_sent_us;              //  by request sequence, modulo S_RING
static uint64_t *s_sent_seq;
static int64_t s_window_from, s_window_until;
static uint64_t s_events_expected;      //  registrations sent in the window and answered OK
static uint64_t s_events_received;      //  their events that arrived
static stats_t *s_commit_lag, *s_send_lag;
static FILE *s_arrivals;                //  --arrivals, written as events come

static bool
s_events_next (slot_t *slot)
{
    if (!s_register_next (slot))
        return false;
    s_sent_us [slot->seq % S_RING] = slot->sent_us;
    s_sent_seq [slot->seq % S_RING] = slot->seq;
    return true;
}

static void
s_events_done (slot_t *slot, const Hetao__V1__Reply *reply)
{
    if (reply->status == HETAO__V1__STATUS__OK
    &&  slot->sent_us >= s_window_from && slot->sent_us < s_window_until)
        s_events_expected++;
}

static const workload_t s_events_load = { s_events_next, s_events_done };

//  Takes every event waiting on the subscriber: the lag of each one whose
//  request was sent in the window.
static void
s_events_take (zsock_t *socket)
{
    void *handle = zsock_resolve (socket);
    zmq_msg_t topic, body;
    zmq_msg_init (&topic);
    zmq_msg_init (&body);
    while (zmq_msg_recv (&topic, handle, ZMQ_DONTWAIT) >= 0) {
        if (!zmq_msg_more (&topic) || zmq_msg_recv (&body, handle, 0) < 0)
            continue;
        int64_t arrival_mono = ht_mono_us (), arrival_wall = ht_now_us ();
        s_arena_used = 0;
        Hetao__V1__Event *event = hetao__v1__event__unpack (&s_allocator, zmq_msg_size (&body),
                                                             zmq_msg_data (&body));
        if (!event || !event->request_id || !event->has_occurred_at_us)
            continue;
        size_t prefix = strlen (s_run_id);
        const char *dot = strncmp (event->request_id, s_run_id, prefix)? NULL
                        : strchr (event->request_id + prefix + 1, '.');
        if (!dot)
            continue;               //  another client's registration
        uint64_t seq = strtoull (dot + 1, NULL, 10);
        if (s_sent_seq [seq % S_RING] != seq)
            continue;
        int64_t sent = s_sent_us [seq % S_RING];
        if (sent < s_window_from || sent >= s_window_until)
            continue;
        s_events_received++;
        s_stats_latency (s_commit_lag, arrival_wall - event->occurred_at_us);
        s_stats_latency (s_send_lag, arrival_mono - sent);
        s_commit_lag->ok++;
        s_send_lag->ok++;
        if (s_arrivals)
            fprintf (s_arrivals, "%" PRIu64 ",%" PRId64 "\n", event->sequence, arrival_wall);
    }
    zmq_msg_close (&topic);
    zmq_msg_close (&body);
}

static bool
s_prepare_events (void)
{
    if (!s_events_endpoint) {
        fprintf (stderr, "hetao-bench: events needs --events-endpoint (the registry's event socket)\n");
        return false;
    }
    s_sent_us = calloc (S_RING, sizeof *s_sent_us);
    s_sent_seq = calloc (S_RING, sizeof *s_sent_seq);
    s_commit_lag = calloc (1, sizeof *s_commit_lag);
    s_send_lag = calloc (1, sizeof *s_send_lag);
    assert (s_sent_us && s_sent_seq && s_commit_lag && s_send_lag);
    if (s_arrivals_path) {
        s_arrivals = fopen (s_arrivals_path, "w");
        if (!s_arrivals) {
            fprintf (stderr, "hetao-bench: cannot write %s: %s\n", s_arrivals_path, strerror (errno));
            return false;
        }
        //  About 30 bytes an event: the window's lines stay in memory until the end.
        setvbuf (s_arrivals, NULL, _IOFBF, 4 * 1024 * 1024);
    }
    s_subscriber = zsock_new (ZMQ_SUB);
    assert (s_subscriber);
    //  Room for many seconds of events: a slow pass of this tool must show
    //  as lag, not as events dropped at the high-water mark.
    zsock_set_rcvhwm (s_subscriber, 100000);
    zsock_set_linger (s_subscriber, 0);
    zsock_set_maxmsgsize (s_subscriber, 1024 * 1024);
    if (!ht_client_curve (s_subscriber, s_cert, s_registry_key))
        return false;
    zsock_set_subscribe (s_subscriber, "registry.organization.");
    if (zsock_connect (s_subscriber, "%s", s_events_endpoint) != 0) {
        fprintf (stderr, "hetao-bench: cannot connect to %s\n", s_events_endpoint);
        return false;
    }
    //  The subscription reaches the publisher once the handshake is done;
    //  the warm-up covers the rest, and only requests sent in the window count.
    zclock_sleep (200);
    return true;
}

//  ---------------------------------------------------------------------------
//  Report

//  CPU seconds of this process's ZeroMQ I/O threads ("ZMQbg/IO/n"), where
//  CURVE and the sockets' system calls run; the rest is this thread's.
static double
s_zmq_cpu_seconds (void)
{
    double seconds = 0;
    DIR *tasks = opendir ("/proc/self/task");
    struct dirent *task;
    while (tasks && (task = readdir (tasks))) {
        char path [300], comm [32] = "", stat [1024];
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", task->d_name);
        FILE *file = fopen (path, "r");
        if (!file)
            continue;
        bool zmq = fgets (comm, sizeof comm, file) && !strncmp (comm, "ZMQbg/IO", 8);
        fclose (file);
        snprintf (path, sizeof path, "/proc/self/task/%s/stat", task->d_name);
        if (!zmq || !(file = fopen (path, "r")))
            continue;
        //  utime and stime are fields 14 and 15, after the ")" that ends the name.
        unsigned long long utime, stime;
        char *after = fgets (stat, sizeof stat, file)? strrchr (stat, ')'): NULL;
        if (after && sscanf (after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                             &utime, &stime) == 2)
            seconds += (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
        fclose (file);
    }
    if (tasks)
        closedir (tasks);
    return seconds;
}

//  Prints the summary: `window_s` the seconds measured (shorter than
//  --seconds when `award` ran out of applications), `cpu_s` this process's
//  CPU time in the window, `cpu_all_s` since the load began.
static void
s_report (const stats_t *all, int connections, double window_s, double exhausted_s,
          double cpu_s, double cpu_all_s, double zmq_all_s)
{
    double rps = (double) all->ok / window_s;
    double p50 = s_quantile_ms (all->histogram, all->ok, 0.50, all->max_us);
    double p90 = s_quantile_ms (all->histogram, all->ok, 0.90, all->max_us);
    double p99 = s_quantile_ms (all->histogram, all->ok, 0.99, all->max_us);
    double max = (double) all->max_us / 1000;
    double mean = all->ok? (double) all->sum_us / (double) all->ok / 1000: 0;
    bool events = s_commit_lag != NULL;
    double c50 = 0, c99 = 0, s50 = 0, s99 = 0;
    if (events) {
        c50 = s_quantile_ms (s_commit_lag->histogram, s_commit_lag->ok, 0.50, s_commit_lag->max_us);
        c99 = s_quantile_ms (s_commit_lag->histogram, s_commit_lag->ok, 0.99, s_commit_lag->max_us);
        s50 = s_quantile_ms (s_send_lag->histogram, s_send_lag->ok, 0.50, s_send_lag->max_us);
        s99 = s_quantile_ms (s_send_lag->histogram, s_send_lag->ok, 0.99, s_send_lag->max_us);
    }

    FILE *out = s_json? stderr: stdout;
    fprintf (out, "hetao-bench %s: %d clients on %d connections, one thread, %d s measured after %d s "
             "warm-up, %s (run %s)\n", s_method, s_clients, connections, s_seconds, s_warmup,
             s_endpoint, s_run_id);
    fprintf (out, "  requests    %llu OK\n", (unsigned long long) all->ok);
    fprintf (out, "  errors      %llu\n", (unsigned long long) all->errors);
    for (int s = 0; s < S_STATUS_SLOTS; s++)
        if (all->by_status [s])
            fprintf (out, "    %-20s %llu  (first: %s)\n", s < S_STATUS_SLOTS - 1? ht_status_name (s): "OTHER",
                     (unsigned long long) all->by_status [s], all->first_error [s]);
    if (exhausted_s > 0)
        fprintf (out, "  prepared applications ran out %.2f s into the window: rates are over that time\n",
                 exhausted_s);
    fprintf (out, "  throughput  %.1f req/s\n", rps);
    fprintf (out, "  latency     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  mean %.3f ms\n",
             p50, p90, p99, max, mean);
    fprintf (out, "  client cpu  %.2f s in the window (%.1f us per request); over the whole load %.1f us "
             "per request, of which ZeroMQ's I/O thread %.1f\n", cpu_s, all->ok? cpu_s * 1e6 / (double) all->ok: 0,
             all->replies_all? cpu_all_s * 1e6 / (double) all->replies_all: 0,
             all->replies_all? zmq_all_s * 1e6 / (double) all->replies_all: 0);
    if (events) {
        fprintf (out, "  events      %llu of %llu registrations sent in the window arrived\n",
                 (unsigned long long) s_events_received, (unsigned long long) s_events_expected);
        fprintf (out, "  commit lag  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (arrival - occurred_at_us, the "
                 "database transaction's time)\n", c50, c99, (double) s_commit_lag->max_us / 1000);
        fprintf (out, "  send lag    p50 %.3f ms  p99 %.3f ms  max %.3f ms  (arrival - the request's send time)\n",
                 s50, s99, (double) s_send_lag->max_us / 1000);
    }

    if (s_json) {
        printf ("{\"method\":\"%s\",\"clients\":%d,\"connections\":%d,\"threads\":1,\"seconds\":%d,"
                "\"warmup\":%d,\"run\":\"%s\",\"requests\":%llu,\"errors\":%llu,\"rps\":%.1f,"
                "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,"
                "\"client_cpu_s\":%.3f,\"all_requests\":%llu,\"all_client_cpu_s\":%.3f,"
                "\"all_client_zmq_cpu_s\":%.3f,\"window_s\":%.3f,\"exhausted_after_s\":%.3f",
                s_method, s_clients, connections, s_seconds, s_warmup, s_run_id,
                (unsigned long long) all->ok, (unsigned long long) all->errors,
                rps, p50, p90, p99, max, mean, cpu_s,
                (unsigned long long) all->replies_all, cpu_all_s, zmq_all_s, window_s, exhausted_s);
        if (events)
            printf (",\"rate\":%d,\"events_expected\":%llu,\"events_received\":%llu,"
                    "\"commit_p50_ms\":%.3f,\"commit_p99_ms\":%.3f,\"send_p50_ms\":%.3f,\"send_p99_ms\":%.3f",
                    s_rate, (unsigned long long) s_events_expected, (unsigned long long) s_events_received,
                    c50, c99, s50, s99);
        printf (",\"errors_by_status\":{");
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
}

//  ---------------------------------------------------------------------------
//  main

typedef struct {
    const char *name;
    const workload_t *load;
    bool open_loop;
} method_t;

static const method_t s_methods [] = {
    { "register",  &s_register_load,  false },
    { "get",       &s_get_load,       false },
    { "award",     &s_award_load,     false },
    { "disburse",  &s_disburse_load,  false },
    { "open-case", &s_open_case_load, false },
    { "get-case",  &s_get_case_load,  false },
    { "events",    &s_events_load,    true },
    { NULL }
};

static bool
s_prepare (void)
{
    if (!strcmp (s_method, "get")) {
        s_list_orgs (s_endpoint, s_server_key);
        return s_orgs.count >= (size_t) s_preload
            || s_prepare_parties ((size_t) s_preload - s_orgs.count, false);
    }
    if (!strcmp (s_method, "award"))
        return s_prepare_funding ((size_t) s_preload, S_AWARD_FEN);
    if (!strcmp (s_method, "disburse"))
        return s_prepare_funding (S_AWARDS, S_BIG_AWARD_FEN);
    if (!strcmp (s_method, "open-case"))
        return s_prepare_cases (0);
    if (!strcmp (s_method, "get-case"))
        return s_prepare_cases ((size_t) s_preload);
    if (!strcmp (s_method, "events"))
        return s_prepare_events ();
    return true;
}

//  Creates --ready-file and waits for SIGUSR1 (blocked since the start).
static void
s_wait_for_go (const sigset_t *usr1)
{
    int fd = open (s_ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf (stderr, "hetao-bench: cannot create %s: %s\n", s_ready_file, strerror (errno));
        exit (1);
    }
    close (fd);
    int signal_number;
    sigwait (usr1, &signal_number);
}

int
main (int argc, char **argv)
{
    char error [256];
    switch (ht_config_parse (s_options, argc, argv, 1, NULL, 0, NULL, error, sizeof error)) {
        case HT_CONFIG_HELP:
            ht_config_usage ("Usage: hetao-bench --method register|get|award|disburse|open-case|get-case|events "
                             "[options]\n\nClosed-loop, pipelined load on a Hetao service; prints "
                             "throughput and latency.", s_options);
            return 0;
        case HT_CONFIG_ERROR:
            fprintf (stderr, "hetao-bench: %s\n", error);
            return 2;
        case HT_CONFIG_OK:
            break;
    }
    if (!ht_client_server_key (s_server_key_arg, s_server_key) || !s_cert) {
        fprintf (stderr, "hetao-bench: give --cert and --server-key (services speak only CURVE)\n");
        return 2;
    }
    if (!s_registry_endpoint)
        s_registry_endpoint = s_endpoint;
    if (!ht_client_server_key (s_registry_key_arg? s_registry_key_arg: s_server_key_arg, s_registry_key)) {
        fprintf (stderr, "hetao-bench: --registry-server-key is neither a key nor a certificate\n");
        return 2;
    }
    const method_t *method = s_methods;
    while (method->name && (!s_method || strcmp (method->name, s_method)))
        method++;
    if (!method->name) {
        fprintf (stderr, "hetao-bench: --method must be register, get, award, disburse, open-case, "
                 "get-case or events\n");
        return 2;
    }
    sigset_t usr1;
    sigemptyset (&usr1);
    sigaddset (&usr1, SIGUSR1);
    pthread_sigmask (SIG_BLOCK, &usr1, NULL);       //  before ZeroMQ starts its threads
    zsys_handler_set (NULL);
    s_arena = malloc (S_ARENA_BYTES);
    assert (s_arena);
    s_run_identity ();
    ht_random_bytes (&s_rng, sizeof s_rng);
    s_rng |= 1;                     //  xorshift never leaves zero

    if (!s_prepare ())
        return 1;
    //  One connection per 8 clients: every connection costs wake-ups of
    //  ZeroMQ's I/O thread and of this one, and more of them buy nothing.
    int connections = s_connections? s_connections: (s_clients + 7) / 8;
    engine_t *engine = calloc (1, sizeof *engine);
    assert (engine);
    if (!s_engine_open (engine, s_clients, connections, s_endpoint, s_cert, s_server_key))
        return 1;
    if (s_ready_file)
        s_wait_for_go (&usr1);

    stats_t *stats = calloc (1, sizeof *stats);
    assert (stats);
    double cpu_go = s_cpu_seconds (), zmq_go = s_zmq_cpu_seconds ();
    int64_t go = ht_mono_us ();
    run_t run = { .workload = method->load, .stats = stats, .closed = !method->open_loop };
    run.from_us = s_window_from = go + (int64_t) s_warmup * 1000000;
    run.until_us = s_window_until = run.from_us + (int64_t) s_seconds * 1000000;
    if (method->open_loop) {
        run.interval_us = 1000000 / s_rate;
        run.extra = s_subscriber;
        run.on_extra = s_events_take;
    }
    s_engine_run (engine, &run);
    if (s_subscriber) {
        //  Events of the last requests may still be on their way.
        int64_t until = ht_mono_us () + 1000000;
        while (s_events_received < s_events_expected && ht_mono_us () < until) {
            zmq_pollitem_t item = { zsock_resolve (s_subscriber), 0, ZMQ_POLLIN, 0 };
            if (zmq_poll (&item, 1, 50) > 0)
                s_events_take (s_subscriber);
        }
    }
    double cpu_all = s_cpu_seconds () - cpu_go, zmq_all = s_zmq_cpu_seconds () - zmq_go;
    double window_s = s_seconds, exhausted_s = 0;
    if (run.exhausted_us && run.exhausted_us < run.until_us) {
        exhausted_s = (double) (run.exhausted_us - run.from_us) / 1e6;
        window_s = exhausted_s > 0.001? exhausted_s: 0.001;
    }
    double cpu_window = run.cpu_until > 0? run.cpu_until - run.cpu_from: cpu_all;
    s_report (stats, engine->n_lanes, window_s, exhausted_s, cpu_window, cpu_all, zmq_all);
    bool ok = stats->ok > 0 && stats->errors == 0;
    if (s_arrivals && fclose (s_arrivals) != 0) {
        fprintf (stderr, "hetao-bench: cannot write %s: %s\n", s_arrivals_path, strerror (errno));
        ok = false;
    }
    s_engine_close (engine);
    free (engine);
    free (stats);
    zsock_destroy (&s_subscriber);
    return ok? 0: 1;
}

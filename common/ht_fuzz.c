/*  ht_fuzz - one request frame through the request path, in-process, without a database

    See ht_fuzz.h. Built only with HETAO_FUZZ, together with ht_call.c
    compiled with HT_FUZZ (the seam), ahead of hetao_common.
*/

#include "ht_fuzz.h"
#include "ht_internal.h"
#include "ht_log.h"
#include "ht_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct _ht_fuzz_t {
    ht_settings_t settings;
    ht_shared_t shared;
    ht_worker_t worker;
    char principals_path [64];
    char keys [HT_FUZZ_CALLERS][HT_KEY_TEXT];
};

//  The principals file: one line per caller that has a principal.
static const struct {
    ht_fuzz_caller_t caller;
    const char *name, *organization, *roles, *status;
} s_principals [] = {
    { HT_FUZZ_ADMIN, "admin", "-", "park_admin,finance_officer,customs_officer,applicant,"
      "reporting_reader,event_subscriber,reviewer", "active" },
    { HT_FUZZ_APPLICANT, "applicant", HT_FUZZ_ORGANIZATION, "applicant", "active" },
    { HT_FUZZ_FINANCE, "finance", "-", "finance_officer", "active" },
    { HT_FUZZ_CUSTOMS, "customs", "-", "customs_officer", "active" },
    { HT_FUZZ_READER, "reader", "-", "reporting_reader,event_subscriber", "active" },
    { HT_FUZZ_REVIEWER, "reviewer", "-", "reviewer", "active" },
    { HT_FUZZ_REVOKED, "revoked", "-", "park_admin", "revoked" },
};

static void
s_die (const char *what)
{
    fprintf (stderr, "ht_fuzz: %s\n", what);
    abort ();
}

ht_fuzz_t *
ht_fuzz_new (const ht_service_t *service)
{
    ht_fuzz_t *self = calloc (1, sizeof *self);
    if (!self)
        s_die ("out of memory");
    //  Quiet: a fuzzing run makes millions of calls.
    ht_log_init (service->name, HT_LOG_OFF);

    //  A fixed key per caller: the Z85 text of 32 bytes of its number.
    for (int caller = 0; caller < HT_FUZZ_CALLERS; caller++) {
        uint8_t key [32];
        memset (key, 'a' + caller, sizeof key);
        if (!zmq_z85_encode (self->keys [caller], key, sizeof key))
            s_die ("cannot make a key");
    }
    snprintf (self->principals_path, sizeof self->principals_path, "/tmp/hetao-fuzz-principals-XXXXXX");
    int fd = mkstemp (self->principals_path);
    FILE *file = fd >= 0? fdopen (fd, "w"): NULL;
    if (!file)
        s_die ("cannot write the principals file in /tmp");
    for (size_t i = 0; i < sizeof s_principals / sizeof s_principals [0]; i++)
        fprintf (file, "%s %s %s %s %s\n", self->keys [s_principals [i].caller], s_principals [i].name,
                 s_principals [i].organization, s_principals [i].roles, s_principals [i].status);
    fclose (file);

    //  The settings a service starts with by default, less what needs a
    //  network: no source to ask (ht_call_ask answers UNAVAILABLE), no
    //  rate limit (the fuzzer would only meet RESOURCE_EXHAUSTED).
    self->settings.bind = "tcp://127.0.0.1:0";
    self->settings.events_bind = "tcp://127.0.0.1:0";
    self->settings.db = "";
    self->settings.log_level = "off";
    self->settings.workers = 1;
    self->settings.max_request_bytes = 262144;
    self->settings.idempotency_ttl_hours = 72;
    self->settings.heartbeat_ms = 1000;
    self->settings.rate_limit = 0;

    char error [300];
    self->shared.service = service;
    self->shared.settings = &self->settings;
    self->shared.principals = ht_principals_new (self->principals_path, error, sizeof error);
    if (!self->shared.principals)
        s_die (error);
    self->shared.started_us = ht_mono_us ();
    self->worker.shared = &self->shared;
    self->worker.arena = ht_arena_new ();
    return self;
}

void
ht_fuzz_destroy (ht_fuzz_t **self_p)
{
    ht_fuzz_t *self = *self_p;
    if (self) {
        ht_arena_destroy (&self->worker.arena);
        ht_principals_destroy (&self->shared.principals);
        unlink (self->principals_path);
        free (self);
        *self_p = NULL;
    }
}

int
ht_fuzz_call (ht_fuzz_t *self, ht_fuzz_caller_t caller, const uint8_t *data, size_t size)
{
    const char *user_id = caller == HT_FUZZ_NO_KEY? NULL: self->keys [caller % HT_FUZZ_CALLERS];
    zframe_t *frame = ht__call_handle (&self->worker, user_id, data, size);

    //  What every reply must be, whatever came in.
    Hetao__V1__Reply *reply = hetao__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
    if (!reply)
        s_die ("the reply is not a hetao.v1.Reply");
    if (!reply->has_status
    ||  !protobuf_c_enum_descriptor_get_value (&hetao__v1__status__descriptor, (int) reply->status))
        s_die ("the reply has no status, or one hetao.v1.Status does not define");
    if (reply->status != HETAO__V1__STATUS__OK && (!reply->message || !*reply->message))
        s_die ("a refusal without a message");
    if (reply->request_id && *reply->request_id) {
        //  An echoed id is the one the frame carried, never invented.
        Hetao__V1__Request *request = hetao__v1__request__unpack (NULL, size, data);
        if (!request || !request->request_id || strcmp (request->request_id, reply->request_id) != 0)
            s_die ("the reply echoes a request id the request did not carry");
        hetao__v1__request__free_unpacked (request, NULL);
    }
    int status = (int) reply->status;
    hetao__v1__reply__free_unpacked (reply, NULL);
    zframe_destroy (&frame);
    return status;
}

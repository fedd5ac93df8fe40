/*  ht_system - methods every service answers: system.Health, system.ReadEvents  */

#include "ht_internal.h"
#include "ht_text.h"
#include "hetao/v1/system.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define S_READ_DEFAULT 100
#define S_READ_MAX     1000

//  Index of `stream` among the service's streams, or -1.
static int
s_stream_index (const ht_service_t *service, const char *stream)
{
    for (int i = 0; service->streams [i]; i++)
        if (!strcmp (service->streams [i], stream))
            return i;
    return -1;
}

//  Last committed sequence of `stream` in a ht_stream_positions result.
static uint64_t
s_last_sequence (const PGresult *positions, const char *stream)
{
    for (int row = 0; positions && row < PQntuples (positions); row++)
        if (!strcmp (PQgetvalue (positions, row, 0), stream))
            return strtoull (PQgetvalue (positions, row, 1), NULL, 10);
    return 0;
}

//  Answers without a database round trip, from what the relay saw at its
//  last look (at least every --heartbeat-ms): the request loop runs it itself, so
//  requests blocked in the database never keep it waiting.
static void
s_health (ht_call_t *call, const ProtobufCMessage *request)
{
    ht_worker_t *worker = ht__call_worker (call);
    const ht_shared_t *shared = worker->shared;
    ht_arena_t *arena = ht_call_arena (call);

    Hetao__V1__HealthReply reply = HETAO__V1__HEALTH_REPLY__INIT;
    reply.service = (char *) shared->service->name;
    reply.version = HT_VERSION;
    reply.has_uptime_s = true;
    reply.uptime_s = (ht_mono_us () - shared->started_us) / 1000000;
    reply.has_database_ok = true;
    //  A fuzzing build (ht_fuzz.h) runs no relay: no database, no stream known.
    reply.database_ok = shared->relay && ht__relay_database_ok (shared->relay);
    reply.events_endpoint = (char *) shared->settings->events_bind;
    reply.has_workers = true;
    reply.workers = (uint32_t) shared->settings->workers;

    int count = 0;
    while (shared->service->streams [count])
        count++;
    reply.streams = ht_arena_alloc (arena, sizeof (void *) * (size_t) count);
    for (int i = 0; i < count; i++) {
        Hetao__V1__StreamPosition *position = ht_arena_alloc (arena, sizeof *position);
        hetao__v1__stream_position__init (position);
        position->stream = (char *) shared->service->streams [i];
        bool known = false;
        if (shared->relay)
            ht__relay_position (shared->relay, i, &position->relay_active, &position->last_published,
                                &position->last_sequence, &known);
        position->has_last_sequence = known;
        position->has_relay_active = position->has_last_published = true;
        reply.streams [reply.n_streams++] = position;
    }
    ht_call_reply (call, &reply.base);
}

static void
s_read_events (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ReadEventsRequest *request = (const Hetao__V1__ReadEventsRequest *) message;
    const ht_service_t *service = ht__call_worker (call)->shared->service;
    if (!request->stream || !*request->stream) {
        ht_call_violation (call, "stream", "is required, e.g. \"%s\"", service->streams [0]);
        return;
    }
    if (s_stream_index (service, request->stream) < 0) {
        ht_call_fail (call, HT_NOT_FOUND, "stream", "the %s service has no stream '%.*s'",
                      service->name, (int) ht_utf8_prefix (request->stream, 64), request->stream);
        return;
    }
    uint32_t limit = request->has_limit? request->limit: S_READ_DEFAULT;
    if (limit < 1 || limit > S_READ_MAX) {
        ht_call_violation (call, "limit", "must be 1 to %d", S_READ_MAX);
        return;
    }
    if (request->after_sequence > INT64_MAX) {
        ht_call_violation (call, "after_sequence", "is beyond any sequence");
        return;
    }
    const char *after = ht_call_int (call, (int64_t) request->after_sequence);
    PGresult *rows = ht_call_query (call, "ht_events_read",
                                    HT_ARGS (request->stream, after, ht_call_int (call, limit)));
    PGresult *positions = ht_call_query (call, "ht_stream_positions", 0, NULL);
    if (!rows || !positions)
        return;

    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ReadEventsReply reply = HETAO__V1__READ_EVENTS_REPLY__INIT;
    int count = PQntuples (rows);
    reply.events = ht_arena_alloc (arena, sizeof (void *) * (size_t) (count + 1));
    for (int row = 0; row < count; row++) {
        Hetao__V1__Event *event = ht_arena_alloc (arena, sizeof *event);
        ht__event_from_row (event, rows, row, request->stream, arena);
        reply.events [reply.n_events++] = event;
    }
    reply.has_last_sequence = true;
    reply.last_sequence = s_last_sequence (positions, request->stream);
    ht_call_reply (call, &reply.base);
}

static void
s_read_audit (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ReadAuditRequest *request = (const Hetao__V1__ReadAuditRequest *) message;
    uint32_t limit = request->has_limit? request->limit: S_READ_DEFAULT;
    if (limit < 1 || limit > S_READ_MAX)
        ht_call_violation (call, "limit", "must be 1 to %d", S_READ_MAX);
    if (request->after_id > INT64_MAX)
        ht_call_violation (call, "after_id", "is beyond any record");
    if (request->principal_name)
        ht_call_check_text (call, "principal_name", request->principal_name, 1, HT_NAME_MAX);
    if (request->method)
        ht_call_check_text (call, "method", request->method, 1, 200);
    if (ht_call_failed (call))
        return;
    PGresult *rows = ht_call_query (call, "ht_audit_read", HT_ARGS (
        ht_call_int (call, (int64_t) request->after_id), request->principal_name, request->method,
        ht_call_int (call, limit)));
    if (!rows)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ReadAuditReply reply = HETAO__V1__READ_AUDIT_REPLY__INIT;
    int count = PQntuples (rows);
    reply.records = ht_arena_alloc (arena, sizeof (void *) * (size_t) (count + 1));
    for (int row = 0; row < count; row++) {
        Hetao__V1__AuditRecord *record = ht_arena_alloc (arena, sizeof *record);
        hetao__v1__audit_record__init (record);
        record->has_id = record->has_at_us = true;
        record->id = strtoull (PQgetvalue (rows, row, 0), NULL, 10);
        record->at_us = strtoll (PQgetvalue (rows, row, 1), NULL, 10);
        record->principal_key = PQgetvalue (rows, row, 2);
        record->principal_name = PQgetvalue (rows, row, 3);
        record->method = PQgetvalue (rows, row, 4);
        record->request_id = PQgetvalue (rows, row, 5);
        record->idempotency_key = PQgetisnull (rows, row, 6)? NULL: PQgetvalue (rows, row, 6);
        record->outcome = PQgetvalue (rows, row, 7);
        record->message = PQgetvalue (rows, row, 8);
        reply.records [reply.n_records++] = record;
    }
    ht_call_reply (call, &reply.base);
}

//  Every principal may ask for health; events need the event_subscriber
//  role (as on the PUB socket); the audit trail is the park administrator's.
const ht_route_t ht__system_routes [] = {
    { "system.Health",     &hetao__v1__health_request__descriptor,      false,
      HT_ROLE_ANY, 0, s_health },
    { "system.ReadEvents", &hetao__v1__read_events_request__descriptor, false,
      HT_ROLE_EVENT_SUBSCRIBER, 0, s_read_events },
    { "system.ReadAudit",  &hetao__v1__read_audit_request__descriptor,  false,
      HT_ROLE_PARK_ADMIN, 0, s_read_audit },
    { NULL }
};

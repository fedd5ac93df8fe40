/*  stream - the streams reporting follows, and what every apply shares

    One consumer per source stream (common/ht_consumer: exactly once, in the
    transaction that advances the checkpoint). Its apply function hands each
    event to the read model that keeps its entity, then records the stream's
    position and the event's time for the overview's "as of" and lag. A type
    no read model keeps still moves the position: the figures are as of it.
*/

#include "stream.h"
#include "facilities.h"
#include "funding.h"
#include "organizations.h"
#include "projects.h"
#include "space.h"
#include "ht_call.h"
#include "ht_enum.h"
#include "ht_log.h"
#include "ht_row.h"

#include <string.h>

const ht_query_t stream_queries [] = {
    { "stream_positions",
      "SELECT stream, last_sequence, occurred_at_us, " HT_SQL_US ("applied_at")
      " FROM report_stream" },
    { NULL, NULL }
};

//  Each consumer prepares its own copy of the position's statement, named
//  after its stream: every consumer's statements are prepared on every
//  worker connection too, where one name may appear only once.
#define S_ADVANCE_SQL \
    "INSERT INTO report_stream AS s (stream, last_sequence, occurred_at_us, applied_at)" \
    " VALUES ($1, $2::bigint, $3::bigint, now())" \
    " ON CONFLICT (stream) DO UPDATE SET last_sequence = EXCLUDED.last_sequence," \
    " occurred_at_us = EXCLUDED.occurred_at_us, applied_at = EXCLUDED.applied_at"

static const ht_query_t s_registry_advance [] = {
    { "stream_advance_registry", S_ADVANCE_SQL },
    { NULL, NULL }
};
static const ht_query_t s_funding_advance [] = {
    { "stream_advance_funding", S_ADVANCE_SQL },
    { NULL, NULL }
};

const char *
stream_key (ht_consumer_tx_t *tx, const ProtobufCEnumDescriptor *type, bool present, int value,
            const char *fallback)
{
    char key [64];
    if (present && value != 0 && ht_enum_key (type, value, key, sizeof key))
        return ht_arena_strdup (ht_consumer_tx_arena (tx), key);
    return fallback;
}

bool
stream_unreadable (const Hetao__V1__Event *event, const char *what)
{
    //  Nothing later makes such an event readable: waiting would stop the figures for good.
    ht_error ("reporting: %s #%llu carries no complete %s; not counted", event->type,
              (unsigned long long) event->sequence, what);
    return true;
}

const char *
stream_bool (bool value)
{
    return value? "true": "false";
}

static bool
s_advance (ht_consumer_tx_t *tx, const char *statement, const Hetao__V1__Event *event)
{
    return ht_consumer_tx_query (tx, statement, HT_ARGS (
        event->stream? event->stream: "",
        ht_consumer_tx_int (tx, (int64_t) event->sequence),
        ht_consumer_tx_int (tx, event->occurred_at_us))) != NULL;
}

//  ---------------------------------------------------------------------------
//  The registry stream: organizations, projects, researchers, access requests,
//  parks and allocations.

static bool
s_registry_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    const char *type = event->type? event->type: "";
    bool applied = true;
    if (!strncmp (type, "registry.organization.", 22))
        applied = organizations_apply (tx, event);
    else
    if (!strncmp (type, "registry.project.", 17))
        applied = projects_apply (tx, event);
    else
    if (!strncmp (type, "registry.researcher.", 20))
        applied = facilities_researcher_apply (tx, event);
    else
    if (!strncmp (type, "registry.access_request.", 24))
        applied = facilities_access_apply (tx, event);
    else
    if (!strncmp (type, "registry.park.", 14))
        applied = space_park_apply (tx, event);
    else
    if (!strncmp (type, "registry.allocation.", 20))
        applied = space_allocation_apply (tx, event);
    return applied && s_advance (tx, "stream_advance_registry", event);
}

static const ht_query_t *const s_registry_queries [] = {
    s_registry_advance, organizations_queries, projects_queries, facilities_queries,
    space_queries, NULL
};

static const ht_consumer_spec_t s_registry = {
    .stream = "registry",
    .source = &ht_source_registry,
    .apply = s_registry_apply,
    .queries = s_registry_queries,
};

//  ---------------------------------------------------------------------------
//  The funding stream: programmes, awards and disbursements.

static bool
s_funding_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    return funding_apply (tx, event) && s_advance (tx, "stream_advance_funding", event);
}

static const ht_query_t *const s_funding_queries [] = { s_funding_advance, funding_queries, NULL };

static const ht_consumer_spec_t s_funding = {
    .stream = "funding",
    .source = &ht_source_funding,
    .apply = s_funding_apply,
    .queries = s_funding_queries,
};

const ht_consumer_spec_t *const stream_consumers [] = { &s_registry, &s_funding, NULL };

//  ---------------------------------------------------------------------------
//  As of: how far each followed stream is applied

//  The stream's position, 0 throughout before its first event.
static Hetao__V1__StreamAsOf *
s_as_of (ht_call_t *call, const char *stream, const PGresult *streams)
{
    Hetao__V1__StreamAsOf *as_of = ht_arena_alloc (ht_call_arena (call), sizeof *as_of);
    hetao__v1__stream_as_of__init (as_of);
    as_of->stream = (char *) stream;
    as_of->has_last_sequence = as_of->has_occurred_at_us = true;
    as_of->has_applied_at_us = as_of->has_lag_ms = true;
    for (int row = 0; row < PQntuples (streams); row++)
        if (!strcmp (PQgetvalue (streams, row, 0), stream)) {
            as_of->last_sequence = (uint64_t) ht_row_int (streams, row, 1);
            as_of->occurred_at_us = ht_row_int (streams, row, 2);
            as_of->applied_at_us = ht_row_int (streams, row, 3);
            int64_t lag = as_of->applied_at_us - as_of->occurred_at_us;
            as_of->lag_ms = lag > 0? lag / 1000: 0;
        }
    return as_of;
}

bool
stream_as_of (ht_call_t *call, Hetao__V1__StreamAsOf ***list, size_t *count)
{
    PGresult *streams = ht_call_query (call, "stream_positions", 0, NULL);
    if (!streams)
        return false;
    size_t n_streams = 0;
    while (stream_consumers [n_streams])
        n_streams++;
    *list = ht_arena_alloc (ht_call_arena (call), (n_streams + 1) * sizeof (void *));
    *count = 0;
    for (size_t i = 0; i < n_streams; i++)
        (*list) [(*count)++] = s_as_of (call, stream_consumers [i]->stream, streams);
    return true;
}

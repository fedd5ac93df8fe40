/*  stream - the streams reporting follows, and what every apply shares

    One consumer per source stream (common/ht_consumer: exactly once, in the
    transaction that advances the checkpoint). Its apply function hands each
    event to the read model that keeps its entity; once per batch, the last
    event's sequence and time become the stream's position, for the
    overview's "as of" and lag. A type no read model keeps still moves the
    position: the figures are as of it.
*/

#include "stream.h"
#include "facilities.h"
#include "funding.h"
#include "organizations.h"
#include "projects.h"
#include "space.h"
#include "ht_call.h"
#include "ht_enum.h"

#include <string.h>

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

const char *
stream_bool (bool value)
{
    return value? "true": "false";
}

//  Records the position after a batch: its last event is where the figures are.
static bool
s_advance (ht_consumer_tx_t *tx, const char *statement, const Hetao__V1__Event *event)
{
    return ht_consumer_tx_write (tx, statement, HT_ARGS (
        event->stream? event->stream: "",
        ht_consumer_tx_int (tx, (int64_t) event->sequence),
        ht_consumer_tx_int (tx, event->occurred_at_us)));
}

static bool
s_registry_applied (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    return s_advance (tx, "stream_advance_registry", event);
}

static bool
s_funding_applied (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    return s_advance (tx, "stream_advance_funding", event);
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
    return applied;
}

static const ht_query_t *const s_registry_queries [] = {
    s_registry_advance, organizations_queries, projects_queries, facilities_queries,
    space_queries, NULL
};

static const ht_consumer_spec_t s_registry = {
    .stream = "registry",
    .source = &ht_source_registry,
    .apply = s_registry_apply,
    .applied = s_registry_applied,
    .queries = s_registry_queries,
};

//  ---------------------------------------------------------------------------
//  The funding stream: programmes, awards and disbursements.

static const ht_query_t *const s_funding_queries [] = { s_funding_advance, funding_queries, NULL };

static const ht_consumer_spec_t s_funding = {
    .stream = "funding",
    .source = &ht_source_funding,
    .apply = funding_apply,
    .applied = s_funding_applied,
    .queries = s_funding_queries,
};

const ht_consumer_spec_t *const stream_consumers [] = { &s_registry, &s_funding, NULL };

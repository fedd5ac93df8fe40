/*  space - industrial parks in operation, space prepared and allocated, in
    all and per park; and reporting.SpaceByPark

    A park in status operating counts once, with its whole area as space
    prepared; an allocation counts its area as allocated from when it is
    added until it is ended (an extension keeps it in force). Areas travel
    as decimal text and are kept in hundredths of m², converted by the
    database, so no area is rounded through a double. Each park keeps its
    names, each allocation its park, so that the triggers of
    sql/008_space_by_park.sql keep the same figures per park.
*/

#include "space.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "ht_row.h"
#include "hetao/v1/registry.pb-c.h"
#include "hetao/v1/reporting.pb-c.h"

#include <string.h>

const ht_query_t space_queries [] = {
    { "space_park_store",
      "INSERT INTO report_park AS p (id, status, area_x100, version, name_zh, name_en)"
      " VALUES ($1::uuid, $2, round ($3::numeric * 100)::bigint, $4::bigint, $5, $6)"
      " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, area_x100 = EXCLUDED.area_x100,"
      " version = EXCLUDED.version, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en"
      " WHERE p.version < EXCLUDED.version" },
    { "space_allocation_store",
      "INSERT INTO report_allocation AS a (id, area_x100, in_force, version, park_id)"
      " VALUES ($1::uuid, round ($2::numeric * 100)::bigint, $3::boolean, $4::bigint, $5::uuid)"
      " ON CONFLICT (id) DO UPDATE SET area_x100 = EXCLUDED.area_x100, in_force = EXCLUDED.in_force,"
      " version = EXCLUDED.version, park_id = coalesce (EXCLUDED.park_id, a.park_id)"
      " WHERE a.version < EXCLUDED.version" },
    { NULL, NULL }
};

//  The report's statements, prepared on every worker: one row per park.
const ht_query_t space_report_queries [] = {
    { "space_by_park",
      "SELECT p.id, p.name_zh, p.name_en, p.status, p.area_x100,"
      " coalesce (s.prepared_x100, 0), coalesce (s.allocated_x100, 0)"
      " FROM report_park p LEFT JOIN report_park_space s ON s.park_id = p.id"
      " ORDER BY coalesce (nullif (p.name_en, ''), p.name_zh), p.id" },
    { NULL, NULL }
};

//  True when `text` is a decimal the database reads as a non-negative numeric.
static bool
s_area_valid (const char *text)
{
    if (!text || !*text || strlen (text) > 30)
        return false;
    size_t digits = strspn (text, "0123456789");
    if (digits == 0)
        return false;
    if (text [digits] == 0)
        return true;
    return text [digits] == '.' && strspn (text + digits + 1, "0123456789") == strlen (text + digits + 1);
}

bool
space_park_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__ParkEvent *payload = hetao__v1__park_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Park *park = payload? payload->park: NULL;
    if (!park || !park->id || !ht_uuid_valid (park->id) || !park->has_version || !s_area_valid (park->area_m2)) {
        ht_error ("reporting: %s #%llu carries no complete park; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_write (tx, "space_park_store", HT_ARGS (
        park->id,
        stream_key (tx, &hetao__v1__park_status__descriptor, park->has_status, park->status, "none"),
        park->area_m2, ht_consumer_tx_int (tx, park->version),
        park->name_zh? park->name_zh: "", park->name_en? park->name_en: ""));
}

bool
space_allocation_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__AllocationEvent *payload = hetao__v1__allocation_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Allocation *allocation = payload? payload->allocation: NULL;
    if (!allocation || !allocation->id || !ht_uuid_valid (allocation->id) || !allocation->has_version
    ||  !s_area_valid (allocation->area_m2)) {
        ht_error ("reporting: %s #%llu carries no complete allocation; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    bool ended = !strcmp (event->type, "registry.allocation.ended");
    return ht_consumer_tx_write (tx, "space_allocation_store", HT_ARGS (
        allocation->id, allocation->area_m2, stream_bool (!ended),
        ht_consumer_tx_int (tx, allocation->version),
        allocation->park_id && ht_uuid_valid (allocation->park_id)? allocation->park_id: NULL));
}

//  ---------------------------------------------------------------------------
//  reporting.SpaceByPark

void
space_by_park (ht_call_t *call, const ProtobufCMessage *message)
{
    (void) message;                     //  SpaceByParkRequest: nothing to ask
    if (!ht_call_snapshot (call))           //  the figures and their "as of" agree
        return;
    PGresult *result = ht_call_query (call, "space_by_park", 0, NULL);
    if (!result)
        return;
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__SpaceByParkReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__space_by_park_reply__init (reply);
    if (!stream_as_of (call, &reply->as_of, &reply->n_as_of))
        return;
    int rows = PQntuples (result);
    reply->parks = ht_arena_alloc (arena, (size_t) (rows + 1) * sizeof (void *));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__ParkSpaceFigures *park = ht_arena_alloc (arena, sizeof *park);
        hetao__v1__park_space_figures__init (park);
        park->park_id = PQgetvalue (result, row, 0);
        park->name_zh = PQgetvalue (result, row, 1);
        park->name_en = PQgetvalue (result, row, 2);
        park->status = PQgetvalue (result, row, 3);
        park->has_area_m2_x100 = park->has_prepared_m2_x100 = park->has_allocated_m2_x100 = true;
        park->area_m2_x100 = ht_row_int (result, row, 4);
        park->prepared_m2_x100 = ht_row_int (result, row, 5);
        park->allocated_m2_x100 = ht_row_int (result, row, 6);
        reply->parks [reply->n_parks++] = park;
    }
    ht_call_reply (call, &reply->base);
}

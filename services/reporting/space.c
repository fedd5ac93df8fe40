/*  space - industrial parks in operation, space prepared and allocated

    A park in status operating counts once, with its whole area as space
    prepared; an allocation counts its area as allocated from when it is
    added until it is ended (an extension keeps it in force). Areas travel
    as decimal text and are kept in hundredths of m², converted by the
    database, so no area is rounded through a double.
*/

#include "space.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

#include <string.h>

const ht_query_t space_queries [] = {
    { "space_park_store",
      "INSERT INTO report_park AS p (id, status, area_x100, version)"
      " VALUES ($1::uuid, $2, round ($3::numeric * 100)::bigint, $4::bigint)"
      " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, area_x100 = EXCLUDED.area_x100,"
      " version = EXCLUDED.version WHERE p.version < EXCLUDED.version" },
    { "space_allocation_store",
      "INSERT INTO report_allocation AS a (id, area_x100, in_force, version)"
      " VALUES ($1::uuid, round ($2::numeric * 100)::bigint, $3::boolean, $4::bigint)"
      " ON CONFLICT (id) DO UPDATE SET area_x100 = EXCLUDED.area_x100, in_force = EXCLUDED.in_force,"
      " version = EXCLUDED.version WHERE a.version < EXCLUDED.version" },
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
        park->area_m2, ht_consumer_tx_int (tx, park->version)));
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
        ht_consumer_tx_int (tx, allocation->version)));
}

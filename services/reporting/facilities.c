/*  facilities - hours booked on the big science facilities, by region

    Counts the hours of access requests scheduled or completed (their
    booking's length) under the region their researcher lives in now, as
    registry.FacilityHours does: report_access keeps each request's booked
    hours, report_researcher each researcher's region and total, and their
    triggers move facility_hours_by_region. Rows move only to higher versions.
*/

#include "facilities.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

#include <string.h>

#define S_HOUR_US 3600000000LL

const ht_query_t facilities_queries [] = {
    { "facilities_researcher_store",
      "INSERT INTO report_researcher AS r (id, region, version) VALUES ($1::uuid, $2, $3::bigint)"
      " ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, version = EXCLUDED.version"
      " WHERE r.version < EXCLUDED.version" },
    { "facilities_access_store",
      "INSERT INTO report_access AS a (id, researcher_id, status, booked_hours, version)"
      " VALUES ($1::uuid, $2::uuid, $3, $4::bigint, $5::bigint)"
      " ON CONFLICT (id) DO UPDATE SET researcher_id = EXCLUDED.researcher_id,"
      " status = EXCLUDED.status, booked_hours = EXCLUDED.booked_hours, version = EXCLUDED.version"
      " WHERE a.version < EXCLUDED.version" },
    { NULL, NULL }
};

bool
facilities_researcher_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__ResearcherEvent *payload = hetao__v1__researcher_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Researcher *researcher = payload? payload->researcher: NULL;
    if (!researcher || !researcher->id || !ht_uuid_valid (researcher->id) || !researcher->has_version) {
        ht_error ("reporting: %s #%llu carries no complete researcher; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_write (tx, "facilities_researcher_store", HT_ARGS (
        researcher->id,
        stream_key (tx, &hetao__v1__region__descriptor, researcher->has_region, researcher->region, "none"),
        ht_consumer_tx_int (tx, researcher->version)));
}

bool
facilities_access_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__AccessRequestEvent *payload = hetao__v1__access_request_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__AccessRequest *access = payload? payload->access_request: NULL;
    if (!access || !access->id || !ht_uuid_valid (access->id) || !access->has_version
    ||  !access->researcher_id || !ht_uuid_valid (access->researcher_id)) {
        ht_error ("reporting: %s #%llu carries no complete access request; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    const char *status = stream_key (tx, &hetao__v1__access_request_status__descriptor, access->has_status,
                                     access->status, "none");
    int64_t hours = 0;
    if ((!strcmp (status, "scheduled") || !strcmp (status, "completed"))
    &&  access->has_from_us && access->has_until_us && access->until_us > access->from_us)
        hours = (access->until_us - access->from_us) / S_HOUR_US;
    return ht_consumer_tx_write (tx, "facilities_access_store", HT_ARGS (
        access->id, access->researcher_id, status, ht_consumer_tx_int (tx, hours),
        ht_consumer_tx_int (tx, access->version)));
}

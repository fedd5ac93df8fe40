/*  organizations - the registry's organizations as the figures count them

    Keeps each organization's kind, region, status and major-platform mark
    (report_organization); the table's trigger moves major_platforms and
    organizations_by_kind by the difference. A row is replaced only by a
    higher version, so a replayed event never counts twice.
*/

#include "organizations.h"
#include "stream.h"
#include "ht_call.h"
#include "ht_log.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

const ht_query_t organizations_queries [] = {
    { "organizations_store",
      "INSERT INTO report_organization AS o (id, kind, region, status, major_platform, version)"
      " VALUES ($1::uuid, $2, $3, $4, $5::boolean, $6::bigint)"
      " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, region = EXCLUDED.region,"
      " status = EXCLUDED.status, major_platform = EXCLUDED.major_platform,"
      " version = EXCLUDED.version WHERE o.version < EXCLUDED.version" },
    { NULL, NULL }
};

bool
organizations_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    Hetao__V1__OrganizationEvent *payload = hetao__v1__organization_event__unpack (
        ht_arena_allocator (ht_consumer_tx_arena (tx)), event->payload.len, event->payload.data);
    const Hetao__V1__Organization *org = payload? payload->organization: NULL;
    if (!org || !org->id || !ht_uuid_valid (org->id) || !org->has_version
    ||  !org->has_status || !org->has_kind) {
        //  Nothing later makes this event readable: waiting would stop the figures for good.
        ht_error ("reporting: %s #%llu carries no complete organization; not counted", event->type,
                  (unsigned long long) event->sequence);
        return true;
    }
    return ht_consumer_tx_write (tx, "organizations_store", HT_ARGS (
        org->id,
        stream_key (tx, &hetao__v1__organization_kind__descriptor, org->has_kind, org->kind, "none"),
        stream_key (tx, &hetao__v1__region__descriptor, org->has_region, org->region, "none"),
        stream_key (tx, &hetao__v1__organization_status__descriptor, org->has_status, org->status, "none"),
        stream_bool (org->has_major_platform && org->major_platform),
        ht_consumer_tx_int (tx, org->version)));
}

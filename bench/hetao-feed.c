/*  hetao-feed - registry events written straight into a registry's outbox,
    in bulk or at a fixed rate, for bench/reporting

    hetao-feed --db CONNINFO --from I --count N                 (bulk)
    hetao-feed --db CONNINFO --from I --count N --rate R        (live)
    hetao-feed --expect --count N                               (figures)

    The registry cannot register a million organizations quickly on two
    cores, and the benchmark is about reporting, not about the registry's
    writes. So this tool writes the rows a registry's workers would write
    into ht_outbox (stream, type, aggregate_id, request_id, payload) of a
    database that a real hetao-registry serves: its relay numbers them,
    publishes them on its PUB socket and serves them with system.ReadEvents,
    exactly as it does the events of its own requests. Payloads are the
    registry's own messages (OrganizationEvent, ProjectEvent, ...) packed
    with protobuf-c.

    Event `i` is a pure function of `i`, so a run continues where the last
    one stopped (--from). Every 20 events form a cycle: two organizations
    registered, six projects registered, three of them activated and a fourth
    terminated, a researcher registered, an access request to a facility
    created, submitted, approved, scheduled (a booking of 1 to 8 hours) and
    completed, a unit allocation added (every fourth cycle: the previous one
    ended), and an organization updated (every hundredth cycle a park
    registered, the next one the park put in operation). Each change
    carries the entity's next version, as the registry's would.

    Bulk: one COPY (one transaction) per 20,000 events. Live: every
    --tick-ms, one COPY of the events due by then at --rate events a second
    (due on an absolute schedule: a late tick sends more, never fewer in
    all). Each event's occurred_at is its transaction's time, as for the
    registry's own events. Prints one JSON object: what was written, and
    the rate achieved.

    --expect prints, one `name value` a line, the overview's figures after
    events 0 .. N-1 (field names of hetao.v1.OverviewReply).
*/

#include "bench_tool.h"
#include "ht_config.h"
#include "ht_text.h"
#include "hetao/v1/registry.pb-c.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_CYCLE        20               //  events per cycle
#define S_BULK_CHUNK   20000            //  events per COPY in bulk
#define S_MAX_PAYLOAD  2048             //  a packed event payload, at most
#define S_HOUR_US      3600000000LL

static const char *s_db;
static int s_from_arg, s_count_arg;
static int s_rate, s_tick_ms;
static bool s_expect;

static const ht_option_t s_options [] = {
    { "db", "HETAO_FEED_DB", HT_OPT_STRING, &s_db, NULL, 0, 0,
      "libpq conninfo of the registry's database, whose ht_outbox is fed" },
    { "from", NULL, HT_OPT_INT, &s_from_arg, "0", 0, 1000000000, "index of the first event" },
    { "count", NULL, HT_OPT_INT, &s_count_arg, "1000", 1, 1000000000, "events to write" },
    { "rate", NULL, HT_OPT_INT, &s_rate, "0", 0, 1000000,
      "events a second (live); 0: as fast as possible, in bulk" },
    { "tick-ms", NULL, HT_OPT_INT, &s_tick_ms, "10", 1, 1000, "live: one transaction every this often" },
    { "expect", NULL, HT_OPT_BOOL, &s_expect, "false", 0, 0,
      "print the overview's figures after events 0 .. count-1, and write nothing" },
    { NULL }
};

//  One event as it goes into ht_outbox.
typedef struct {
    const char *type;
    char aggregate_id [37];
    uint8_t payload [S_MAX_PAYLOAD];
    size_t size;
} feed_event_t;

//  ---------------------------------------------------------------------------
//  The entities of the cycle

//  Entity kinds, the first group of their ids.
enum { S_ORG = 1, S_PROJECT, S_RESEARCHER, S_ACCESS, S_ALLOCATION, S_PARK, S_UNIT, S_INSTRUMENT, S_FACILITY };

static void
s_uuid (char out [37], int kind, uint64_t number)
{
    //  Numbers stay far below 2^48: the last group has room for every one.
    snprintf (out, 37, "%08x-0000-4000-8000-%012" PRIx64, 0xfeed0000u + (unsigned) kind,
              number & (uint64_t) 0xffffffffffff);
}

static bool
s_major (uint64_t org)
{
    return org % 500 == 0;
}

static Hetao__V1__Region
s_region (uint64_t number)
{
    //  A third each from Hong Kong, Macao and the mainland.
    static const Hetao__V1__Region regions [3] = {
        HETAO__V1__REGION__REGION_HONG_KONG, HETAO__V1__REGION__REGION_MACAO, HETAO__V1__REGION__REGION_MAINLAND
    };
    return regions [number % 3];
}

static bool
s_high_end (uint64_t project)
{
    return project % 4 == 0;
}

static bool
s_hk_university (uint64_t project)
{
    return project % 10 == 0;
}

static int64_t
s_booked_hours (uint64_t cycle)
{
    return 1 + (int64_t) (cycle % 8);
}

#define S_ALLOCATION_AREA "120.50"
#define S_ALLOCATION_X100 12050
#define S_PARK_AREA       "72727.27"
#define S_PARK_X100       7272727

static void
s_pack (feed_event_t *out, const ProtobufCMessage *message)
{
    out->size = protobuf_c_message_get_packed_size (message);
    assert (out->size <= S_MAX_PAYLOAD);
    protobuf_c_message_pack (message, out->payload);
}

static void
s_organization (feed_event_t *out, uint64_t org, int64_t version, int64_t now_us)
{
    char id [37], name_zh [64], name_en [64], registration [32];
    s_uuid (id, S_ORG, org);
    snprintf (name_zh, sizeof name_zh, "河套测试机构 %" PRIu64, org);
    snprintf (name_en, sizeof name_en, "Feed Organization %" PRIu64 "%s", org, version > 1? " Ltd": "");
    snprintf (registration, sizeof registration, "FEED-%012" PRIu64, org);
    Hetao__V1__Sector sectors [] = {
        HETAO__V1__SECTOR__SECTOR_INFORMATION_TECHNOLOGY, HETAO__V1__SECTOR__SECTOR_QUANTUM_TECHNOLOGY
    };
    Hetao__V1__Organization organization = HETAO__V1__ORGANIZATION__INIT;
    organization.id = id;
    organization.has_kind = true;
    organization.kind = s_major (org)? HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE
                                     : (Hetao__V1__OrganizationKind) (1 + org % 6);
    organization.name_zh = name_zh;
    organization.name_en = name_en;
    organization.has_region = true;
    organization.region = s_region (org);
    organization.has_registration_type = true;
    organization.registration_type = HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_OTHER;
    organization.registration_id = registration;
    organization.n_sectors = 1 + org % 2;
    organization.sectors = sectors;
    organization.has_major_platform = true;
    organization.major_platform = s_major (org);
    organization.has_status = true;
    organization.status = HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE;
    organization.has_version = organization.has_created_at_us = organization.has_updated_at_us = true;
    organization.version = version;
    organization.created_at_us = now_us;
    organization.updated_at_us = now_us;
    Hetao__V1__OrganizationEvent event = HETAO__V1__ORGANIZATION_EVENT__INIT;
    event.organization = &organization;
    out->type = version == 1? "registry.organization.registered": "registry.organization.updated";
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

static void
s_project (feed_event_t *out, uint64_t project, Hetao__V1__ProjectStatus status, int64_t version,
           int64_t now_us)
{
    char id [37], lead [37], title_zh [64], title_en [80];
    s_uuid (id, S_PROJECT, project);
    s_uuid (lead, S_ORG, project / 3);          //  two organizations a cycle lead six projects
    snprintf (title_zh, sizeof title_zh, "河套测试项目 %" PRIu64, project);
    snprintf (title_en, sizeof title_en, "Feed Project %" PRIu64, project);
    static const Hetao__V1__Sector sectors [4] = {
        HETAO__V1__SECTOR__SECTOR_INFORMATION_TECHNOLOGY, HETAO__V1__SECTOR__SECTOR_QUANTUM_TECHNOLOGY,
        HETAO__V1__SECTOR__SECTOR_BIOPHARMACEUTICALS, HETAO__V1__SECTOR__SECTOR_ARTIFICIAL_INTELLIGENCE
    };
    Hetao__V1__ProjectParticipant participant = HETAO__V1__PROJECT_PARTICIPANT__INIT;
    participant.organization_id = lead;
    participant.has_role = true;
    participant.role = HETAO__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_LEAD;
    Hetao__V1__ProjectParticipant *participants [] = { &participant };
    Hetao__V1__Project p = HETAO__V1__PROJECT__INIT;
    p.id = id;
    p.title_zh = title_zh;
    p.title_en = title_en;
    p.lead_organization_id = lead;
    p.n_participants = 1;
    p.participants = participants;
    p.has_origin = p.has_sector = p.has_high_end = p.has_status = true;
    p.origin = s_hk_university (project)? HETAO__V1__PROJECT_ORIGIN__PROJECT_ORIGIN_HK_UNIVERSITY
                                        : HETAO__V1__PROJECT_ORIGIN__PROJECT_ORIGIN_ENTERPRISE_RND;
    p.sector = sectors [project % 4];
    p.high_end = s_high_end (project);
    p.status = status;
    p.start_date = "2026-01-01";
    p.has_version = p.has_created_at_us = p.has_updated_at_us = true;
    p.version = version;
    p.created_at_us = now_us;
    p.updated_at_us = now_us;
    Hetao__V1__ProjectEvent event = HETAO__V1__PROJECT_EVENT__INIT;
    event.project = &p;
    if (version > 1) {
        event.has_previous_status = true;
        event.previous_status = HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_PROPOSED;
    }
    out->type = version == 1? "registry.project.registered": "registry.project.status_changed";
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

static void
s_researcher (feed_event_t *out, uint64_t cycle, int64_t now_us)
{
    char id [37], org [37], name [48];
    s_uuid (id, S_RESEARCHER, cycle);
    s_uuid (org, S_ORG, 2 * cycle);
    snprintf (name, sizeof name, "Feed Researcher %" PRIu64, cycle);
    Hetao__V1__Researcher r = HETAO__V1__RESEARCHER__INIT;
    r.id = id;
    r.name = name;
    r.has_region = true;
    r.region = s_region (cycle);
    r.organization_id = org;
    r.has_status = true;
    r.status = HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_ACTIVE;
    r.has_version = r.has_created_at_us = r.has_updated_at_us = true;
    r.version = 1;
    r.created_at_us = r.updated_at_us = now_us;
    Hetao__V1__ResearcherEvent event = HETAO__V1__RESEARCHER_EVENT__INIT;
    event.researcher = &r;
    out->type = "registry.researcher.registered";
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

//  Step 0..4 of access request `cycle`: created, submitted, approved, scheduled, completed.
static void
s_access (feed_event_t *out, uint64_t cycle, int step, int64_t now_us)
{
    static const char *const types [5] = {
        "registry.access_request.created", "registry.access_request.submitted",
        "registry.access_request.approved", "registry.access_request.scheduled",
        "registry.access_request.completed"
    };
    static const Hetao__V1__AccessRequestStatus statuses [5] = {
        HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_DRAFT,
        HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SUBMITTED,
        HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_APPROVED,
        HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SCHEDULED,
        HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_COMPLETED
    };
    char id [37], researcher [37], instrument [37], facility [37], org [37];
    s_uuid (id, S_ACCESS, cycle);
    s_uuid (researcher, S_RESEARCHER, cycle);
    s_uuid (instrument, S_INSTRUMENT, cycle % 12);
    s_uuid (facility, S_FACILITY, 0);           //  the China Spallation Neutron Source
    s_uuid (org, S_ORG, 2 * cycle);
    int64_t hours = s_booked_hours (cycle);
    Hetao__V1__AccessRequest a = HETAO__V1__ACCESS_REQUEST__INIT;
    a.id = id;
    a.researcher_id = researcher;
    a.instrument_id = instrument;
    a.facility_id = facility;
    a.organization_id = org;
    a.has_hours = true;
    a.hours = (int32_t) hours;
    a.purpose = "Neutron scattering on battery materials";
    a.has_status = true;
    a.status = statuses [step];
    if (step >= 2) {
        a.has_approved_hours = true;
        a.approved_hours = (int32_t) hours;
    }
    if (step >= 3) {
        //  A booking in 2027, a slot per cycle.
        a.has_from_us = a.has_until_us = true;
        a.from_us = 1798761600000000LL + (int64_t) (cycle % 8760) * S_HOUR_US;
        a.until_us = a.from_us + hours * S_HOUR_US;
    }
    a.has_version = a.has_created_at_us = a.has_updated_at_us = true;
    a.version = step + 1;
    a.created_at_us = a.updated_at_us = now_us;
    Hetao__V1__AccessRequestEvent event = HETAO__V1__ACCESS_REQUEST_EVENT__INIT;
    event.access_request = &a;
    if (step > 0) {
        event.has_previous_status = true;
        event.previous_status = statuses [step - 1];
    }
    out->type = types [step];
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

static void
s_allocation (feed_event_t *out, uint64_t allocation, bool ended, int64_t now_us)
{
    char id [37], unit [37], park [37], org [37];
    s_uuid (id, S_ALLOCATION, allocation);
    s_uuid (unit, S_UNIT, allocation);
    s_uuid (park, S_PARK, allocation / 100);
    s_uuid (org, S_ORG, 2 * allocation + 1);
    Hetao__V1__Allocation a = HETAO__V1__ALLOCATION__INIT;
    a.id = id;
    a.unit_id = unit;
    a.park_id = park;
    a.organization_id = org;
    a.area_m2 = S_ALLOCATION_AREA;
    a.from_date = "2026-06-01";
    a.until_date = ended? "2026-12-01": NULL;
    a.has_version = a.has_created_at_us = a.has_updated_at_us = true;
    a.version = ended? 2: 1;
    a.created_at_us = a.updated_at_us = now_us;
    Hetao__V1__AllocationEvent event = HETAO__V1__ALLOCATION_EVENT__INIT;
    event.allocation = &a;
    out->type = ended? "registry.allocation.ended": "registry.allocation.added";
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

static void
s_park (feed_event_t *out, uint64_t park, bool operating, int64_t now_us)
{
    char id [37], operator [37], name_zh [48], name_en [48];
    s_uuid (id, S_PARK, park);
    s_uuid (operator, S_ORG, park * 200);
    snprintf (name_zh, sizeof name_zh, "河套测试园区 %" PRIu64, park);
    snprintf (name_en, sizeof name_en, "Feed Industrial Park %" PRIu64, park);
    Hetao__V1__Park p = HETAO__V1__PARK__INIT;
    p.id = id;
    p.name_zh = name_zh;
    p.name_en = name_en;
    p.operator_organization_id = operator;
    p.area_m2 = S_PARK_AREA;
    p.has_status = true;
    p.status = operating? HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING: HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED;
    if (operating)
        p.operating_since = "2026-03-01";
    p.has_version = p.has_created_at_us = p.has_updated_at_us = true;
    p.version = operating? 2: 1;
    p.created_at_us = p.updated_at_us = now_us;
    Hetao__V1__ParkEvent event = HETAO__V1__PARK_EVENT__INIT;
    event.park = &p;
    if (operating) {
        event.has_previous_status = true;
        event.previous_status = HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED;
    }
    out->type = operating? "registry.park.status_changed": "registry.park.registered";
    memcpy (out->aggregate_id, id, sizeof id);
    s_pack (out, &event.base);
}

//  Event `index` into `out` (when not NULL), and its effect on the figures
//  of `figures` (when not NULL): those bench_tool_figures_print shows.
static void
s_event (uint64_t index, int64_t now_us, feed_event_t *out, Hetao__V1__OverviewReply *figures)
{
    uint64_t cycle = index / S_CYCLE;
    int k = (int) (index % S_CYCLE);
    Hetao__V1__OverviewReply none = HETAO__V1__OVERVIEW_REPLY__INIT;
    Hetao__V1__OverviewReply *f = figures? figures: &none;
    if (k < 2) {
        uint64_t org = 2 * cycle + (uint64_t) k;
        f->major_platforms += s_major (org);
        if (out)
            s_organization (out, org, 1, now_us);
    }
    else
    if (k < 8) {
        uint64_t project = 6 * cycle + (uint64_t) (k - 2);
        f->projects_total++;
        f->projects_high_end += s_high_end (project);
        f->hk_university_projects += s_hk_university (project);
        if (out)
            s_project (out, project, HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_PROPOSED, 1, now_us);
    }
    else
    if (k < 11) {
        if (out)
            s_project (out, 6 * cycle + (uint64_t) (k - 8), HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_ACTIVE, 2, now_us);
    }
    else
    if (k == 11) {
        uint64_t project = 6 * cycle + 4;
        f->projects_total--;
        f->projects_high_end -= s_high_end (project);
        f->hk_university_projects -= s_hk_university (project);
        if (out)
            s_project (out, project, HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_TERMINATED, 2, now_us);
    }
    else
    if (k == 12) {
        if (out)
            s_researcher (out, cycle, now_us);
    }
    else
    if (k < 18) {
        int step = k - 13;
        if (step == 3 && s_region (cycle) != HETAO__V1__REGION__REGION_MAINLAND)
            f->facility_hours_hk_macao += s_booked_hours (cycle);
        if (out)
            s_access (out, cycle, step, now_us);
    }
    else
    if (k == 18) {
        bool ended = cycle % 4 == 3;
        f->space_allocated_m2_x100 += ended? -S_ALLOCATION_X100: S_ALLOCATION_X100;
        if (out)
            s_allocation (out, ended? cycle - 1: cycle, ended, now_us);
    }
    else
    if (cycle % 100 == 0) {
        if (out)
            s_park (out, cycle / 100, false, now_us);
    }
    else
    if (cycle % 100 == 1) {
        f->industrial_parks_operating++;
        f->space_prepared_m2_x100 += S_PARK_X100;
        if (out)
            s_park (out, cycle / 100, true, now_us);
    }
    else
    if (out)
        s_organization (out, 2 * cycle, 2, now_us);
}

//  ---------------------------------------------------------------------------
//  Writing

//  Appends event `index` to `line` as one line of COPY text.
static size_t
s_copy_line (char *line, uint64_t index, int64_t now_us)
{
    static const char hex [] = "0123456789abcdef";
    feed_event_t event;
    s_event (index, now_us, &event, NULL);
    int n = snprintf (line, 256, "registry\t%s\t%s\tfeed-%" PRIu64 "\t\\\\x", event.type, event.aggregate_id, index);
    assert (n > 0 && n < 256);
    char *at = line + n;
    for (size_t i = 0; i < event.size; i++) {
        *at++ = hex [event.payload [i] >> 4];
        *at++ = hex [event.payload [i] & 15];
    }
    *at++ = '\n';
    return (size_t) (at - line);
}

//  Writes events [from, from + count) in one COPY, one transaction. False,
//  with the reason on stderr, when the database refused.
static bool
s_copy (PGconn *conn, uint64_t from, uint64_t count)
{
    PGresult *result = PQexec (conn, "COPY ht_outbox (stream, type, aggregate_id, request_id, payload) FROM STDIN");
    bool ok = PQresultStatus (result) == PGRES_COPY_IN;
    PQclear (result);
    int64_t now_us = ht_now_us ();
    char *line = malloc (256 + 2 * S_MAX_PAYLOAD + 2);
    assert (line);
    for (uint64_t i = from; ok && i < from + count; i++)
        ok = PQputCopyData (conn, line, (int) s_copy_line (line, i, now_us)) == 1;
    free (line);
    ok = PQputCopyEnd (conn, ok? NULL: "hetao-feed: could not send") == 1 && ok;
    while ((result = PQgetResult (conn))) {
        if (PQresultStatus (result) != PGRES_COMMAND_OK) {
            fprintf (stderr, "hetao-feed: COPY: %s", PQresultErrorMessage (result));
            ok = false;
        }
        PQclear (result);
    }
    return ok;
}

//  Sleeps until `until_us` on ht_mono_us's clock.
static void
s_sleep_until (int64_t until_us)
{
    struct timespec at = { until_us / 1000000, (until_us % 1000000) * 1000 };
    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
        ;
}

static int
s_expect_print (uint64_t count)
{
    Hetao__V1__OverviewReply figures = HETAO__V1__OVERVIEW_REPLY__INIT;
    for (uint64_t i = 0; i < count; i++)
        s_event (i, 0, NULL, &figures);
    bench_tool_figures_print (stdout, &figures);
    return 0;
}

int
main (int argc, char **argv)
{
    int status = bench_tool_options ("hetao-feed",
        "Usage: hetao-feed --db CONNINFO [--from I] --count N [--rate R]\n"
        "       hetao-feed --expect --count N\n\n"
        "Registry events into a registry's outbox, in bulk or at a fixed rate.",
        s_options, argc, argv);
    if (status >= 0)
        return status;
    uint64_t from = (uint64_t) s_from_arg, count = (uint64_t) s_count_arg;
    if (s_expect)
        return s_expect_print (count);
    if (!s_db) {
        fprintf (stderr, "hetao-feed: give --db (the registry's database)\n");
        return 2;
    }
    PGconn *conn = PQconnectdb (s_db);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "hetao-feed: %s", PQerrorMessage (conn));
        PQfinish (conn);
        return 1;
    }
    bool ok = true;
    uint64_t sent = 0, transactions = 0;
    int64_t started = ht_mono_us ();
    if (s_rate == 0)
        for (; ok && sent < count; transactions++) {
            uint64_t chunk = count - sent < S_BULK_CHUNK? count - sent: S_BULK_CHUNK;
            ok = s_copy (conn, from + sent, chunk);
            sent += ok? chunk: 0;
        }
    else
        for (int64_t tick = 1; ok && sent < count; tick++) {
            //  At the end of each tick, what is due by then on the schedule
            //  from the start.
            s_sleep_until (started + tick * s_tick_ms * 1000);
            uint64_t due = (uint64_t) ((double) s_rate * (double) (tick * s_tick_ms) / 1000.0);
            if (due > count)
                due = count;
            if (due > sent) {
                ok = s_copy (conn, from + sent, due - sent);
                sent = ok? due: sent;
                transactions++;
            }
        }
    double seconds = (double) (ht_mono_us () - started) / 1e6;
    PQfinish (conn);
    printf ("{\"from\":%" PRIu64 ",\"events\":%" PRIu64 ",\"transactions\":%" PRIu64 ",\"seconds\":%.3f,"
            "\"rate\":%.1f,\"ok\":%s}\n", from, sent, transactions, seconds,
            seconds > 0? (double) sent / seconds: 0, ok? "true": "false");
    return ok? 0: 1;
}

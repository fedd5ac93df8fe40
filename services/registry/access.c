/*  access - researchers' access requests for instrument time, their
    lifecycle, bookings and the hours booked by region

    A request moves through the table in access_rules.c. Scheduling books
    [from, until) on the instrument; that two bookings of one instrument
    never overlap is the database's exclusion constraint
    access_request_booking_overlap, not a check here, so that requests
    scheduled at the same moment cannot both win.

    An applicant acts only on requests of its own organization: the
    researcher's organization when the request was made.
*/

#include "access.h"
#include "access_rules.h"
#include "ht_row.h"
#include "org.h"
#include "ht_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PURPOSE_MAX_CHARS  2000
#define REASON_MAX_CHARS   500

#define DRAFT     HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_DRAFT
#define SCHEDULED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SCHEDULED
#define COMPLETED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_COMPLETED

//  Columns every query of requests returns, in this order (see s_request_from_row).
#define ACCESS_COLUMNS \
    "id, researcher_id, instrument_id, facility_id, organization_id, hours, approved_hours," \
    " purpose, status, status_reason, " HT_SQL_US ("booked_from") ", " \
    HT_SQL_US ("booked_until") ", version, " HT_SQL_US ("created_at") ", " \
    HT_SQL_US ("updated_at")

//  The booked range of a row, and the period of parameters $a, $b.
#define BOOKED "tstzrange (booked_from, booked_until, '[)')"
#define PERIOD(a, b) "tstzrange (" HT_SQL_FROM_US (a) ", " HT_SQL_FROM_US (b) ", '[)')"

const ht_query_t access_queries [] = {
    //  FOR SHARE: the researcher cannot become inactive, nor the instrument
    //  retire, until the request or booking that names it has committed.
    { "access_researcher_for_share",
      "SELECT organization_id, status FROM researcher WHERE id = $1::uuid FOR SHARE" },
    { "access_instrument_for_share",
      "SELECT facility_id, status FROM instrument WHERE id = $1::uuid FOR SHARE" },
    { "access_insert",
      "INSERT INTO access_request (id, researcher_id, instrument_id, facility_id, organization_id,"
      " hours, purpose, status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::int, $7, 'draft', 1, "
      HT_SQL_FROM_US (8) ", " HT_SQL_FROM_US (8) ")" },
    { "access_get",
      "SELECT " ACCESS_COLUMNS " FROM access_request WHERE id = $1::uuid" },
    { "access_get_for_update",
      "SELECT " ACCESS_COLUMNS " FROM access_request WHERE id = $1::uuid FOR UPDATE" },
    { "access_store",
      "UPDATE access_request SET approved_hours = $2::int, status = $3, status_reason = $4,"
      " booked_from = " HT_SQL_FROM_US (5) ", booked_until = " HT_SQL_FROM_US (6) ","
      " version = $7::bigint, updated_at = " HT_SQL_FROM_US (8) " WHERE id = $1::uuid" },
    { "access_list",
      "SELECT " ACCESS_COLUMNS " FROM access_request"
      " WHERE ($1::uuid IS NULL OR organization_id = $1::uuid)"
      "   AND ($2::uuid IS NULL OR researcher_id = $2::uuid)"
      "   AND ($3::uuid IS NULL OR instrument_id = $3::uuid)"
      "   AND ($4::uuid IS NULL OR facility_id = $4::uuid)"
      "   AND ($5::text IS NULL OR status = $5)"
      "   AND ($6::uuid IS NULL OR id > $6::uuid)"
      " ORDER BY id LIMIT $7::int" },
    //  Bookings of one instrument never overlap, so their start is a cursor.
    //  The WHERE matches the exclusion constraint's, so its index serves.
    { "access_bookings",
      "SELECT " ACCESS_COLUMNS " FROM access_request"
      " WHERE instrument_id = $1::uuid AND status IN ('scheduled', 'completed')"
      "   AND " BOOKED " && " PERIOD (2, 3)
      "   AND ($4::bigint IS NULL OR booked_from > " HT_SQL_FROM_US (4) ")"
      " ORDER BY booked_from LIMIT $5::int" },
    //  Hours of each booking that fall inside the period [$1, $2).
    { "access_hours",
      "SELECT r.region,"
      "  coalesce (sum (b.hours) FILTER (WHERE b.status = 'scheduled'), 0),"
      "  coalesce (sum (b.hours) FILTER (WHERE b.status = 'completed'), 0),"
      "  count (*) FILTER (WHERE b.status = 'scheduled'),"
      "  count (*) FILTER (WHERE b.status = 'completed')"
      " FROM (SELECT researcher_id, status, extract (epoch FROM"
      "         least (booked_until, " HT_SQL_FROM_US (2) ")"
      "         - greatest (booked_from, " HT_SQL_FROM_US (1) ")) / 3600.0 AS hours"
      "       FROM access_request"
      "       WHERE status IN ('scheduled', 'completed') AND " BOOKED " && " PERIOD (1, 2)
      "         AND ($4::uuid IS NULL OR facility_id = $4::uuid)"
      "         AND ($5::uuid IS NULL OR instrument_id = $5::uuid)) b"
      " JOIN researcher r ON r.id = b.researcher_id"
      " WHERE ($3::text IS NULL OR r.region = $3)"
      " GROUP BY r.region ORDER BY r.region" },
    { NULL, NULL }
};

const ht_constraint_t access_constraints [] = {
    { "access_request_booking_overlap", HT_FAILED_PRECONDITION, "from_us",
      "the instrument is already booked for part of this time: choose another time" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire and rows

static Hetao__V1__AccessRequest *
s_request_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__AccessRequest *access = ht_arena_alloc (ht_call_arena (call), sizeof *access);
    hetao__v1__access_request__init (access);
    access->id = PQgetvalue (result, row, 0);
    access->researcher_id = PQgetvalue (result, row, 1);
    access->instrument_id = PQgetvalue (result, row, 2);
    access->facility_id = PQgetvalue (result, row, 3);
    access->organization_id = PQgetvalue (result, row, 4);
    access->has_hours = true;
    access->hours = (int32_t) ht_row_int (result, row, 5);
    access->has_approved_hours = !PQgetisnull (result, row, 6);
    access->approved_hours = (int32_t) ht_row_int (result, row, 6);
    access->purpose = PQgetvalue (result, row, 7);
    access->has_status = true;
    access->status = ht_row_enum (&hetao__v1__access_request_status__descriptor, PQgetvalue (result, row, 8));
    access->status_reason = ht_row_text (result, row, 9);
    access->has_from_us = access->has_until_us = !PQgetisnull (result, row, 10);
    access->from_us = ht_row_int (result, row, 10);
    access->until_us = ht_row_int (result, row, 11);
    access->has_version = access->has_created_at_us = access->has_updated_at_us = true;
    access->version = ht_row_int (result, row, 12);
    access->created_at_us = ht_row_int (result, row, 13);
    access->updated_at_us = ht_row_int (result, row, 14);
    return access;
}

//  Replies with `access` and, when `event` is set, emits it as that event.
static void
s_done (ht_call_t *call, Hetao__V1__AccessRequest *access, const char *event,
        Hetao__V1__AccessRequestStatus previous)
{
    if (event)
        ht_row_emit (call, event, &hetao__v1__access_request_event__descriptor, &access->base,
                     (int) previous);
    ht_row_reply (call, &hetao__v1__access_request_reply__descriptor, &access->base);
}

//  Loads the request `id` with `query` and checks that the caller may act on
//  it; NULL when the call failed (NOT_FOUND, PERMISSION_DENIED, ...).
static Hetao__V1__AccessRequest *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find_as (call, query, "id", "access request", id);
    if (!result)
        return NULL;
    Hetao__V1__AccessRequest *access = s_request_from_row (call, result, 0);
    return ht_call_acts_for (call, "id", access->organization_id)? access: NULL;
}

//  ---------------------------------------------------------------------------
//  Creating a request

//  The researcher's organization, when the researcher exists, is active, and
//  the caller may act for that organization; NULL when the call failed.
static const char *
s_researcher_organization (ht_call_t *call, const char *researcher_id)
{
    PGresult *result = ht_row_find_as (call, "access_researcher_for_share", "researcher_id", "researcher",
                                       researcher_id);
    if (!result)
        return NULL;
    const char *organization = PQgetvalue (result, 0, 0);
    if (!ht_call_acts_for (call, "researcher_id", organization))
        return NULL;
    if (strcmp (PQgetvalue (result, 0, 1), "active")) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "researcher_id", "the researcher %s is %s",
                      researcher_id, PQgetvalue (result, 0, 1));
        return NULL;
    }
    //  The researcher's organization becomes the request's: it must still be in the park.
    const char *field = "researcher_id";
    return org_refer (call, 1, &organization, &field)? organization: NULL;
}

//  The facility of the instrument, when it exists and is active; NULL when
//  the call failed, naming `field`.
static const char *
s_instrument_facility (ht_call_t *call, const char *field, const char *instrument_id)
{
    PGresult *result = ht_row_find_as (call, "access_instrument_for_share", field, "instrument", instrument_id);
    if (!result)
        return NULL;
    if (strcmp (PQgetvalue (result, 0, 1), "active")) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, field, "the instrument %s is retired",
                      instrument_id);
        return NULL;
    }
    return PQgetvalue (result, 0, 0);
}

void
access_create (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CreateAccessRequestRequest *request = (const void *) message;
    ht_call_check_uuid (call, "researcher_id", request->researcher_id);
    ht_call_check_uuid (call, "instrument_id", request->instrument_id);
    if (!request->has_hours)
        ht_call_violation (call, "hours", "is required: 1 to %d", ACCESS_HOURS_MAX);
    else
    if (request->hours < 1 || request->hours > ACCESS_HOURS_MAX)
        ht_call_violation (call, "hours", "must be 1 to %d; it is %d", ACCESS_HOURS_MAX, request->hours);
    ht_call_check_text (call, "purpose", request->purpose, 1, PURPOSE_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    const char *organization = s_researcher_organization (call, request->researcher_id);
    const char *facility = organization? s_instrument_facility (call, "instrument_id", request->instrument_id): NULL;
    if (!facility)
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__AccessRequest access = HETAO__V1__ACCESS_REQUEST__INIT;
    access.id = id;
    access.researcher_id = (char *) ht_row_uuid (call, request->researcher_id);
    access.instrument_id = (char *) ht_row_uuid (call, request->instrument_id);
    access.facility_id = (char *) facility;
    access.organization_id = (char *) organization;
    access.has_hours = true;
    access.hours = request->hours;
    access.purpose = request->purpose;
    access.has_status = true;
    access.status = DRAFT;
    access.has_version = access.has_created_at_us = access.has_updated_at_us = true;
    access.version = 1;
    access.created_at_us = access.updated_at_us = now;
    ht_call_write (call, "access_insert", HT_ARGS (
        id, access.researcher_id, access.instrument_id, access.facility_id, access.organization_id,
        ht_call_int (call, access.hours), access.purpose, ht_call_int (call, now)));
    s_done (call, &access, "registry.access_request.created", 0);
}

void
access_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetAccessRequestRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__AccessRequest *access = s_load (call, request->id, "access_get");
    if (access)
        s_done (call, access, NULL, 0);
}

//  ---------------------------------------------------------------------------
//  The lifecycle

//  Loads the request `id` locked for `event`: it exists, the caller may act
//  on it, it is at `expected` (when given) and the table allows the event.
//  Returns it, or NULL when the call failed.
static Hetao__V1__AccessRequest *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected, access_event_t event)
{
    if (!ht_call_lock (call, "access_request", id))
        return NULL;
    Hetao__V1__AccessRequest *access = s_load (call, id, "access_get_for_update");
    if (!access || !ht_row_check_version (call, "access request", access->version, has_expected, expected))
        return NULL;
    if (!access_transition (access->status, event)) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the access request is %s: it cannot be %s",
                      ht_row_key (call, &hetao__v1__access_request_status__descriptor, access->status),
                      access_event_past (event));
        return NULL;
    }
    return access;
}

//  Moves `access` on by `event`, writes it back with the next version and
//  emits registry.access_request.<what happened>.
static void
s_store (ht_call_t *call, Hetao__V1__AccessRequest *access, access_event_t event)
{
    Hetao__V1__AccessRequestStatus previous = access->status;
    access->status = access_transition (previous, event);
    access->version++;
    access->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "access_store", HT_ARGS (
        access->id,
        access->has_approved_hours? ht_call_int (call, access->approved_hours): NULL,
        ht_row_key (call, &hetao__v1__access_request_status__descriptor, access->status),
        access->status_reason,
        access->has_from_us? ht_call_int (call, access->from_us): NULL,
        access->has_until_us? ht_call_int (call, access->until_us): NULL,
        ht_call_int (call, access->version),
        ht_call_int (call, access->updated_at_us)));
    const char *type = ht_arena_printf (ht_call_arena (call), "registry.access_request.%s",
                                        access_event_past (event));
    s_done (call, access, type, previous);
}

//  Checks the fields every action shares; false when the call failed.
static bool
s_check_action (ht_call_t *call, const Hetao__V1__AccessRequestActionRequest *request,
                bool reason_required)
{
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_text (call, "reason", request->reason, reason_required? 1: 0, REASON_MAX_CHARS);
    return !ht_call_failed (call);
}

//  An action that needs nothing but the table's permission: `event` on the
//  request, with its reason (required when `reason_required`) kept as the
//  status reason when one is given.
static void
s_act (ht_call_t *call, const ProtobufCMessage *message, access_event_t event, bool reason_required)
{
    const Hetao__V1__AccessRequestActionRequest *request = (const void *) message;
    if (!s_check_action (call, request, reason_required))
        return;
    Hetao__V1__AccessRequest *access = s_lock (call, request->id, request->has_expected_version,
                                               request->expected_version, event);
    if (!access)
        return;
    if (request->reason && *request->reason)
        access->status_reason = request->reason;
    s_store (call, access, event);
}

void
access_submit (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, ACCESS_SUBMIT, false);
}

void
access_approve (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AccessRequestActionRequest *request = (const void *) message;
    if (request->has_approved_hours && request->approved_hours < 1)
        ht_call_violation (call, "approved_hours", "must be at least 1; it is %d", request->approved_hours);
    if (!s_check_action (call, request, false))
        return;
    Hetao__V1__AccessRequest *access = s_lock (call, request->id, request->has_expected_version,
                                               request->expected_version, ACCESS_APPROVE);
    if (!access)
        return;
    if (request->has_approved_hours && request->approved_hours > access->hours) {
        ht_call_violation (call, "approved_hours", "must be at most the %d hours asked for; it is %d",
                           access->hours, request->approved_hours);
        return;
    }
    access->has_approved_hours = true;
    access->approved_hours = request->has_approved_hours? request->approved_hours: access->hours;
    s_store (call, access, ACCESS_APPROVE);
}

void
access_reject (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, ACCESS_REJECT, true);
}

void
access_schedule (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ScheduleAccessRequestRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (!request->has_from_us)
        ht_call_violation (call, "from_us", "is required: the start of the booking");
    if (!request->has_until_us)
        ht_call_violation (call, "until_us", "is required: the end of the booking");
    if (ht_call_failed (call))
        return;
    Hetao__V1__AccessRequest *access = s_lock (call, request->id, request->has_expected_version,
                                               request->expected_version, ACCESS_SCHEDULE);
    if (!access)
        return;
    const char *field;
    char error [200];
    if (!access_booking_check (request->from_us, request->until_us, access->approved_hours,
                               &field, error, sizeof error)) {
        ht_call_violation (call, field, "%s", error);
        return;
    }
    //  A retired instrument takes no new bookings.
    if (!s_instrument_facility (call, "id", access->instrument_id))
        return;
    access->has_from_us = access->has_until_us = true;
    access->from_us = request->from_us;
    access->until_us = request->until_us;
    s_store (call, access, ACCESS_SCHEDULE);
}

void
access_complete (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, ACCESS_COMPLETE, false);
}

//  A cancelled request keeps the time it had booked, for the record; the
//  exclusion constraint ignores it, so the time is free again.
void
access_cancel (ht_call_t *call, const ProtobufCMessage *message)
{
    s_act (call, message, ACCESS_CANCEL, false);
}

//  ---------------------------------------------------------------------------
//  Queries

void
access_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListAccessRequestsRequest *request = (const void *) message;
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->researcher_id)
        ht_call_check_uuid (call, "researcher_id", request->researcher_id);
    if (request->instrument_id)
        ht_call_check_uuid (call, "instrument_id", request->instrument_id);
    if (request->facility_id)
        ht_call_check_uuid (call, "facility_id", request->facility_id);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status,
                            &hetao__v1__access_request_status__descriptor);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call) || !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;

    PGresult *result = ht_call_query (call, "access_list", HT_ARGS (
        request->organization_id, request->researcher_id, request->instrument_id, request->facility_id,
        request->has_status? ht_row_key (call, &hetao__v1__access_request_status__descriptor, request->status): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListAccessRequestsReply reply = HETAO__V1__LIST_ACCESS_REQUESTS_REPLY__INIT;
    reply.access_requests = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.access_requests [reply.n_access_requests++] = s_request_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.access_requests [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

//  Records a violation unless [from_us, until_us) of a query is a valid period.
static void
s_check_period (ht_call_t *call, bool has_from, int64_t from_us, bool has_until, int64_t until_us)
{
    const char *field;
    char error [200];
    if (!has_from)
        ht_call_violation (call, "from_us", "is required: the start of the period");
    if (!has_until)
        ht_call_violation (call, "until_us", "is required: the end of the period");
    if (has_from && has_until && !access_period_check (from_us, until_us, &field, error, sizeof error))
        ht_call_violation (call, field, "%s", error);
}

void
access_bookings (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListBookingsRequest *request = (const void *) message;
    ht_call_check_uuid (call, "instrument_id", request->instrument_id);
    s_check_period (call, request->has_from_us, request->from_us, request->has_until_us, request->until_us);
    //  The token is not an id here, so it is checked below rather than by ht_row_page_size.
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size, NULL);
    //  The token is the start of the last booking of the previous page.
    char *end = NULL;
    if (request->page_token) {
        strtoll (request->page_token, &end, 10);
        if (!*request->page_token || *end)
            ht_call_violation (call, "page_token", "is not a token this service issued: pass "
                               "next_page_token of the previous page unchanged");
    }
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "access_bookings", HT_ARGS (
        request->instrument_id,
        ht_call_int (call, request->from_us), ht_call_int (call, request->until_us),
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__ListBookingsReply reply = HETAO__V1__LIST_BOOKINGS_REPLY__INIT;
    reply.bookings = ht_arena_alloc (arena, sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__AccessRequest *access = s_request_from_row (call, result, row);
        Hetao__V1__Booking *booking = ht_arena_alloc (arena, sizeof *booking);
        hetao__v1__booking__init (booking);
        booking->access_request_id = access->id;
        booking->instrument_id = access->instrument_id;
        booking->researcher_id = access->researcher_id;
        booking->organization_id = access->organization_id;
        booking->has_from_us = booking->has_until_us = booking->has_hours = booking->has_status = true;
        booking->from_us = access->from_us;
        booking->until_us = access->until_us;
        booking->hours = access->approved_hours;
        booking->status = access->status;
        reply.bookings [reply.n_bookings++] = booking;
    }
    if (more)
        reply.next_page_token = (char *) ht_call_int (call, reply.bookings [rows - 1]->from_us);
    ht_call_reply (call, &reply.base);
}

//  Hours of `region`, all zero, in the call's arena.
static Hetao__V1__RegionHours *
s_region_hours_new (ht_call_t *call, Hetao__V1__Region region)
{
    Hetao__V1__RegionHours *hours = ht_arena_alloc (ht_call_arena (call), sizeof *hours);
    hetao__v1__region_hours__init (hours);
    hours->has_region = hours->has_scheduled_hours = hours->has_completed_hours = true;
    hours->has_scheduled_bookings = hours->has_completed_bookings = true;
    hours->region = region;
    return hours;
}

void
access_hours (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__FacilityHoursRequest *request = (const void *) message;
    s_check_period (call, request->has_from_us, request->from_us, request->has_until_us, request->until_us);
    if (request->has_region)
        ht_call_check_enum (call, "region", true, request->region, &hetao__v1__region__descriptor);
    if (request->facility_id)
        ht_call_check_uuid (call, "facility_id", request->facility_id);
    if (request->instrument_id)
        ht_call_check_uuid (call, "instrument_id", request->instrument_id);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "access_hours", HT_ARGS (
        ht_call_int (call, request->from_us), ht_call_int (call, request->until_us),
        request->has_region? ht_row_key (call, &hetao__v1__region__descriptor, request->region): NULL,
        request->facility_id, request->instrument_id));
    if (!result)
        return;
    int rows = PQntuples (result);
    Hetao__V1__FacilityHoursReply reply = HETAO__V1__FACILITY_HOURS_REPLY__INIT;
    reply.regions = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__RegionHours *hours = s_region_hours_new (call,
            ht_row_enum (&hetao__v1__region__descriptor, PQgetvalue (result, row, 0)));
        hours->scheduled_hours = strtod (PQgetvalue (result, row, 1), NULL);
        hours->completed_hours = strtod (PQgetvalue (result, row, 2), NULL);
        hours->scheduled_bookings = ht_row_int (result, row, 3);
        hours->completed_bookings = ht_row_int (result, row, 4);
        reply.regions [reply.n_regions++] = hours;
    }
    //  A region asked for by name is always answered, with zeros when it has no hours.
    if (request->has_region && rows == 0)
        reply.regions [reply.n_regions++] = s_region_hours_new (call, request->region);
    ht_call_reply (call, &reply.base);
}

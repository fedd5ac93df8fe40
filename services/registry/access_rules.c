/*  access_rules - the rules of access requests that need no database  */

#include "access_rules.h"

#include <inttypes.h>
#include <stdio.h>

#define DRAFT     HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_DRAFT
#define SUBMITTED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SUBMITTED
#define APPROVED  HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_APPROVED
#define REJECTED  HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_REJECTED
#define SCHEDULED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SCHEDULED
#define COMPLETED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_COMPLETED
#define CANCELLED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_CANCELLED
#define REFUSED   HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_UNSPECIFIED
#define STATUSES  (CANCELLED + 1)

//  2000-01-01 and 2200-01-01 in microseconds since the epoch: far enough
//  apart for any booking, near enough that no arithmetic on them overflows.
#define PERIOD_MIN_US INT64_C (946684800000000)
#define PERIOD_MAX_US INT64_C (7258118400000000)

//  s_table [from][event]: the next status; REFUSED (0) where the lifecycle
//  has no such move. Cancelling is possible from every state before
//  completion; rejected, completed and cancelled are final.
static const Hetao__V1__AccessRequestStatus s_table [STATUSES][ACCESS_EVENTS] = {
    //               submit     approve   reject    schedule   complete   cancel
    [DRAFT]     = { SUBMITTED, REFUSED,  REFUSED,  REFUSED,   REFUSED,   CANCELLED },
    [SUBMITTED] = { REFUSED,   APPROVED, REJECTED, REFUSED,   REFUSED,   CANCELLED },
    [APPROVED]  = { REFUSED,   REFUSED,  REFUSED,  SCHEDULED, REFUSED,   CANCELLED },
    [SCHEDULED] = { REFUSED,   REFUSED,  REFUSED,  REFUSED,   COMPLETED, CANCELLED },
    [REJECTED]  = { REFUSED,   REFUSED,  REFUSED,  REFUSED,   REFUSED,   REFUSED },
    [COMPLETED] = { REFUSED,   REFUSED,  REFUSED,  REFUSED,   REFUSED,   REFUSED },
    [CANCELLED] = { REFUSED,   REFUSED,  REFUSED,  REFUSED,   REFUSED,   REFUSED },
};

static const char *s_verbs [ACCESS_EVENTS] = {
    "submit", "approve", "reject", "schedule", "complete", "cancel"
};
static const char *s_pasts [ACCESS_EVENTS] = {
    "submitted", "approved", "rejected", "scheduled", "completed", "cancelled"
};

Hetao__V1__AccessRequestStatus
access_transition (Hetao__V1__AccessRequestStatus from, access_event_t event)
{
    if ((int) from <= 0 || (int) from >= STATUSES || (int) event < 0 || event >= ACCESS_EVENTS)
        return REFUSED;
    return s_table [from][event];
}

const char *
access_event_verb (access_event_t event)
{
    return (int) event >= 0 && event < ACCESS_EVENTS? s_verbs [event]: "?";
}

const char *
access_event_past (access_event_t event)
{
    return (int) event >= 0 && event < ACCESS_EVENTS? s_pasts [event]: "?";
}

bool
access_period_check (int64_t from_us, int64_t until_us, const char **field,
                     char *error, size_t error_size)
{
    if (from_us < PERIOD_MIN_US || from_us >= PERIOD_MAX_US) {
        *field = "from_us";
        snprintf (error, error_size, "must be a time from 2000-01-01 to 2200-01-01 "
                  "(microseconds since the epoch); it is %" PRId64, from_us);
        return false;
    }
    if (until_us <= PERIOD_MIN_US || until_us > PERIOD_MAX_US) {
        *field = "until_us";
        snprintf (error, error_size, "must be a time from 2000-01-01 to 2200-01-01 "
                  "(microseconds since the epoch); it is %" PRId64, until_us);
        return false;
    }
    if (until_us <= from_us) {
        *field = "until_us";
        snprintf (error, error_size, "must be after from_us");
        return false;
    }
    return true;
}

bool
access_booking_check (int64_t from_us, int64_t until_us, int approved_hours,
                      const char **field, char *error, size_t error_size)
{
    if (!access_period_check (from_us, until_us, field, error, error_size))
        return false;
    int64_t length = until_us - from_us;
    if (length != approved_hours * ACCESS_US_PER_HOUR) {
        *field = "until_us";
        if (length % ACCESS_US_PER_HOUR == 0)
            snprintf (error, error_size, "the booking is %" PRId64 " hours long; the request was "
                      "approved for exactly %d", length / ACCESS_US_PER_HOUR, approved_hours);
        else
            snprintf (error, error_size, "the booking is %.3f hours long; the request was "
                      "approved for exactly %d", (double) length / (double) ACCESS_US_PER_HOUR,
                      approved_hours);
        return false;
    }
    return true;
}

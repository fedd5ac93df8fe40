/*  access_rules - the rules of access requests that need no database

    The lifecycle as a table (status x event -> next status or refusal), and
    the checks of booked and queried time ranges. Pure functions;
    unit-tested in tests/unit/test_access_rules.c.
*/
#ifndef ACCESS_RULES_H_INCLUDED
#define ACCESS_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetao/v1/registry.pb-c.h"

#define ACCESS_HOURS_MAX 8760           //  a year of instrument time
#define ACCESS_US_PER_HOUR INT64_C (3600000000)

//  What can happen to an access request.
typedef enum {
    ACCESS_SUBMIT,
    ACCESS_APPROVE,
    ACCESS_REJECT,
    ACCESS_SCHEDULE,
    ACCESS_COMPLETE,
    ACCESS_CANCEL,
    ACCESS_EVENTS                       //  how many there are
} access_event_t;

//  The status a request in `from` moves to on `event`, or
//  ACCESS_REQUEST_STATUS_UNSPECIFIED when the table refuses it.
Hetao__V1__AccessRequestStatus access_transition (Hetao__V1__AccessRequestStatus from,
                                                  access_event_t event);

//  The event's verb ("submit"), for messages, and its event type's last word
//  ("submitted"), for registry.access_request.<what>.
const char *access_event_verb (access_event_t event);
const char *access_event_past (access_event_t event);

//  Checks [from_us, until_us), microseconds since the epoch, as a range of
//  time between 2000-01-01 and 2200-01-01 with from before until. On failure
//  writes the field at fault ("from_us" or "until_us") and what is wrong.
bool access_period_check (int64_t from_us, int64_t until_us, const char **field,
                          char *error, size_t error_size);

//  Checks [from_us, until_us) as the booking of `approved_hours`: a valid
//  period exactly that long. On failure writes the field at fault and what is wrong.
bool access_booking_check (int64_t from_us, int64_t until_us, int approved_hours,
                           const char **field, char *error, size_t error_size);

#endif

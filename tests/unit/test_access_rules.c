/*  test_access_rules - the access request lifecycle table and booking ranges

    The lifecycle is written out here a second time, as the list of moves the
    protocol allows; every (status, event) pair not on the list must be
    refused, so a wrong cell in either place shows up.
*/

#include "ht_test.h"
#include "access_rules.h"

#define NONE      HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_UNSPECIFIED
#define DRAFT     HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_DRAFT
#define SUBMITTED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SUBMITTED
#define APPROVED  HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_APPROVED
#define REJECTED  HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_REJECTED
#define SCHEDULED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_SCHEDULED
#define COMPLETED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_COMPLETED
#define CANCELLED HETAO__V1__ACCESS_REQUEST_STATUS__ACCESS_REQUEST_STATUS_CANCELLED

#define HOUR ACCESS_US_PER_HOUR
//  2027-03-01T08:00:00Z
#define MARCH_1 INT64_C (1803888000000000)

typedef struct {
    int from;
    access_event_t event;
    int to;
} move_t;

//  Every move docs/protocol.md allows, and nothing else.
static const move_t s_allowed [] = {
    { DRAFT,     ACCESS_SUBMIT,   SUBMITTED },
    { SUBMITTED, ACCESS_APPROVE,  APPROVED },
    { SUBMITTED, ACCESS_REJECT,   REJECTED },
    { APPROVED,  ACCESS_SCHEDULE, SCHEDULED },
    { SCHEDULED, ACCESS_COMPLETE, COMPLETED },
    { DRAFT,     ACCESS_CANCEL,   CANCELLED },
    { SUBMITTED, ACCESS_CANCEL,   CANCELLED },
    { APPROVED,  ACCESS_CANCEL,   CANCELLED },
    { SCHEDULED, ACCESS_CANCEL,   CANCELLED },
};

static int
s_expected (int from, access_event_t event)
{
    for (size_t i = 0; i < sizeof s_allowed / sizeof s_allowed [0]; i++)
        if (s_allowed [i].from == from && s_allowed [i].event == event)
            return s_allowed [i].to;
    return NONE;
}

static void
test_every_status_and_event_follows_the_documented_lifecycle (void)
{
    for (int from = NONE; from <= CANCELLED; from++)
        for (int event = 0; event < ACCESS_EVENTS; event++)
            ASSERT_INT_EQ (access_transition (from, (access_event_t) event),
                           s_expected (from, (access_event_t) event));
}

static void
test_cancel_is_possible_from_every_state_before_completion_only (void)
{
    ASSERT_INT_EQ (access_transition (DRAFT, ACCESS_CANCEL), CANCELLED);
    ASSERT_INT_EQ (access_transition (SCHEDULED, ACCESS_CANCEL), CANCELLED);
    ASSERT_INT_EQ (access_transition (COMPLETED, ACCESS_CANCEL), NONE);
    ASSERT_INT_EQ (access_transition (CANCELLED, ACCESS_CANCEL), NONE);
    ASSERT_INT_EQ (access_transition (REJECTED, ACCESS_CANCEL), NONE);
}

static void
test_values_outside_the_table_are_refused (void)
{
    ASSERT_INT_EQ (access_transition (99, ACCESS_SUBMIT), NONE);
    ASSERT_INT_EQ (access_transition (-1, ACCESS_SUBMIT), NONE);
    ASSERT_INT_EQ (access_transition (DRAFT, ACCESS_EVENTS), NONE);
    ASSERT_INT_EQ (access_transition (DRAFT, (access_event_t) -1), NONE);
}

static void
test_event_names_make_the_event_types (void)
{
    ASSERT_STR_EQ (access_event_verb (ACCESS_SCHEDULE), "schedule");
    ASSERT_STR_EQ (access_event_past (ACCESS_SCHEDULE), "scheduled");
    ASSERT_STR_EQ (access_event_past (ACCESS_CANCEL), "cancelled");
    ASSERT_STR_EQ (access_event_past (ACCESS_EVENTS), "?");
}

static void
test_a_booking_as_long_as_the_approved_hours_is_accepted (void)
{
    const char *field = NULL;
    char error [200];
    ASSERT_TRUE (access_booking_check (MARCH_1, MARCH_1 + 24 * HOUR, 24, &field, error, sizeof error));
    ASSERT_TRUE (access_booking_check (MARCH_1, MARCH_1 + HOUR, 1, &field, error, sizeof error));
}

static void
test_a_booking_of_another_length_is_refused_naming_until (void)
{
    const char *field = NULL;
    char error [200];
    ASSERT_FALSE (access_booking_check (MARCH_1, MARCH_1 + 23 * HOUR, 24, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "until_us");
    ASSERT_STR_CONTAINS (error, "23 hours");
    ASSERT_STR_CONTAINS (error, "exactly 24");
    ASSERT_FALSE (access_booking_check (MARCH_1, MARCH_1 + 24 * HOUR + 1, 24, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "until_us");
    ASSERT_FALSE (access_booking_check (MARCH_1, MARCH_1 + HOUR / 2, 1, &field, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "0.500 hours");
}

static void
test_a_period_must_run_forwards_within_the_supported_years (void)
{
    const char *field = NULL;
    char error [200];
    ASSERT_FALSE (access_period_check (MARCH_1, MARCH_1, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "until_us");
    ASSERT_FALSE (access_period_check (MARCH_1, MARCH_1 - HOUR, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "until_us");
    ASSERT_FALSE (access_period_check (0, MARCH_1, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "from_us");
    ASSERT_FALSE (access_period_check (MARCH_1, INT64_MAX, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "until_us");
    ASSERT_FALSE (access_booking_check (INT64_MIN, INT64_MIN + 24 * HOUR, 24, &field, error, sizeof error));
    ASSERT_STR_EQ (field, "from_us");
    ASSERT_TRUE (access_period_check (MARCH_1, MARCH_1 + 1, &field, error, sizeof error));
}

int
main (void)
{
    HT_TEST_RUN (test_every_status_and_event_follows_the_documented_lifecycle);
    HT_TEST_RUN (test_cancel_is_possible_from_every_state_before_completion_only);
    HT_TEST_RUN (test_values_outside_the_table_are_refused);
    HT_TEST_RUN (test_event_names_make_the_event_types);
    HT_TEST_RUN (test_a_booking_as_long_as_the_approved_hours_is_accepted);
    HT_TEST_RUN (test_a_booking_of_another_length_is_refused_naming_until);
    HT_TEST_RUN (test_a_period_must_run_forwards_within_the_supported_years);
    return 0;
}

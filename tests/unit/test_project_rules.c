/*  test_project_rules - calendar dates on the wire and the project lifecycle  */

#include "ht_test.h"
#include "project_rules.h"

#define PROPOSED    HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_PROPOSED
#define ACTIVE      HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_ACTIVE
#define COMPLETED   HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_COMPLETED
#define TERMINATED  HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_TERMINATED
#define STATUS_NONE HETAO__V1__PROJECT_STATUS__PROJECT_STATUS_UNSPECIFIED

static bool
s_date (const char *text)
{
    char error [160] = "";
    bool ok = project_date_check (text, error, sizeof error);
    ASSERT_TRUE (ok || *error);
    return ok;
}

//  ---------------------------------------------------------------------------
//  Dates

static void
test_calendar_dates_are_accepted (void)
{
    ASSERT_TRUE (s_date ("2027-01-01"));
    ASSERT_TRUE (s_date ("2027-12-31"));
    ASSERT_TRUE (s_date ("1000-01-01"));
    ASSERT_TRUE (s_date ("9999-12-31"));
    ASSERT_TRUE (s_date ("2027-04-30"));
}

static void
test_february_29_exists_in_leap_years_only (void)
{
    ASSERT_TRUE (s_date ("2028-02-29"));
    ASSERT_TRUE (s_date ("2000-02-29"));          //  divisible by 400
    ASSERT_FALSE (s_date ("2027-02-29"));
    ASSERT_FALSE (s_date ("2100-02-29"));         //  divisible by 100, not 400
    ASSERT_FALSE (s_date ("2028-02-30"));
}

static void
test_days_and_months_out_of_range_are_refused (void)
{
    ASSERT_FALSE (s_date ("2027-00-10"));
    ASSERT_FALSE (s_date ("2027-13-01"));
    ASSERT_FALSE (s_date ("2027-01-00"));
    ASSERT_FALSE (s_date ("2027-01-32"));
    ASSERT_FALSE (s_date ("2027-04-31"));
    ASSERT_FALSE (s_date ("0999-12-31"));
}

static void
test_only_the_yyyy_mm_dd_shape_is_accepted (void)
{
    ASSERT_FALSE (s_date (""));
    ASSERT_FALSE (s_date ("2027-1-01"));
    ASSERT_FALSE (s_date ("2027/01/01"));
    ASSERT_FALSE (s_date ("01-01-2027"));
    ASSERT_FALSE (s_date ("2027-01-01T00:00:00Z"));
    ASSERT_FALSE (s_date ("2027-01-0a"));
    ASSERT_FALSE (s_date ("+2027-01-1"));
    ASSERT_FALSE (s_date ("2027-01- 1"));
}

static void
test_the_error_says_what_is_wrong (void)
{
    char error [160];
    ASSERT_FALSE (project_date_check ("2027-02-29", error, sizeof error));
    ASSERT_STR_CONTAINS (error, "01 to 28");
    ASSERT_FALSE (project_date_check ("27-2-1", error, sizeof error));
    ASSERT_STR_CONTAINS (error, "YYYY-MM-DD");
}

//  ---------------------------------------------------------------------------
//  Lifecycle

static ht_transition_result_t
s_move (int from, int to)
{
    return ht_lifecycle_move (project_transitions, project_transitions_count, from, to);
}

//  The whole table, written out: a row that changes must change here too.
static void
test_status_transition_table_is_exactly_the_documented_one (void)
{
    static const int statuses [] = { PROPOSED, ACTIVE, COMPLETED, TERMINATED };
    static const ht_transition_result_t expected [4][4] = {
        //  to: PROPOSED            ACTIVE                   COMPLETED                TERMINATED
        { HT_TRANSITION_SAME,      HT_TRANSITION_OK,        HT_TRANSITION_FORBIDDEN, HT_TRANSITION_OK },
        { HT_TRANSITION_FORBIDDEN, HT_TRANSITION_SAME,      HT_TRANSITION_OK,        HT_TRANSITION_OK },
        { HT_TRANSITION_FORBIDDEN, HT_TRANSITION_FORBIDDEN, HT_TRANSITION_SAME,      HT_TRANSITION_FORBIDDEN },
        { HT_TRANSITION_FORBIDDEN, HT_TRANSITION_FORBIDDEN, HT_TRANSITION_FORBIDDEN, HT_TRANSITION_SAME },
    };
    for (int from = 0; from < 4; from++)
        for (int to = 0; to < 4; to++) {
            ht_transition_result_t actual = s_move (statuses [from], statuses [to]);
            if (actual != expected [from][to])
                fprintf (stderr, "status %d -> %d\n", statuses [from], statuses [to]);
            ASSERT_INT_EQ (actual, expected [from][to]);
        }
}

static void
test_no_status_moves_to_unspecified (void)
{
    ASSERT_INT_EQ (s_move (PROPOSED, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
    ASSERT_INT_EQ (s_move (ACTIVE, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
    ASSERT_INT_EQ (s_move (STATUS_NONE, ACTIVE), HT_TRANSITION_FORBIDDEN);
}

static void
test_termination_alone_needs_a_reason (void)
{
    ASSERT_TRUE (project_status_needs_reason (TERMINATED));
    ASSERT_FALSE (project_status_needs_reason (ACTIVE));
    ASSERT_FALSE (project_status_needs_reason (COMPLETED));
    ASSERT_FALSE (project_status_needs_reason (PROPOSED));
}

static void
test_completed_and_terminated_are_final (void)
{
    ASSERT_TRUE (project_status_final (COMPLETED));
    ASSERT_TRUE (project_status_final (TERMINATED));
    ASSERT_FALSE (project_status_final (PROPOSED));
    ASSERT_FALSE (project_status_final (ACTIVE));
}

int
main (void)
{
    HT_TEST_RUN (test_calendar_dates_are_accepted);
    HT_TEST_RUN (test_february_29_exists_in_leap_years_only);
    HT_TEST_RUN (test_days_and_months_out_of_range_are_refused);
    HT_TEST_RUN (test_only_the_yyyy_mm_dd_shape_is_accepted);
    HT_TEST_RUN (test_the_error_says_what_is_wrong);
    HT_TEST_RUN (test_status_transition_table_is_exactly_the_documented_one);
    HT_TEST_RUN (test_no_status_moves_to_unspecified);
    HT_TEST_RUN (test_termination_alone_needs_a_reason);
    HT_TEST_RUN (test_completed_and_terminated_are_final);
    return 0;
}

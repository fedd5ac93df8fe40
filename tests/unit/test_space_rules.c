/*  test_space_rules - areas, the park's day, unit codes and the park and unit status tables  */

#include "ht_test.h"
#include "space_rules.h"

#include <string.h>

#define PLANNED     HETAO__V1__PARK_STATUS__PARK_STATUS_PLANNED
#define OPERATING   HETAO__V1__PARK_STATUS__PARK_STATUS_OPERATING
#define CLOSED      HETAO__V1__PARK_STATUS__PARK_STATUS_CLOSED
#define PARK_NONE   HETAO__V1__PARK_STATUS__PARK_STATUS_UNSPECIFIED

#define AVAILABLE   HETAO__V1__UNIT_STATUS__UNIT_STATUS_AVAILABLE
#define UNAVAILABLE HETAO__V1__UNIT_STATUS__UNIT_STATUS_UNAVAILABLE
#define RETIRED     HETAO__V1__UNIT_STATUS__UNIT_STATUS_RETIRED
#define UNIT_NONE   HETAO__V1__UNIT_STATUS__UNIT_STATUS_UNSPECIFIED

static int64_t
s_area (const char *text)
{
    int64_t centi = -1;
    char error [200];
    ASSERT_TRUE (space_area_parse (text, &centi, error, sizeof error));
    return centi;
}

static const char *
s_area_error (const char *text)
{
    static char error [200];
    int64_t centi = -1;
    error [0] = 0;
    ASSERT_FALSE (space_area_parse (text, &centi, error, sizeof error));
    ASSERT_INT_EQ (centi, -1);
    return error;
}

static void
test_area_with_zero_one_or_two_decimals_is_exact_in_hundredths (void)
{
    ASSERT_INT_EQ (s_area ("1000"), 100000);
    ASSERT_INT_EQ (s_area ("1000.5"), 100050);
    ASSERT_INT_EQ (s_area ("1000.50"), 100050);
    ASSERT_INT_EQ (s_area ("1000.05"), 100005);
    ASSERT_INT_EQ (s_area ("0.01"), 1);
    ASSERT_INT_EQ (s_area ("007"), 700);
    ASSERT_INT_EQ (s_area ("9999999999.99"), SPACE_AREA_MAX_CENTI);
}

static void
test_area_with_three_decimals_is_refused_as_over_precise (void)
{
    ASSERT_STR_CONTAINS (s_area_error ("1000.505"), "more than two decimal places");
    ASSERT_STR_CONTAINS (s_area_error ("0.001"), "more than two decimal places");
    ASSERT_STR_CONTAINS (s_area_error ("1.000"), "more than two decimal places");
}

static void
test_zero_area_is_refused (void)
{
    ASSERT_STR_CONTAINS (s_area_error ("0"), "more than zero");
    ASSERT_STR_CONTAINS (s_area_error ("0.00"), "more than zero");
}

static void
test_signs_exponents_spaces_and_stray_characters_are_refused (void)
{
    const char *bad [] = { "", "-1", "+1", "1e3", " 1", "1 ", "1,000", "1.", ".5", "1..5",
                           "1.5.0", "abc", "NaN", "Infinity", "１０", NULL };
    for (int i = 0; bad [i]; i++)
        ASSERT_STR_CONTAINS (s_area_error (bad [i]), "digits");
}

static void
test_area_above_numeric_12_2_is_refused (void)
{
    ASSERT_STR_CONTAINS (s_area_error ("10000000000"), "at most");
    ASSERT_STR_CONTAINS (s_area_error ("99999999999999999999999"), "at most");
}

static void
test_area_format_always_has_two_decimals (void)
{
    char out [24];
    space_area_format (100000, out, sizeof out);
    ASSERT_STR_EQ (out, "1000.00");
    space_area_format (100005, out, sizeof out);
    ASSERT_STR_EQ (out, "1000.05");
    space_area_format (1, out, sizeof out);
    ASSERT_STR_EQ (out, "0.01");
    space_area_format (0, out, sizeof out);
    ASSERT_STR_EQ (out, "0.00");
    space_area_format (SPACE_AREA_MAX_CENTI, out, sizeof out);
    ASSERT_STR_EQ (out, "9999999999.99");
}

static void
test_today_is_the_date_in_shanghai (void)
{
    char out [16];
    space_date_from_us (0, out, sizeof out);
    ASSERT_STR_EQ (out, "1970-01-01");
    //  2027-06-14T15:59:59Z is 23:59:59 in Shanghai; a second later it is the 15th.
    space_date_from_us (1812988799LL * 1000000, out, sizeof out);
    ASSERT_STR_EQ (out, "2027-06-14");
    space_date_from_us (1812988800LL * 1000000, out, sizeof out);
    ASSERT_STR_EQ (out, "2027-06-15");
    //  A leap day, and the last second of a year in UTC (already next year in Shanghai).
    space_date_from_us (1709164800LL * 1000000, out, sizeof out);
    ASSERT_STR_EQ (out, "2024-02-29");
    space_date_from_us (1798761599LL * 1000000, out, sizeof out);
    ASSERT_STR_EQ (out, "2027-01-01");
}

static void
test_unit_codes_are_short_plain_identifiers (void)
{
    char error [200];
    const char *good [] = { "A-101", "B2.F3/07", "lab_1", "7", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", NULL };
    for (int i = 0; good [i]; i++)
        ASSERT_TRUE (space_code_check (good [i], error, sizeof error));
    const char *bad [] = { "", "-A", "A 101", "A;101", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "房101", NULL };
    for (int i = 0; bad [i]; i++) {
        ASSERT_FALSE (space_code_check (bad [i], error, sizeof error));
        ASSERT_STR_CONTAINS (error, "1 to 32");
    }
}

static void
test_park_status_table_is_exactly_the_documented_one (void)
{
    const int states [] = { PLANNED, OPERATING, CLOSED };
    //  expected [from][to]: 1 allowed, 0 refused, 2 same.
    const int expected [3][3] = {
        /* planned   */ { 2, 1, 1 },
        /* operating */ { 0, 2, 1 },
        /* closed    */ { 0, 0, 2 },
    };
    for (int from = 0; from < 3; from++)
        for (int to = 0; to < 3; to++) {
            ht_transition_result_t got = ht_lifecycle_move (space_park_transitions, space_park_transitions_count,
                                                            states [from], states [to]);
            int want = expected [from][to];
            ASSERT_INT_EQ (got, want == 1? HT_TRANSITION_OK: want == 2? HT_TRANSITION_SAME: HT_TRANSITION_FORBIDDEN);
        }
    ASSERT_INT_EQ (ht_lifecycle_move (space_park_transitions, space_park_transitions_count, PLANNED, PARK_NONE),
                   HT_TRANSITION_FORBIDDEN);
    ASSERT_TRUE (space_park_status_needs_reason (CLOSED));
    ASSERT_FALSE (space_park_status_needs_reason (OPERATING));
}

static void
test_unit_status_table_is_exactly_the_documented_one (void)
{
    const int states [] = { AVAILABLE, UNAVAILABLE, RETIRED };
    const int expected [3][3] = {
        /* available   */ { 2, 1, 1 },
        /* unavailable */ { 1, 2, 1 },
        /* retired     */ { 0, 0, 2 },
    };
    for (int from = 0; from < 3; from++)
        for (int to = 0; to < 3; to++) {
            ht_transition_result_t got = ht_lifecycle_move (space_unit_transitions, space_unit_transitions_count,
                                                            states [from], states [to]);
            int want = expected [from][to];
            ASSERT_INT_EQ (got, want == 1? HT_TRANSITION_OK: want == 2? HT_TRANSITION_SAME: HT_TRANSITION_FORBIDDEN);
        }
    ASSERT_INT_EQ (ht_lifecycle_move (space_unit_transitions, space_unit_transitions_count, AVAILABLE, UNIT_NONE),
                   HT_TRANSITION_FORBIDDEN);
    ASSERT_TRUE (space_unit_status_needs_reason (RETIRED));
    ASSERT_TRUE (space_unit_status_needs_reason (UNAVAILABLE));
    ASSERT_FALSE (space_unit_status_needs_reason (AVAILABLE));
}

int
main (void)
{
    HT_TEST_RUN (test_area_with_zero_one_or_two_decimals_is_exact_in_hundredths);
    HT_TEST_RUN (test_area_with_three_decimals_is_refused_as_over_precise);
    HT_TEST_RUN (test_zero_area_is_refused);
    HT_TEST_RUN (test_signs_exponents_spaces_and_stray_characters_are_refused);
    HT_TEST_RUN (test_area_above_numeric_12_2_is_refused);
    HT_TEST_RUN (test_area_format_always_has_two_decimals);
    HT_TEST_RUN (test_today_is_the_date_in_shanghai);
    HT_TEST_RUN (test_unit_codes_are_short_plain_identifiers);
    HT_TEST_RUN (test_park_status_table_is_exactly_the_documented_one);
    HT_TEST_RUN (test_unit_status_table_is_exactly_the_documented_one);
    return 0;
}

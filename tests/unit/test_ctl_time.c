/*  test_ctl_time - hetaoctl reads times as a person writes them and prints
    booking ranges as times

    The expected values are computed independently: 2027-03-01T08:00:00Z is
    1803888000 seconds after the epoch (python3 -c 'import datetime; ...').
*/

#include "ht_test.h"
#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

#include <stdlib.h>

#define SECOND INT64_C (1000000)
#define HOUR   (3600 * SECOND)
//  2027-03-01T08:00:00Z
#define MARCH_1_8Z (INT64_C (1803888000) * SECOND)

static int64_t
s_parse (const char *text)
{
    int64_t us = 0;
    if (!ctl_time_parse (text, &us)) {
        fprintf (stderr, "could not parse %s\n", text);
        ASSERT_TRUE (false);
    }
    return us;
}

static void
test_a_time_with_z_or_an_offset_is_that_instant (void)
{
    ASSERT_INT_EQ (s_parse ("2027-03-01T08:00:00Z"), MARCH_1_8Z);
    ASSERT_INT_EQ (s_parse ("2027-03-01T16:00:00+08:00"), MARCH_1_8Z);
    ASSERT_INT_EQ (s_parse ("2027-03-01T03:30:00-04:30"), MARCH_1_8Z);
    ASSERT_INT_EQ (s_parse ("2027-03-01T08:00Z"), MARCH_1_8Z);
    ASSERT_INT_EQ (s_parse ("2027-03-01T08:00:00.25Z"), MARCH_1_8Z + SECOND / 4);
    ASSERT_INT_EQ (s_parse ("2027-03-01T08:00:00.000001Z"), MARCH_1_8Z + 1);
    ASSERT_INT_EQ (s_parse ("1970-01-01T00:00:00Z"), 0);
}

static void
test_a_time_or_date_without_an_offset_is_the_parks_time (void)
{
    ASSERT_INT_EQ (s_parse ("2027-03-01T16:00:00"), MARCH_1_8Z);
    //  Midnight in Shenzhen is 16:00 UTC the day before.
    ASSERT_INT_EQ (s_parse ("2027-03-02"), MARCH_1_8Z + 8 * HOUR);
    ASSERT_INT_EQ (s_parse ("2028-01-01") - s_parse ("2027-01-01"), 365 * 24 * HOUR);
    ASSERT_INT_EQ (s_parse ("2028-03-01") - s_parse ("2028-02-28"), 2 * 24 * HOUR);
}

static void
test_anything_else_is_refused (void)
{
    const char *bad [] = {
        "", "2027", "2027-3-1", "2027-13-01", "2027-02-29", "2027-04-31", "2027-00-10",
        "2027-03-01T24:00:00Z", "2027-03-01T08:60Z", "2027-03-01T08:00:61Z", "2027-03-01 08:00:00",
        "2027-03-01T08:00:00.Z", "2027-03-01T08:00:00.1234567Z", "2027-03-01T08:00:00+8", "2027-03-01Tnoon",
        "2027-03-01T08:00:00Zjunk", "1803888000000000", NULL
    };
    for (int i = 0; bad [i]; i++) {
        int64_t us = 0;
        if (ctl_time_parse (bad [i], &us)) {
            fprintf (stderr, "accepted %s\n", bad [i]);
            ASSERT_TRUE (false);
        }
    }
    int64_t us;
    ASSERT_TRUE (ctl_time_parse ("2028-02-29", &us));
    ASSERT_TRUE (ctl_time_parse ("2000-02-29", &us));
    ASSERT_FALSE (ctl_time_parse ("2100-02-29", &us));
}

static void
test_booking_ranges_print_as_times (void)
{
    Hetao__V1__AccessRequest access = HETAO__V1__ACCESS_REQUEST__INIT;
    access.has_from_us = access.has_until_us = true;
    access.from_us = MARCH_1_8Z;
    access.until_us = MARCH_1_8Z + 24 * HOUR;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    ctl.utc = true;
    ctl_format_field (out, &access.base, protobuf_c_message_descriptor_get_field_by_name (
        access.base.descriptor, "from_us"));
    fputs (" ", out);
    ctl.utc = false;
    ctl_format_field (out, &access.base, protobuf_c_message_descriptor_get_field_by_name (
        access.base.descriptor, "until_us"));
    fclose (out);
    ASSERT_STR_EQ (text, "2027-03-01T08:00:00Z 2027-03-02T16:00:00+08:00");
    free (text);
}

int
main (void)
{
    HT_TEST_RUN (test_a_time_with_z_or_an_offset_is_that_instant);
    HT_TEST_RUN (test_a_time_or_date_without_an_offset_is_the_parks_time);
    HT_TEST_RUN (test_anything_else_is_refused);
    HT_TEST_RUN (test_booking_ranges_print_as_times);
    return 0;
}

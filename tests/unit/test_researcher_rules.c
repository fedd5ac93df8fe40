/*  test_researcher_rules - ORCID iDs and the researcher lifecycle

    The check character is computed here independently of researcher_rules.c,
    from ORCID's description of ISO 7064 MOD 11-2, so a slip in either place
    shows up as a disagreement.
*/

#include "ht_test.h"
#include "researcher_rules.h"

#include <string.h>

#define ACTIVE      HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_ACTIVE
#define INACTIVE    HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_INACTIVE
#define STATUS_NONE HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_UNSPECIFIED

//  ORCID's published examples.
static const char *s_examples [] = {
    "0000-0002-1825-0097",      //  Josiah Carberry
    "0000-0001-5109-3700",
    "0000-0002-1694-233X",      //  check character X
    NULL
};

static bool
s_orcid (const char *text, char canonical [20])
{
    char error [160] = "";
    bool ok = researcher_orcid_check (text, canonical, error, sizeof error);
    ASSERT_TRUE (ok || *error);
    return ok;
}

//  The check character of 15 digits, the way ORCID's documentation computes it.
static char
s_check_character (const char *digits)
{
    int total = 0;
    for (int i = 0; i < 15; i++)
        total = (total + digits [i] - '0') * 2;
    int remainder = total % 11;
    int result = (12 - remainder) % 11;
    return result == 10? 'X': (char) ('0' + result);
}

//  ---------------------------------------------------------------------------
//  ORCID

static void
test_published_orcid_examples_are_accepted_in_canonical_form (void)
{
    char canonical [20];
    for (int i = 0; s_examples [i]; i++) {
        ASSERT_TRUE (s_orcid (s_examples [i], canonical));
        ASSERT_STR_EQ (canonical, s_examples [i]);
    }
}

static void
test_orcid_without_hyphens_is_stored_with_them (void)
{
    char canonical [20];
    ASSERT_TRUE (s_orcid ("0000000218250097", canonical));
    ASSERT_STR_EQ (canonical, "0000-0002-1825-0097");
}

static void
test_lower_case_x_becomes_upper_case (void)
{
    char canonical [20];
    ASSERT_TRUE (s_orcid ("0000-0002-1694-233x", canonical));
    ASSERT_STR_EQ (canonical, "0000-0002-1694-233X");
}

static void
test_every_computed_check_character_is_accepted_and_every_other_refused (void)
{
    static const char *bodies [] = { "000000021825009", "000000015109370", "000000021694233",
                                     "123456789012345", "999999999999999", "000000000000000", NULL };
    static const char characters [] = "0123456789X";
    char text [17], canonical [20];
    for (int i = 0; bodies [i]; i++)
        for (int c = 0; characters [c]; c++) {
            snprintf (text, sizeof text, "%s%c", bodies [i], characters [c]);
            bool right = characters [c] == s_check_character (bodies [i]);
            if (s_orcid (text, canonical) != right)
                fprintf (stderr, "%s\n", text);
            ASSERT_INT_EQ (s_orcid (text, canonical), right);
        }
}

static void
test_a_wrong_check_character_names_the_right_one (void)
{
    char canonical [20], error [160];
    ASSERT_FALSE (researcher_orcid_check ("0000-0002-1825-0098", canonical, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "'7'");
}

static void
test_any_single_digit_substitution_is_detected (void)
{
    char text [20], canonical [20];
    for (int position = 0; position < 19; position++) {
        if (position % 5 == 4)
            continue;
        for (char digit = '0'; digit <= '9'; digit++) {
            strcpy (text, "0000-0002-1825-0097");
            if (text [position] == digit)
                continue;
            text [position] = digit;
            ASSERT_FALSE (s_orcid (text, canonical));
        }
    }
}

static void
test_orcid_of_the_wrong_length_or_shape_is_refused (void)
{
    char canonical [20];
    ASSERT_FALSE (s_orcid ("", canonical));
    ASSERT_FALSE (s_orcid ("0000-0002-1825-009", canonical));
    ASSERT_FALSE (s_orcid ("0000-0002-1825-00977", canonical));
    ASSERT_FALSE (s_orcid ("000000021825009", canonical));
    ASSERT_FALSE (s_orcid ("00000-002-1825-0097", canonical));      //  hyphens out of place
    ASSERT_FALSE (s_orcid ("0000 0002 1825 0097", canonical));
    ASSERT_FALSE (s_orcid ("0000-0002-1825-0X97", canonical));      //  X only last
    ASSERT_FALSE (s_orcid ("X000000218250097", canonical));
    ASSERT_FALSE (s_orcid ("0000-0002-1825-009\xc3", canonical));
    ASSERT_FALSE (s_orcid ("https://orcid.org/0000-0002-1825-0097", canonical));
}

//  ---------------------------------------------------------------------------
//  Lifecycle

static void
test_status_transition_table_is_exactly_the_documented_one (void)
{
    const ht_transition_t *table = researcher_transitions;
    size_t count = researcher_transitions_count;
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, ACTIVE, INACTIVE), HT_TRANSITION_OK);
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, INACTIVE, ACTIVE), HT_TRANSITION_OK);
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, ACTIVE, ACTIVE), HT_TRANSITION_SAME);
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, INACTIVE, INACTIVE), HT_TRANSITION_SAME);
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, ACTIVE, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
    ASSERT_INT_EQ (ht_lifecycle_move (table, count, INACTIVE, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
}

int
main (void)
{
    HT_TEST_RUN (test_published_orcid_examples_are_accepted_in_canonical_form);
    HT_TEST_RUN (test_orcid_without_hyphens_is_stored_with_them);
    HT_TEST_RUN (test_lower_case_x_becomes_upper_case);
    HT_TEST_RUN (test_every_computed_check_character_is_accepted_and_every_other_refused);
    HT_TEST_RUN (test_a_wrong_check_character_names_the_right_one);
    HT_TEST_RUN (test_any_single_digit_substitution_is_detected);
    HT_TEST_RUN (test_orcid_of_the_wrong_length_or_shape_is_refused);
    HT_TEST_RUN (test_status_transition_table_is_exactly_the_documented_one);
    return 0;
}

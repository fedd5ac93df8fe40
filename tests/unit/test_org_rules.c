/*  test_org_rules - registration identifiers and the organization status table

    The USCC check character is computed here independently of org_rules.c,
    from GB 32100-2015's charset and weights, so a wrong table in either
    place shows up as a disagreement.
*/

#include "ht_test.h"
#include "org_rules.h"

#include <string.h>

#define USCC      HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC
#define HK_BR     HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR
#define OTHER     HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_OTHER
#define TYPE_NONE HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_UNSPECIFIED

#define ACTIVE    HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE
#define SUSPENDED HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_SUSPENDED
#define WITHDRAWN HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_WITHDRAWN
#define STATUS_NONE HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_UNSPECIFIED

//  GB 32100-2015, as the standard prints them.
static const char s_charset [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int s_weights [17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

//  First 17 characters of codes to complete with their check character
//  (characters 9 to 17 are an organization code with its GB 11714 check):
//  enterprises of Shenzhen, Beijing and Hong Kong-registered ones, a public
//  institution, a social organization, and letters in every letter position.
static const char *s_uscc_bodies [] = {
    "91440300MA5F12342",
    "91110108551385082",
    "12100000400000771",
    "52440300MJL123454",
    "Y1810000XYWUTRQP1",
    "A9000000HJKLMNPQ3",
    "31440300000000000",
    NULL
};

//  Writes into `code` the 17 characters of `body` and their check character.
static void
s_uscc_complete (const char *body, char code [19])
{
    ASSERT_INT_EQ (strlen (body), 17);
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *found = strchr (s_charset, body [i]);
        ASSERT_NOT_NULL (found);
        sum += (int) (found - s_charset) * s_weights [i];
    }
    memcpy (code, body, 17);
    code [17] = s_charset [(31 - sum % 31) % 31];
    code [18] = 0;
}

//  Checks `id`, expecting success, and returns its canonical form.
static const char *
s_accepted (Hetao__V1__RegistrationType type, const char *id)
{
    static char canonical [65];
    char error [256] = "";
    memset (canonical, 0, sizeof canonical);
    bool ok = org_registration_check (type, id, canonical, error, sizeof error);
    if (!ok)
        fprintf (stderr, "refused '%s': %s\n", id, error);
    ASSERT_TRUE (ok);
    return canonical;
}

//  Checks `id`, expecting refusal, and returns the error for a person.
static const char *
s_refused (Hetao__V1__RegistrationType type, const char *id)
{
    static char error [256];
    char canonical [65];
    error [0] = 0;
    bool ok = org_registration_check (type, id, canonical, error, sizeof error);
    if (ok)
        fprintf (stderr, "accepted '%s'\n", id);
    ASSERT_FALSE (ok);
    ASSERT_TRUE (strlen (error) > 0);
    return error;
}

//  ---------------------------------------------------------------------------
//  USCC

static void
test_uscc_with_right_check_character_is_accepted (void)
{
    ASSERT_STR_EQ (s_accepted (USCC, "91440300MA5F12342Q"), "91440300MA5F12342Q");
}

static void
test_uscc_with_wrong_check_character_names_the_right_one (void)
{
    const char *error = s_refused (USCC, "91440300MA5F12342R");
    ASSERT_STR_CONTAINS (error, "should be 'Q'");
}

static void
test_uscc_lower_case_is_canonicalised_to_upper_case (void)
{
    ASSERT_STR_EQ (s_accepted (USCC, "91440300ma5f12342q"), "91440300MA5F12342Q");
    ASSERT_STR_EQ (s_accepted (USCC, "91440300Ma5F12342q"), "91440300MA5F12342Q");
}

static void
test_uscc_computed_check_characters_are_accepted (void)
{
    for (int i = 0; s_uscc_bodies [i]; i++) {
        char code [19];
        s_uscc_complete (s_uscc_bodies [i], code);
        ASSERT_STR_EQ (s_accepted (USCC, code), code);
    }
}

//  (31 - sum % 31) % 31 is 0 when the sum is already divisible: the outer
//  modulo must map that to '0', not past the end of the charset.
static void
test_uscc_check_character_zero_when_sum_divisible_by_31 (void)
{
    //  The second character has weight 3, coprime with 31, and is not part
    //  of the organization code: exactly one choice of it makes the check '0'.
    int found = 0;
    for (const char *c = s_charset; *c; c++) {
        char body [18] = "91440300MA5F12342";
        body [1] = *c;
        char code [19];
        s_uscc_complete (body, code);
        if (code [17] == '0') {
            found++;
            ASSERT_STR_EQ (s_accepted (USCC, code), code);
        }
    }
    ASSERT_INT_EQ (found, 1);
}

static void
test_uscc_every_other_check_character_is_refused (void)
{
    for (int i = 0; s_uscc_bodies [i]; i++) {
        char code [19];
        s_uscc_complete (s_uscc_bodies [i], code);
        char expected [32];
        snprintf (expected, sizeof expected, "should be '%c'", code [17]);
        for (const char *c = s_charset; *c; c++) {
            if (*c == code [17])
                continue;
            char wrong [19];
            memcpy (wrong, code, sizeof wrong);
            wrong [17] = *c;
            ASSERT_STR_CONTAINS (s_refused (USCC, wrong), expected);
        }
    }
}

//  Every weight is coprime with 31, so any one substituted character of the
//  body changes the sum mod 31 and the check character no longer fits.
static void
test_uscc_any_single_substitution_in_body_is_detected (void)
{
    for (int i = 0; s_uscc_bodies [i]; i++) {
        char code [19];
        s_uscc_complete (s_uscc_bodies [i], code);
        for (int position = 0; position < 17; position++) {
            bool digits_only = position >= 2 && position < 8;
            for (const char *c = s_charset; *c; c++) {
                if (*c == code [position] || (digits_only && (*c < '0' || *c > '9')))
                    continue;
                char changed [19];
                memcpy (changed, code, sizeof changed);
                changed [position] = *c;
                ASSERT_STR_CONTAINS (s_refused (USCC, changed), "check character");
            }
        }
    }
}

//  GB 32100-2015 makes characters 9 to 17 a GB 11714 organization code:
//  its own check character is checked too, before the USCC's.
static void
test_uscc_organization_code_check_character_is_checked (void)
{
    for (const char *c = "0123456789X"; *c; c++) {
        if (*c == '2')
            continue;                   //  the right one for MA5F1234
        char body [18] = "91440300MA5F12342";
        body [16] = *c;
        char code [19];
        s_uscc_complete (body, code);   //  a right USCC check character, a wrong code
        const char *error = s_refused (USCC, code);
        ASSERT_STR_CONTAINS (error, "organization code");
        ASSERT_STR_CONTAINS (error, "should be '2'");
    }
}

static void
test_uscc_must_have_18_characters (void)
{
    ASSERT_STR_CONTAINS (s_refused (USCC, "91440300MA5F12342"), "18 characters");
    ASSERT_STR_CONTAINS (s_refused (USCC, "91440300MA5F12342QQ"), "18 characters");
    ASSERT_STR_CONTAINS (s_refused (USCC, ""), "18 characters");
}

static void
test_uscc_refuses_i_o_s_v_z_in_either_case (void)
{
    const char *forbidden = "IOSVZiosvz";
    for (const char *c = forbidden; *c; c++) {
        char code [19] = "91440300MA5F12342Q";
        code [9] = *c;                  //  the 'A' of MA5F
        ASSERT_STR_CONTAINS (s_refused (USCC, code), "character 10");
    }
}

static void
test_uscc_refuses_punctuation_and_non_ascii_bytes (void)
{
    const char *forbidden [] = { "-", " ", ".", "*", "\xe9", "\x80", "\xff", NULL };
    for (int i = 0; forbidden [i]; i++) {
        char code [19] = "91440300MA5F12342Q";
        code [12] = forbidden [i][0];
        ASSERT_STR_CONTAINS (s_refused (USCC, code), "not allowed");
    }
    //  A multi-byte UTF-8 character makes the code too long, not valid.
    s_refused (USCC, "91440300MA5F1234\xc3\x89");
}

static void
test_uscc_positions_3_to_8_must_be_digits (void)
{
    for (int position = 2; position < 8; position++) {
        char code [19] = "91440300MA5F12342Q";
        code [position] = 'A';
        ASSERT_STR_CONTAINS (s_refused (USCC, code), "characters 3 to 8");
    }
}

//  ---------------------------------------------------------------------------
//  Hong Kong BR and other registries

static void
test_hk_br_is_exactly_8_digits (void)
{
    ASSERT_STR_EQ (s_accepted (HK_BR, "12345678"), "12345678");
    ASSERT_STR_EQ (s_accepted (HK_BR, "00000000"), "00000000");
    const char *refused [] = {
        "1234567", "123456789", "", "1234567A", "A2345678", "1234 678", "-1234567",
        "\xef\xbc\x91" "2345678", NULL
    };
    for (int i = 0; refused [i]; i++)
        ASSERT_STR_CONTAINS (s_refused (HK_BR, refused [i]), "8 digits");
}

static void
test_other_is_2_to_64_allowed_characters_starting_alphanumeric (void)
{
    ASSERT_STR_EQ (s_accepted (OTHER, "AB"), "AB");
    ASSERT_STR_EQ (s_accepted (OTHER, "9z"), "9z");
    ASSERT_STR_EQ (s_accepted (OTHER, "Macao 12/34-5.6"), "Macao 12/34-5.6");
    char longest [65];
    memset (longest, 'x', 64);
    longest [64] = 0;
    ASSERT_STR_EQ (s_accepted (OTHER, longest), longest);
}

static void
test_other_keeps_case_as_given (void)
{
    ASSERT_STR_EQ (s_accepted (OTHER, "abc-Def"), "abc-Def");
}

static void
test_other_refuses_wrong_length_start_or_characters (void)
{
    char too_long [66];
    memset (too_long, 'x', 65);
    too_long [65] = 0;
    const char *refused [] = {
        "", "A", too_long, "-AB", ".AB", "/AB", " AB", "A_B", "A+B", "A\tB",
        "Macau\xc3\xa9", NULL
    };
    for (int i = 0; refused [i]; i++)
        ASSERT_STR_CONTAINS (s_refused (OTHER, refused [i]), "2 to 64");
}

static void
test_unset_registration_type_is_refused (void)
{
    ASSERT_STR_CONTAINS (s_refused (TYPE_NONE, "91440300MA5F12342Q"), "registration_type");
    ASSERT_STR_CONTAINS (s_refused ((Hetao__V1__RegistrationType) 99, "AB"), "registration_type");
}

static void
test_registration_region_follows_type (void)
{
    ASSERT_INT_EQ (org_registration_region (USCC), HETAO__V1__REGION__REGION_MAINLAND);
    ASSERT_INT_EQ (org_registration_region (HK_BR), HETAO__V1__REGION__REGION_HONG_KONG);
    ASSERT_INT_EQ (org_registration_region (OTHER), HETAO__V1__REGION__REGION_UNSPECIFIED);
    ASSERT_INT_EQ (org_registration_region (TYPE_NONE), HETAO__V1__REGION__REGION_UNSPECIFIED);
}

//  ---------------------------------------------------------------------------
//  Status

//  The whole table, written out: a row that changes must change here too.
static void
test_status_transition_table_is_exactly_the_documented_one (void)
{
    static const struct {
        Hetao__V1__OrganizationStatus from, to;
        ht_transition_result_t expected;
    } table [] = {
        { ACTIVE,    ACTIVE,    HT_TRANSITION_SAME },
        { ACTIVE,    SUSPENDED, HT_TRANSITION_OK },
        { ACTIVE,    WITHDRAWN, HT_TRANSITION_OK },
        { SUSPENDED, ACTIVE,    HT_TRANSITION_OK },
        { SUSPENDED, SUSPENDED, HT_TRANSITION_SAME },
        { SUSPENDED, WITHDRAWN, HT_TRANSITION_OK },
        { WITHDRAWN, ACTIVE,    HT_TRANSITION_FORBIDDEN },
        { WITHDRAWN, SUSPENDED, HT_TRANSITION_FORBIDDEN },
        { WITHDRAWN, WITHDRAWN, HT_TRANSITION_SAME },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        ht_transition_result_t actual = ht_lifecycle_move (org_transitions, org_transitions_count, table [i].from, table [i].to);
        if (actual != table [i].expected)
            fprintf (stderr, "row %zu: status %d -> %d\n", i, table [i].from, table [i].to);
        ASSERT_INT_EQ (actual, table [i].expected);
    }
}

static void
test_no_status_moves_to_unspecified (void)
{
    ASSERT_INT_EQ (ht_lifecycle_move (org_transitions, org_transitions_count, ACTIVE, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
    ASSERT_INT_EQ (ht_lifecycle_move (org_transitions, org_transitions_count, SUSPENDED, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
    ASSERT_INT_EQ (ht_lifecycle_move (org_transitions, org_transitions_count, WITHDRAWN, STATUS_NONE), HT_TRANSITION_FORBIDDEN);
}

static void
test_suspend_and_withdraw_need_a_reason (void)
{
    ASSERT_TRUE (org_status_needs_reason (SUSPENDED));
    ASSERT_TRUE (org_status_needs_reason (WITHDRAWN));
    ASSERT_FALSE (org_status_needs_reason (ACTIVE));
    ASSERT_FALSE (org_status_needs_reason (STATUS_NONE));
}

int
main (void)
{
    HT_TEST_RUN (test_uscc_with_right_check_character_is_accepted);
    HT_TEST_RUN (test_uscc_with_wrong_check_character_names_the_right_one);
    HT_TEST_RUN (test_uscc_lower_case_is_canonicalised_to_upper_case);
    HT_TEST_RUN (test_uscc_computed_check_characters_are_accepted);
    HT_TEST_RUN (test_uscc_check_character_zero_when_sum_divisible_by_31);
    HT_TEST_RUN (test_uscc_every_other_check_character_is_refused);
    HT_TEST_RUN (test_uscc_any_single_substitution_in_body_is_detected);
    HT_TEST_RUN (test_uscc_organization_code_check_character_is_checked);
    HT_TEST_RUN (test_uscc_must_have_18_characters);
    HT_TEST_RUN (test_uscc_refuses_i_o_s_v_z_in_either_case);
    HT_TEST_RUN (test_uscc_refuses_punctuation_and_non_ascii_bytes);
    HT_TEST_RUN (test_uscc_positions_3_to_8_must_be_digits);
    HT_TEST_RUN (test_hk_br_is_exactly_8_digits);
    HT_TEST_RUN (test_other_is_2_to_64_allowed_characters_starting_alphanumeric);
    HT_TEST_RUN (test_other_keeps_case_as_given);
    HT_TEST_RUN (test_other_refuses_wrong_length_start_or_characters);
    HT_TEST_RUN (test_unset_registration_type_is_refused);
    HT_TEST_RUN (test_registration_region_follows_type);
    HT_TEST_RUN (test_status_transition_table_is_exactly_the_documented_one);
    HT_TEST_RUN (test_no_status_moves_to_unspecified);
    HT_TEST_RUN (test_suspend_and_withdraw_need_a_reason);
    return 0;
}

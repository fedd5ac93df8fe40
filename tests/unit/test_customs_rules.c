/*  test_customs_rules - HS codes, countries, quantities, the case and
    declaration status tables, deadlines, the reopen window, lanes and the
    inspection draw
*/

#include "ht_test.h"
#include "case_rules.h"
#include "declaration_rules.h"

#include <string.h>

#define S(name) HETAO__V1__CASE_STATUS__CASE_STATUS_##name
#define A(name) HETAO__V1__CASE_ACTION__CASE_ACTION_##name
#define DS(name) HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_##name
#define DA(name) HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_##name
#define GOODS(name) HETAO__V1__GOODS_CATEGORY__GOODS_CATEGORY_##name
#define LANE(name) HETAO__V1__LANE__LANE_##name

static bool
s_hs (const char *code)
{
    char error [200] = "";
    bool ok = declaration_hs_check (code, error, sizeof error);
    ASSERT_TRUE (ok || *error);
    return ok;
}

static void
test_hs_codes_have_6_to_10_digits_and_a_real_chapter (void)
{
    ASSERT_TRUE (s_hs ("382200"));
    ASSERT_TRUE (s_hs ("0101210000"));
    ASSERT_TRUE (s_hs ("9701210"));
    ASSERT_FALSE (s_hs ("99"));
    ASSERT_FALSE (s_hs ("9999999"));        //  chapter 99 does not exist
    ASSERT_FALSE (s_hs ("980000"));
    ASSERT_FALSE (s_hs ("000000"));         //  chapter 00 neither
    ASSERT_FALSE (s_hs ("770000"));         //  reserved
    ASSERT_FALSE (s_hs ("38220"));
    ASSERT_FALSE (s_hs ("38220000000"));
    ASSERT_FALSE (s_hs ("3822.00"));
    ASSERT_FALSE (s_hs (""));
    ASSERT_FALSE (s_hs (NULL));
    char error [200];
    declaration_hs_check ("770000", error, sizeof error);
    ASSERT_STR_CONTAINS (error, "reserve");
    declaration_hs_check ("99", error, sizeof error);
    ASSERT_STR_CONTAINS (error, "6 to 10 digits");
}

static void
test_countries_are_the_assigned_iso_3166_alpha_2_codes (void)
{
    const char *good [] = { "HK", "CN", "MO", "TW", "US", "DE", "JP", "AD", "ZW", "SS", "BQ", "AX", NULL };
    const char *bad [] = { "XX", "UK", "EU", "hk", "H", "HKG", "", "ZZ", "AA", NULL };
    for (int i = 0; good [i]; i++)
        ASSERT_TRUE (declaration_country_valid (good [i]));
    for (int i = 0; bad [i]; i++)
        ASSERT_FALSE (declaration_country_valid (bad [i]));
    ASSERT_FALSE (declaration_country_valid (NULL));
    //  Exactly the 249 officially assigned codes.
    int count = 0;
    char code [3] = "";
    for (code [0] = 'A'; code [0] <= 'Z'; code [0]++)
        for (code [1] = 'A'; code [1] <= 'Z'; code [1]++)
            count += declaration_country_valid (code);
    ASSERT_INT_EQ (count, 249);
}

static void
test_quantities_are_positive_with_at_most_3_decimals (void)
{
    ASSERT_TRUE (declaration_quantity_valid ("10"));
    ASSERT_TRUE (declaration_quantity_valid ("2.5"));
    ASSERT_TRUE (declaration_quantity_valid ("0.001"));
    ASSERT_FALSE (declaration_quantity_valid ("0"));
    ASSERT_FALSE (declaration_quantity_valid ("0.000"));
    ASSERT_FALSE (declaration_quantity_valid ("-1"));
    ASSERT_FALSE (declaration_quantity_valid ("1.0001"));
    ASSERT_FALSE (declaration_quantity_valid ("1."));
    ASSERT_FALSE (declaration_quantity_valid (".5"));
    ASSERT_FALSE (declaration_quantity_valid ("1e3"));
    ASSERT_FALSE (declaration_quantity_valid (""));
    ASSERT_FALSE (declaration_quantity_valid (NULL));
}

static void
test_the_case_table_allows_exactly_the_lifecycle (void)
{
    //  Every (status, action) pair: the table's answer or refusal.
    struct { int from, action, to; } allowed [] = {
        { S (OPEN), A (TRIAGE), S (TRIAGED) },
        { S (TRIAGED), A (START), S (IN_PROGRESS) },
        { S (IN_PROGRESS), A (WAIT), S (WAITING_ON_REQUESTER) },
        { S (WAITING_ON_REQUESTER), A (RESUME), S (IN_PROGRESS) },
        { S (IN_PROGRESS), A (RESOLVE), S (RESOLVED) },
        { S (WAITING_ON_REQUESTER), A (RESOLVE), S (RESOLVED) },
        { S (RESOLVED), A (CLOSE), S (CLOSED) },
        { S (RESOLVED), A (REOPEN), S (IN_PROGRESS) },
    };
    int found = 0;
    for (int from = 0; from <= S (CLOSED); from++)
        for (int action = 0; action <= A (REOPEN); action++) {
            int expected = 0;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed [0]; i++)
                if (allowed [i].from == from && allowed [i].action == action)
                    expected = allowed [i].to;
            ASSERT_INT_EQ (case_transition (from, action), expected);
            found += expected != 0;
        }
    ASSERT_INT_EQ (found, 8);
    ASSERT_TRUE (case_action_by_requester (A (REOPEN)));
    ASSERT_TRUE (case_action_by_requester (A (CLOSE)));
    ASSERT_FALSE (case_action_by_requester (A (TRIAGE)));
    ASSERT_TRUE (case_action_needs_note (A (RESOLVE)));
    ASSERT_FALSE (case_action_needs_note (A (START)));
}

static void
test_deadlines_and_the_reopen_window (void)
{
    ASSERT_INT_EQ (case_deadline_hours (HETAO__V1__CASE_PRIORITY__CASE_PRIORITY_URGENT,
                                        HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_FIRST_RESPONSE), 4);
    ASSERT_INT_EQ (case_deadline_hours (HETAO__V1__CASE_PRIORITY__CASE_PRIORITY_LOW,
                                        HETAO__V1__DEADLINE_KIND__DEADLINE_KIND_RESOLUTION), 240);
    ASSERT_INT_EQ (case_deadline_hours (0, 1), 0);
    int64_t day = 86400LL * 1000000;
    ASSERT_TRUE (case_reopen_allowed (0, 14 * day, 14));
    ASSERT_FALSE (case_reopen_allowed (0, 14 * day + 1, 14));
    ASSERT_FALSE (case_reopen_allowed (0, 1, 0));
}

static void
test_the_declaration_table_allows_exactly_the_lifecycle (void)
{
    struct { int from, action, to; } allowed [] = {
        { DS (STORED), DA (REGISTER), DS (REGISTERED) },
        { DS (REGISTERED), DA (ASSESS), DS (ASSESSED) },
        { DS (ASSESSED), DA (RELEASE), DS (RELEASED) },
        { DS (REGISTERED), DA (HOLD), DS (HELD) },
        { DS (ASSESSED), DA (HOLD), DS (HELD) },
        { DS (HELD), DA (RELEASE), DS (RELEASED) },
        { DS (HELD), DA (REFUSE), DS (REFUSED) },
    };
    for (int from = 0; from <= DS (REFUSED); from++)
        for (int action = 0; action <= DA (REFUSE); action++) {
            int expected = 0;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed [0]; i++)
                if (allowed [i].from == from && allowed [i].action == action)
                    expected = allowed [i].to;
            ASSERT_INT_EQ (declaration_transition (from, action), expected);
        }
}

static Hetao__V1__DeclarationLine
s_line (int category, bool bio)
{
    Hetao__V1__DeclarationLine line = HETAO__V1__DECLARATION_LINE__INIT;
    line.has_category = line.has_biological_risk = true;
    line.category = category;
    line.biological_risk = bio;
    return line;
}

static void
test_lanes_follow_the_white_list_the_rules_and_the_draw (void)
{
    Hetao__V1__DeclarationLine reagents = s_line (GOODS (REAGENTS), false);
    Hetao__V1__DeclarationLine samples = s_line (GOODS (SAMPLES), false);
    Hetao__V1__DeclarationLine risky = s_line (GOODS (REAGENTS), true);
    const Hetao__V1__DeclarationLine *one [] = { &reagents };
    const Hetao__V1__DeclarationLine *mixed [] = { &reagents, &samples };
    const Hetao__V1__DeclarationLine *bio [] = { &reagents, &risky };
    declaration_lane_rule_t rules [] = { { GOODS (REAGENTS), true, LANE (RED) } };
    unsigned listed = 1u << GOODS (REAGENTS);
    char reason [200];
    declaration_lane_input_t input = { listed, one, 1, rules, 1, 1000, 0 };
    //  Green is never sent to random inspection, even at 100%.
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (GREEN));
    input.listed = 0;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (RED));
    ASSERT_STR_CONTAINS (reason, "random inspection");
    input.inspection_per_mille = 0;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (YELLOW));
    ASSERT_STR_CONTAINS (reason, "not white-listed");
    input.listed = listed;
    input.lines = mixed;
    input.n_lines = 2;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (YELLOW));
    ASSERT_STR_CONTAINS (reason, "lines[1]");
    input.lines = bio;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (RED));
    input.n_rules = 0;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (YELLOW));
    //  The draw: below the rate goes red, at or above stays yellow.
    input.lines = mixed;
    input.inspection_per_mille = 300;
    input.draw = 299;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (RED));
    input.draw = 300;
    ASSERT_INT_EQ (declaration_lane (&input, reason, sizeof reason), LANE (YELLOW));
}

static void
test_the_inspection_draw_depends_only_on_seed_and_id (void)
{
    const char *id = "01a22063-7208-7b4b-bb58-bbba8c158702";
    int draw = declaration_inspection_draw (42, id);
    ASSERT_INT_EQ (declaration_inspection_draw (42, id), draw);
    ASSERT_TRUE (draw >= 0 && draw < 1000);
    //  Spread: 1000 ids at 50% land near half and half.
    int below = 0;
    char other [40];
    for (int i = 0; i < 1000; i++) {
        snprintf (other, sizeof other, "01a22063-7208-7b4b-bb58-%012d", i);
        below += declaration_inspection_draw (42, other) < 500;
    }
    ASSERT_TRUE (below > 420 && below < 580);
}

int
main (void)
{
    HT_TEST_RUN (test_hs_codes_have_6_to_10_digits_and_a_real_chapter);
    HT_TEST_RUN (test_countries_are_the_assigned_iso_3166_alpha_2_codes);
    HT_TEST_RUN (test_quantities_are_positive_with_at_most_3_decimals);
    HT_TEST_RUN (test_the_case_table_allows_exactly_the_lifecycle);
    HT_TEST_RUN (test_deadlines_and_the_reopen_window);
    HT_TEST_RUN (test_the_declaration_table_allows_exactly_the_lifecycle);
    HT_TEST_RUN (test_lanes_follow_the_white_list_the_rules_and_the_draw);
    HT_TEST_RUN (test_the_inspection_draw_depends_only_on_seed_and_id);
    return 0;
}

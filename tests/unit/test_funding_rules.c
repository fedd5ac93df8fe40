/*  test_funding_rules - the lifecycle tables of applications, disbursements
    and programmes, sums and payee currencies

    Every cell of each table is checked against the lifecycle as the
    protocol documents it, so a changed cell shows up here.
*/

#include "ht_test.h"
#include "funding_rules.h"

#define A(name) HETAO__V1__APPLICATION_STATUS__APPLICATION_STATUS_ ## name
#define D(name) HETAO__V1__DISBURSEMENT_STATUS__DISBURSEMENT_STATUS_ ## name
#define P(name) HETAO__V1__PROGRAMME_STATUS__PROGRAMME_STATUS_ ## name

static void
test_application_table_allows_exactly_the_documented_moves (void)
{
    //  status x action -> next (0: refused); actions: submit review approve reject withdraw
    static const struct { int from; int next [APPLICATION_ACTIONS]; } s_expected [] = {
        { A(DRAFT),        { A(SUBMITTED), 0,               0,           0,           A(WITHDRAWN) } },
        { A(SUBMITTED),    { 0,            A(UNDER_REVIEW), 0,           A(REJECTED), A(WITHDRAWN) } },
        { A(UNDER_REVIEW), { 0,            A(UNDER_REVIEW), A(APPROVED), A(REJECTED), A(WITHDRAWN) } },
        { A(APPROVED),     { 0, 0, 0, 0, 0 } },
        { A(REJECTED),     { 0, 0, 0, 0, 0 } },
        { A(WITHDRAWN),    { 0, 0, 0, 0, 0 } },
        { A(UNSPECIFIED),  { 0, 0, 0, 0, 0 } },
    };
    for (size_t i = 0; i < sizeof s_expected / sizeof s_expected [0]; i++)
        for (int action = 0; action < APPLICATION_ACTIONS; action++) {
            if ((int) application_next (s_expected [i].from, action) != s_expected [i].next [action])
                fprintf (stderr, "from %d on %s\n", s_expected [i].from,
                         application_action_name (action));
            ASSERT_INT_EQ (application_next (s_expected [i].from, action), s_expected [i].next [action]);
        }
    ASSERT_INT_EQ (application_next (99, APPLICATION_SUBMIT), 0);
    ASSERT_INT_EQ (application_next (A(DRAFT), APPLICATION_ACTIONS), 0);
    ASSERT_STR_EQ (application_action_name (APPLICATION_WITHDRAW), "withdraw");
}

static void
test_disbursement_table_pays_once_and_fails_only_before_payment (void)
{
    //  actions: approve pay fail
    static const struct { int from; int next [DISBURSEMENT_ACTIONS]; } s_expected [] = {
        { D(REQUESTED), { D(APPROVED), 0,       D(FAILED) } },
        { D(APPROVED),  { 0,           D(PAID), D(FAILED) } },
        { D(PAID),      { 0, 0, 0 } },
        { D(FAILED),    { 0, 0, 0 } },
        { D(UNSPECIFIED), { 0, 0, 0 } },
    };
    for (size_t i = 0; i < sizeof s_expected / sizeof s_expected [0]; i++)
        for (int action = 0; action < DISBURSEMENT_ACTIONS; action++)
            ASSERT_INT_EQ (disbursement_next (s_expected [i].from, action), s_expected [i].next [action]);
    ASSERT_INT_EQ (disbursement_next (42, DISBURSEMENT_PAY), 0);
    ASSERT_STR_EQ (disbursement_action_name (DISBURSEMENT_PAY), "pay");
}

static void
test_programme_opens_and_closes_but_never_to_the_same_status (void)
{
    ASSERT_TRUE (programme_status_allowed (P(OPEN), P(CLOSED)));
    ASSERT_TRUE (programme_status_allowed (P(CLOSED), P(OPEN)));
    ASSERT_FALSE (programme_status_allowed (P(OPEN), P(OPEN)));
    ASSERT_FALSE (programme_status_allowed (P(CLOSED), P(CLOSED)));
    ASSERT_FALSE (programme_status_allowed (P(OPEN), P(UNSPECIFIED)));
}

static void
test_sums_detect_overflow (void)
{
    int64_t sum = -1;
    int64_t lines [] = { 10000000000LL, 8500000000LL };
    ASSERT_TRUE (funding_sum (lines, 2, &sum));
    ASSERT_INT_EQ (sum, 18500000000LL);
    ASSERT_TRUE (funding_sum (lines, 0, &sum));
    ASSERT_INT_EQ (sum, 0);
    int64_t huge [] = { INT64_MAX, 1 };
    ASSERT_FALSE (funding_sum (huge, 2, &sum));
    ASSERT_INT_EQ (sum, 0);
}

static void
test_payee_currency_follows_the_region (void)
{
    ASSERT_STR_EQ (funding_payee_currency ("mainland"), "CNY");
    ASSERT_STR_EQ (funding_payee_currency ("hong_kong"), "HKD");
    ASSERT_STR_EQ (funding_payee_currency ("macao"), "MOP");
    ASSERT_STR_EQ (funding_payee_currency ("overseas"), NULL);
    ASSERT_STR_EQ (funding_payee_currency (NULL), NULL);
}

int
main (void)
{
    HT_TEST_RUN (test_application_table_allows_exactly_the_documented_moves);
    HT_TEST_RUN (test_disbursement_table_pays_once_and_fails_only_before_payment);
    HT_TEST_RUN (test_programme_opens_and_closes_but_never_to_the_same_status);
    HT_TEST_RUN (test_sums_detect_overflow);
    HT_TEST_RUN (test_payee_currency_follows_the_region);
    return 0;
}

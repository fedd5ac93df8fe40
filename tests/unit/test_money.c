/*  test_money - decimal amounts, checked arithmetic and exact-rate conversion

    Conversions are checked against figures worked by hand, including the
    ties that half-even rounds down (to even) and the ones it rounds up.
*/

#include "ht_test.h"
#include "ht_money.h"

#include <stdint.h>

//  Parses `text` as `currency`, expecting success, and returns the minor units.
static int64_t
s_parsed (const char *text, const char *currency)
{
    int64_t minor = -1;
    ht_money_status_t status = ht_money_parse (text, currency, false, &minor);
    if (status != HT_MONEY_OK)
        fprintf (stderr, "refused '%s': %s\n", text, ht_money_status_text (status));
    ASSERT_INT_EQ (status, HT_MONEY_OK);
    return minor;
}

static void
test_parse_accepts_decimal_strings_in_minor_units (void)
{
    ASSERT_INT_EQ (s_parsed ("370000000.00", "CNY"), 37000000000LL);
    ASSERT_INT_EQ (s_parsed ("0.01", "CNY"), 1);
    ASSERT_INT_EQ (s_parsed ("5", "HKD"), 500);
    ASSERT_INT_EQ (s_parsed ("5.1", "MOP"), 510);
    ASSERT_INT_EQ (s_parsed ("0", "CNY"), 0);
    ASSERT_INT_EQ (s_parsed ("007.50", "CNY"), 750);
    ASSERT_INT_EQ (s_parsed ("92233720368547758.07", "CNY"), INT64_MAX);
    int64_t minor = 0;
    ASSERT_INT_EQ (ht_money_parse ("-12.34", "CNY", true, &minor), HT_MONEY_OK);
    ASSERT_INT_EQ (minor, -1234);
    ASSERT_INT_EQ (ht_money_parse ("-92233720368547758.08", "CNY", true, &minor), HT_MONEY_OK);
    ASSERT_INT_EQ (minor, INT64_MIN);
}

static void
test_parse_refuses_garbage_signs_precision_overflow_and_currency (void)
{
    int64_t minor = 42;
    ASSERT_INT_EQ (ht_money_parse ("0.001", "CNY", false, &minor), HT_MONEY_PRECISION);
    ASSERT_INT_EQ (ht_money_parse ("1.234", "HKD", false, &minor), HT_MONEY_PRECISION);
    ASSERT_INT_EQ (ht_money_parse ("-1.00", "CNY", false, &minor), HT_MONEY_SIGN);
    ASSERT_INT_EQ (ht_money_parse ("+1.00", "CNY", false, &minor), HT_MONEY_SIGN);
    ASSERT_INT_EQ (ht_money_parse ("+1.00", "CNY", true, &minor), HT_MONEY_SIGN);
    ASSERT_INT_EQ (ht_money_parse ("", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse (NULL, "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("abc", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1.", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse (".5", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1e5", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse (" 1", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1 ", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1,000.00", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1.00x", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("1.0000x", "CNY", false, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("-", "CNY", true, &minor), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_money_parse ("92233720368547758.08", "CNY", false, &minor), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_money_parse ("99999999999999999999999", "CNY", false, &minor), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_money_parse ("1.00", "USD", false, &minor), HT_MONEY_CURRENCY);
    ASSERT_INT_EQ (ht_money_parse ("1.00", "cny", false, &minor), HT_MONEY_CURRENCY);
    ASSERT_INT_EQ (ht_money_parse ("1.00", NULL, false, &minor), HT_MONEY_CURRENCY);
    ASSERT_INT_EQ (minor, 42);
}

static void
test_format_writes_the_currencys_decimals (void)
{
    char text [HT_MONEY_TEXT_MAX];
    ASSERT_STR_EQ (ht_money_format (37000000000LL, "CNY", text, sizeof text), "370000000.00");
    ASSERT_STR_EQ (ht_money_format (1, "CNY", text, sizeof text), "0.01");
    ASSERT_STR_EQ (ht_money_format (0, "HKD", text, sizeof text), "0.00");
    ASSERT_STR_EQ (ht_money_format (-5, "MOP", text, sizeof text), "-0.05");
    ASSERT_STR_EQ (ht_money_format (-1234, "CNY", text, sizeof text), "-12.34");
    ASSERT_STR_EQ (ht_money_format (INT64_MAX, "CNY", text, sizeof text), "92233720368547758.07");
    ASSERT_STR_EQ (ht_money_format (INT64_MIN, "CNY", text, sizeof text), "-92233720368547758.08");
    //  Every formatted amount parses back to itself.
    int64_t samples [] = { 0, 1, 99, 100, 101, 18500000000LL, INT64_MAX, -7, INT64_MIN };
    for (size_t i = 0; i < sizeof samples / sizeof samples [0]; i++) {
        int64_t back = 0;
        ht_money_format (samples [i], "CNY", text, sizeof text);
        ASSERT_INT_EQ (ht_money_parse (text, "CNY", true, &back), HT_MONEY_OK);
        ASSERT_INT_EQ (back, samples [i]);
    }
}

static void
test_arithmetic_detects_overflow (void)
{
    int64_t result = 7;
    ASSERT_TRUE (ht_money_add (1, 2, &result));
    ASSERT_INT_EQ (result, 3);
    ASSERT_FALSE (ht_money_add (INT64_MAX, 1, &result));
    ASSERT_INT_EQ (result, 3);
    ASSERT_FALSE (ht_money_sub (INT64_MIN, 1, &result));
    ASSERT_TRUE (ht_money_sub (5, 7, &result));
    ASSERT_INT_EQ (result, -2);
    ASSERT_TRUE (ht_money_mul (9250000000LL, 2, &result));
    ASSERT_INT_EQ (result, 18500000000LL);
    ASSERT_FALSE (ht_money_mul (INT64_MAX / 2 + 1, 2, &result));
    ASSERT_INT_EQ (result, 18500000000LL);
}

static void
test_rate_parse_takes_positive_exact_decimals (void)
{
    ht_rate_t rate = { 0, 0 };
    char text [HT_MONEY_TEXT_MAX];
    ASSERT_INT_EQ (ht_rate_parse ("1.0856", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (rate.units, 10856);
    ASSERT_INT_EQ (rate.decimals, 4);
    ASSERT_STR_EQ (ht_rate_format (&rate, text, sizeof text), "1.0856");
    ASSERT_INT_EQ (ht_rate_parse ("0.0000000001", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (rate.units, 1);
    ASSERT_INT_EQ (rate.decimals, 10);
    ASSERT_STR_EQ (ht_rate_format (&rate, text, sizeof text), "0.0000000001");
    ASSERT_INT_EQ (ht_rate_parse ("2", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (rate.units, 2);
    ASSERT_INT_EQ (rate.decimals, 0);
    ASSERT_INT_EQ (ht_rate_parse ("99999999.9999999999", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (ht_rate_parse ("0.00000000001", &rate), HT_MONEY_PRECISION);
    ASSERT_INT_EQ (ht_rate_parse ("0", &rate), HT_MONEY_NOT_POSITIVE);
    ASSERT_INT_EQ (ht_rate_parse ("0.0000", &rate), HT_MONEY_NOT_POSITIVE);
    ASSERT_INT_EQ (ht_rate_parse ("-1.08", &rate), HT_MONEY_SIGN);
    ASSERT_INT_EQ (ht_rate_parse ("", &rate), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_rate_parse ("1.08e2", &rate), HT_MONEY_SYNTAX);
    ASSERT_INT_EQ (ht_rate_parse ("100000000", &rate), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_rate_parse ("99999999999999999999999", &rate), HT_MONEY_OVERFLOW);
}

//  Converts `minor` CNY at `rate` into `to`, expecting success.
static int64_t
s_converted (int64_t minor, const char *rate_text, const char *to)
{
    ht_rate_t rate;
    ASSERT_INT_EQ (ht_rate_parse (rate_text, &rate), HT_MONEY_OK);
    int64_t result = -1;
    ASSERT_INT_EQ (ht_money_convert (minor, "CNY", &rate, to, &result), HT_MONEY_OK);
    return result;
}

static void
test_convert_rounds_half_even_to_the_payee_minor_unit (void)
{
    //  1,000,000.00 CNY at 1.0856 = 1,085,600.00 HKD exactly.
    ASSERT_INT_EQ (s_converted (100000000LL, "1.0856", "HKD"), 108560000LL);
    //  0.01 at 1.5 = 0.015: a tie, rounds to the even 0.02.
    ASSERT_INT_EQ (s_converted (1, "1.5", "HKD"), 2);
    //  0.01 at 2.5 = 0.025: a tie, rounds to the even 0.02 (not 0.03).
    ASSERT_INT_EQ (s_converted (1, "2.5", "HKD"), 2);
    //  0.03 at 0.5 = 0.015 -> 0.02; 0.05 at 0.5 = 0.025 -> 0.02.
    ASSERT_INT_EQ (s_converted (3, "0.5", "MOP"), 2);
    ASSERT_INT_EQ (s_converted (5, "0.5", "MOP"), 2);
    //  Just above and below a tie.
    ASSERT_INT_EQ (s_converted (1, "2.5000000001", "HKD"), 3);
    ASSERT_INT_EQ (s_converted (1, "2.4999999999", "HKD"), 2);
    //  12,345.67 at 1.0856 = 13,402.459352 -> 13,402.46.
    ASSERT_INT_EQ (s_converted (1234567, "1.0856", "HKD"), 1340246);
    //  Negative amounts round symmetrically.
    ASSERT_INT_EQ (s_converted (-1, "2.5", "HKD"), -2);
    ASSERT_INT_EQ (s_converted (-1, "3.5", "HKD"), -4);
    //  The whole budget at a rate with ten decimals stays exact.
    ASSERT_INT_EQ (s_converted (37000000000LL, "1.0000000001", "MOP"), 37000000004LL);
}

static void
test_convert_detects_overflow_and_unknown_currencies (void)
{
    ht_rate_t rate;
    int64_t result = 99;
    ASSERT_INT_EQ (ht_rate_parse ("2", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (ht_money_convert (INT64_MAX, "CNY", &rate, "HKD", &result), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_money_convert (INT64_MIN, "CNY", &rate, "HKD", &result), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_rate_parse ("99999999.9999999999", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (ht_money_convert (INT64_MAX, "CNY", &rate, "HKD", &result), HT_MONEY_OVERFLOW);
    ASSERT_INT_EQ (ht_money_convert (100, "CNY", &rate, "USD", &result), HT_MONEY_CURRENCY);
    ASSERT_INT_EQ (ht_money_convert (100, "XXX", &rate, "HKD", &result), HT_MONEY_CURRENCY);
    ht_rate_t zero = { 0, 2 };
    ASSERT_INT_EQ (ht_money_convert (100, "CNY", &zero, "HKD", &result), HT_MONEY_NOT_POSITIVE);
    ASSERT_INT_EQ (result, 99);
    ASSERT_INT_EQ (ht_rate_parse ("0.5", &rate), HT_MONEY_OK);
    ASSERT_INT_EQ (ht_money_convert (INT64_MAX, "CNY", &rate, "HKD", &result), HT_MONEY_OK);
    ASSERT_INT_EQ (result, INT64_MAX / 2 + 1);     //  ...03.5 rounds to even ...04
}

static void
test_currencies_are_known_by_code (void)
{
    ASSERT_INT_EQ (ht_money_decimals ("CNY"), 2);
    ASSERT_INT_EQ (ht_money_decimals ("HKD"), 2);
    ASSERT_INT_EQ (ht_money_decimals ("MOP"), 2);
    ASSERT_INT_EQ (ht_money_decimals ("EUR"), -1);
    ASSERT_TRUE (ht_money_currency_known ("MOP"));
    ASSERT_FALSE (ht_money_currency_known (""));
    char list [64];
    ht_money_currencies (list, sizeof list);
    ASSERT_STR_EQ (list, "CNY, HKD, MOP");
    ASSERT_STR_CONTAINS (ht_money_status_text (HT_MONEY_PRECISION), "decimals");
}

int
main (void)
{
    HT_TEST_RUN (test_parse_accepts_decimal_strings_in_minor_units);
    HT_TEST_RUN (test_parse_refuses_garbage_signs_precision_overflow_and_currency);
    HT_TEST_RUN (test_format_writes_the_currencys_decimals);
    HT_TEST_RUN (test_arithmetic_detects_overflow);
    HT_TEST_RUN (test_rate_parse_takes_positive_exact_decimals);
    HT_TEST_RUN (test_convert_rounds_half_even_to_the_payee_minor_unit);
    HT_TEST_RUN (test_convert_detects_overflow_and_unknown_currencies);
    HT_TEST_RUN (test_currencies_are_known_by_code);
    return 0;
}

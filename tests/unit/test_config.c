/*  test_config - settings from flags, environment variables and defaults

    Every test parses the same option table into fresh targets. The
    environment variables are HT_TEST_ ones no program reads, and each test
    removes what it set so the tests do not depend on their order.
*/

#include "ht_test.h"
#include "ht_config.h"

#include <stdlib.h>
#include <string.h>

#define ENV_WORKERS "HT_TEST_CONFIG_WORKERS"
#define ENV_NAME    "HT_TEST_CONFIG_NAME"
#define ENV_VERBOSE "HT_TEST_CONFIG_VERBOSE"

static int s_workers;
static const char *s_name;
static bool s_verbose;
static const char *s_token;

static const ht_option_t s_options [] = {
    { "workers", ENV_WORKERS, HT_OPT_INT, &s_workers, "4", 1, 64, "worker threads" },
    { "name", ENV_NAME, HT_OPT_STRING, &s_name, "registry", 0, 0, "service name" },
    { "verbose", ENV_VERBOSE, HT_OPT_BOOL, &s_verbose, "false", 0, 0, "log more" },
    { "token", NULL, HT_OPT_STRING, &s_token, NULL, 0, 0, "no default, no variable" },
    { .flag = NULL }            //  end of table
};

static char s_error [256];
static char *s_rest [4];
static int s_rest_count;

static void
s_reset (void)
{
    unsetenv (ENV_WORKERS);
    unsetenv (ENV_NAME);
    unsetenv (ENV_VERBOSE);
    s_workers = -1;
    s_name = NULL;
    s_verbose = true;
    s_token = NULL;
    memset (s_error, 0, sizeof s_error);
    memset (s_rest, 0, sizeof s_rest);
    s_rest_count = -1;
}

//  Parses the NULL-terminated `args` as a program's arguments after argv[0];
//  with_rest says whether positional arguments have somewhere to go.
static ht_config_result_t
s_parse (bool with_rest, const char *const *args)
{
    char *argv [16] = { (char *) "test_config" };
    int argc = 1;
    for (; args [argc - 1]; argc++) {
        ASSERT_TRUE (argc < 16);
        argv [argc] = (char *) args [argc - 1];
    }
    return ht_config_parse (s_options, argc, argv, 1,
                            with_rest? s_rest: NULL, 2, with_rest? &s_rest_count: NULL,
                            s_error, sizeof s_error);
}

#define PARSE(...)      s_parse (false, (const char *const []) { __VA_ARGS__, NULL })
#define PARSE_REST(...) s_parse (true, (const char *const []) { __VA_ARGS__, NULL })
#define PARSE_NOTHING() s_parse (false, (const char *const []) { NULL })

//  ---------------------------------------------------------------------------

static void
test_defaults_apply_without_flags_or_environment (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE_NOTHING (), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 4);
    ASSERT_STR_EQ (s_name, "registry");
    ASSERT_FALSE (s_verbose);
    ASSERT_TRUE (s_token == NULL);
}

static void
test_environment_overrides_default (void)
{
    s_reset ();
    setenv (ENV_WORKERS, "12", 1);
    setenv (ENV_NAME, "funding", 1);
    setenv (ENV_VERBOSE, "yes", 1);
    ASSERT_INT_EQ (PARSE_NOTHING (), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 12);
    ASSERT_STR_EQ (s_name, "funding");
    ASSERT_TRUE (s_verbose);
    s_reset ();
}

static void
test_empty_environment_variable_keeps_default (void)
{
    s_reset ();
    setenv (ENV_WORKERS, "", 1);
    ASSERT_INT_EQ (PARSE_NOTHING (), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 4);
    s_reset ();
}

static void
test_flag_overrides_environment (void)
{
    s_reset ();
    setenv (ENV_WORKERS, "12", 1);
    setenv (ENV_NAME, "funding", 1);
    ASSERT_INT_EQ (PARSE ("--workers=7", "--name", "customs"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 7);
    ASSERT_STR_EQ (s_name, "customs");
    s_reset ();
}

static void
test_flag_takes_value_after_equals_or_as_next_argument (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=9", "--token", "abc=def"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 9);
    ASSERT_STR_EQ (s_token, "abc=def");
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers", "10", "--token=x=y"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 10);
    ASSERT_STR_EQ (s_token, "x=y");
}

static void
test_later_flag_wins (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=2", "--workers=3"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 3);
}

static void
test_int_out_of_range_is_refused_naming_the_flag (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=65"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--workers");
    ASSERT_STR_CONTAINS (s_error, "65");
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers", "0"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--workers");
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=99999999999999999999"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--workers");
}

static void
test_int_bounds_are_inclusive (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=1"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 1);
    ASSERT_INT_EQ (PARSE ("--workers=64"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 64);
}

static void
test_int_that_is_not_a_number_is_refused (void)
{
    const char *bad [] = { "--workers=abc", "--workers=", "--workers=12abc", "--workers=1.5", NULL };
    for (int i = 0; bad [i]; i++) {
        s_reset ();
        ASSERT_INT_EQ (PARSE (bad [i]), HT_CONFIG_ERROR);
        ASSERT_STR_CONTAINS (s_error, "--workers");
    }
}

static void
test_bad_environment_value_is_refused_naming_the_variable (void)
{
    s_reset ();
    setenv (ENV_WORKERS, "many", 1);
    ASSERT_INT_EQ (PARSE_NOTHING (), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, ENV_WORKERS);
    s_reset ();
    setenv (ENV_VERBOSE, "maybe", 1);
    ASSERT_INT_EQ (PARSE_NOTHING (), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, ENV_VERBOSE);
    s_reset ();
}

static void
test_unknown_flag_is_refused_naming_it (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--wokers=3"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--wokers");
    s_reset ();
    //  A prefix of a flag is not that flag.
    ASSERT_INT_EQ (PARSE ("--work", "3"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--work'");
}

static void
test_flag_without_its_value_is_refused (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--name"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--name");
}

static void
test_bool_flag_without_value_is_true (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--verbose"), HT_CONFIG_OK);
    ASSERT_TRUE (s_verbose);
}

static void
test_bool_flag_takes_explicit_value (void)
{
    s_reset ();
    setenv (ENV_VERBOSE, "true", 1);
    ASSERT_INT_EQ (PARSE ("--verbose=false"), HT_CONFIG_OK);
    ASSERT_FALSE (s_verbose);
    ASSERT_INT_EQ (PARSE ("--verbose=1"), HT_CONFIG_OK);
    ASSERT_TRUE (s_verbose);
    ASSERT_INT_EQ (PARSE ("--verbose=no"), HT_CONFIG_OK);
    ASSERT_FALSE (s_verbose);
    ASSERT_INT_EQ (PARSE ("--verbose=perhaps"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "--verbose");
    s_reset ();
}

static void
test_help_is_reported_not_an_error (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--help"), HT_CONFIG_HELP);
    ASSERT_INT_EQ (PARSE ("--workers=2", "-h"), HT_CONFIG_HELP);
    ASSERT_INT_EQ (PARSE_REST ("positional", "--help"), HT_CONFIG_HELP);
}

static void
test_positional_arguments_go_to_rest_in_order (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE_REST ("org", "--workers=5", "list"), HT_CONFIG_OK);
    ASSERT_INT_EQ (s_rest_count, 2);
    ASSERT_STR_EQ (s_rest [0], "org");
    ASSERT_STR_EQ (s_rest [1], "list");
    ASSERT_INT_EQ (s_workers, 5);
}

static void
test_positional_arguments_beyond_rest_max_are_refused (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE_REST ("org", "list", "extra"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "extra");
}

static void
test_positional_arguments_without_rest_are_refused (void)
{
    s_reset ();
    ASSERT_INT_EQ (PARSE ("--workers=5", "stray"), HT_CONFIG_ERROR);
    ASSERT_STR_CONTAINS (s_error, "stray");
}

static void
test_parsing_starts_at_first (void)
{
    s_reset ();
    char *argv [] = { (char *) "hetaoctl", (char *) "--workers=bad", (char *) "--workers=8" };
    ASSERT_INT_EQ (ht_config_parse (s_options, 3, argv, 2, NULL, 0, NULL, s_error, sizeof s_error),
                   HT_CONFIG_OK);
    ASSERT_INT_EQ (s_workers, 8);
}

int
main (void)
{
    HT_TEST_RUN (test_defaults_apply_without_flags_or_environment);
    HT_TEST_RUN (test_environment_overrides_default);
    HT_TEST_RUN (test_empty_environment_variable_keeps_default);
    HT_TEST_RUN (test_flag_overrides_environment);
    HT_TEST_RUN (test_flag_takes_value_after_equals_or_as_next_argument);
    HT_TEST_RUN (test_later_flag_wins);
    HT_TEST_RUN (test_int_out_of_range_is_refused_naming_the_flag);
    HT_TEST_RUN (test_int_bounds_are_inclusive);
    HT_TEST_RUN (test_int_that_is_not_a_number_is_refused);
    HT_TEST_RUN (test_bad_environment_value_is_refused_naming_the_variable);
    HT_TEST_RUN (test_unknown_flag_is_refused_naming_it);
    HT_TEST_RUN (test_flag_without_its_value_is_refused);
    HT_TEST_RUN (test_bool_flag_without_value_is_true);
    HT_TEST_RUN (test_bool_flag_takes_explicit_value);
    HT_TEST_RUN (test_help_is_reported_not_an_error);
    HT_TEST_RUN (test_positional_arguments_go_to_rest_in_order);
    HT_TEST_RUN (test_positional_arguments_beyond_rest_max_are_refused);
    HT_TEST_RUN (test_positional_arguments_without_rest_are_refused);
    HT_TEST_RUN (test_parsing_starts_at_first);
    return 0;
}

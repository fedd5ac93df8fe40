/*  test_source - the settings every source service gets, from its name  */

#include "ht_test.h"
#include "ht_internal.h"

#include <stdlib.h>
#include <string.h>

static bool
s_apply (ht_consumer_tx_t *tx, const Hetao__V1__Event *event)
{
    return true;
}

static const ht_source_t s_funding = { "funding", 7201 };
static const ht_consumer_spec_t s_registry_stream = { .stream = "registry", .source = &ht_source_registry,
                                                      .apply = s_apply };
static const ht_consumer_spec_t s_registry_again = { .stream = "registry", .topic = "registry.project.",
                                                     .source = &ht_source_registry, .apply = s_apply };
static const ht_consumer_spec_t s_funding_stream = { .stream = "funding", .source = &s_funding,
                                                     .apply = s_apply };
static const ht_consumer_spec_t *const s_consumers [] = {
    &s_registry_stream, &s_registry_again, &s_funding_stream, NULL
};
static const ht_service_t s_service = { .name = "reporting", .consumers = s_consumers };

#define KEY "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

//  Parses `argv` (argc items) into fresh settings; returns the config result.
static ht_config_result_t
s_parse (ht_settings_t *settings, int argc, char **argv, char *error, size_t size)
{
    memset (settings, 0, sizeof *settings);
    ht_option_t options [64];
    int count = 0;
    ht__sources_options (&s_service, settings, options, &count, 63);
    options [count] = (ht_option_t) { NULL };
    return ht_config_parse (options, argc, argv, 0, NULL, 0, NULL, error, size);
}

static void
test_each_source_named_by_consumers_gets_its_settings_once (void)
{
    ht_settings_t settings;
    char error [256] = "";
    char *argv [] = { "--registry-server-key", KEY, "--funding-server-key", KEY,
                      "--funding-endpoint", "tcp://10.0.0.5:9000" };
    ASSERT_INT_EQ (s_parse (&settings, 6, argv, error, sizeof error), HT_CONFIG_OK);
    ASSERT_INT_EQ (settings.n_sources, 2);
    ASSERT_TRUE (ht__sources_resolve (&settings, error, sizeof error));
    const ht_source_settings_t *registry = ht__source_find (&settings, "registry");
    ASSERT_TRUE (registry != NULL);
    ASSERT_STR_EQ (registry->endpoint, "tcp://127.0.0.1:7101");
    //  Events on the port after the request port, unless given.
    ASSERT_STR_EQ (registry->events, "tcp://127.0.0.1:7102");
    ASSERT_STR_EQ (registry->server_key, KEY);
    ASSERT_INT_EQ (registry->deadline_ms, 2000);
    ASSERT_INT_EQ (registry->poll_ms, 1000);
    const ht_source_settings_t *funding = ht__source_find (&settings, "funding");
    ASSERT_STR_EQ (funding->events, "tcp://10.0.0.5:9001");
    ASSERT_TRUE (ht__source_find (&settings, "customs") == NULL);
}

static void
test_environment_names_follow_the_source_name (void)
{
    ht_settings_t settings;
    char error [256] = "";
    setenv ("HETAO_REGISTRY_SERVER_KEY", KEY, 1);
    setenv ("HETAO_FUNDING_SERVER_KEY", KEY, 1);
    setenv ("HETAO_REGISTRY_EVENTS", "tcp://127.0.0.1:5555", 1);
    setenv ("HETAO_REGISTRY_DEADLINE_MS", "700", 1);
    ASSERT_INT_EQ (s_parse (&settings, 0, NULL, error, sizeof error), HT_CONFIG_OK);
    ASSERT_TRUE (ht__sources_resolve (&settings, error, sizeof error));
    const ht_source_settings_t *registry = ht__source_find (&settings, "registry");
    ASSERT_STR_EQ (registry->events, "tcp://127.0.0.1:5555");
    ASSERT_INT_EQ (registry->deadline_ms, 700);
    unsetenv ("HETAO_REGISTRY_SERVER_KEY");
    unsetenv ("HETAO_FUNDING_SERVER_KEY");
    unsetenv ("HETAO_REGISTRY_EVENTS");
    unsetenv ("HETAO_REGISTRY_DEADLINE_MS");
}

static void
test_a_missing_or_unreadable_server_key_is_refused_naming_the_flag (void)
{
    ht_settings_t settings;
    char error [256] = "";
    char *argv [] = { "--funding-server-key", KEY };
    ASSERT_INT_EQ (s_parse (&settings, 2, argv, error, sizeof error), HT_CONFIG_OK);
    ASSERT_FALSE (ht__sources_resolve (&settings, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "--registry-server-key");

    char *unreadable [] = { "--registry-server-key", "/nonexistent/registry.key",
                            "--funding-server-key", KEY };
    ASSERT_INT_EQ (s_parse (&settings, 4, unreadable, error, sizeof error), HT_CONFIG_OK);
    ASSERT_FALSE (ht__sources_resolve (&settings, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "--registry-server-key");
}

static void
test_an_endpoint_without_a_port_needs_the_events_endpoint (void)
{
    ht_settings_t settings;
    char error [256] = "";
    char *argv [] = { "--registry-server-key", KEY, "--funding-server-key", KEY,
                      "--registry-endpoint", "ipc:///tmp/registry" };
    ASSERT_INT_EQ (s_parse (&settings, 6, argv, error, sizeof error), HT_CONFIG_OK);
    ASSERT_FALSE (ht__sources_resolve (&settings, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "--registry-events");
}

int
main (void)
{
    HT_TEST_RUN (test_each_source_named_by_consumers_gets_its_settings_once);
    HT_TEST_RUN (test_environment_names_follow_the_source_name);
    HT_TEST_RUN (test_a_missing_or_unreadable_server_key_is_refused_naming_the_flag);
    HT_TEST_RUN (test_an_endpoint_without_a_port_needs_the_events_endpoint);
    return 0;
}

/*  test_enum - protobuf enum values as the short keys stored and typed  */

#include "ht_test.h"
#include "ht_enum.h"
#include "hetao/v1/registry.pb-c.h"

#include <string.h>

static const ProtobufCEnumDescriptor *s_kind = &hetao__v1__organization_kind__descriptor;

static void
test_key_is_value_name_without_prefix_in_lower_case (void)
{
    char key [64] = "";
    ASSERT_TRUE (ht_enum_key (s_kind, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE,
                              key, sizeof key));
    ASSERT_STR_EQ (key, "research_institute");
    ASSERT_TRUE (ht_enum_key (&hetao__v1__region__descriptor,
                              HETAO__V1__REGION__REGION_HONG_KONG, key, sizeof key));
    ASSERT_STR_EQ (key, "hong_kong");
    ASSERT_TRUE (ht_enum_key (&hetao__v1__sector__descriptor,
                              HETAO__V1__SECTOR__SECTOR_ARTIFICIAL_INTELLIGENCE, key, sizeof key));
    ASSERT_STR_EQ (key, "artificial_intelligence");
    ASSERT_TRUE (ht_enum_key (&hetao__v1__registration_type__descriptor,
                              HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR, key, sizeof key));
    ASSERT_STR_EQ (key, "hk_br");
}

static void
test_key_is_cut_to_the_buffer (void)
{
    char key [8];
    memset (key, 'x', sizeof key);
    ASSERT_TRUE (ht_enum_key (s_kind, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE,
                              key, sizeof key));
    ASSERT_STR_EQ (key, "researc");
}

static void
test_value_of_key_is_found_back (void)
{
    int value = -1;
    ASSERT_TRUE (ht_enum_value (s_kind, "research_institute", &value));
    ASSERT_INT_EQ (value, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE);
    ASSERT_TRUE (ht_enum_value (s_kind, "other", &value));
    ASSERT_INT_EQ (value, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_OTHER);
}

static void
test_every_value_round_trips_through_its_key (void)
{
    const ProtobufCEnumDescriptor *types [] = {
        &hetao__v1__organization_kind__descriptor, &hetao__v1__region__descriptor,
        &hetao__v1__registration_type__descriptor, &hetao__v1__sector__descriptor,
        &hetao__v1__organization_status__descriptor, NULL
    };
    for (int t = 0; types [t]; t++) {
        for (unsigned i = 0; i < types [t]->n_values; i++) {
            int number = types [t]->values [i].value;
            if (number == 0)
                continue;
            char key [64];
            ASSERT_TRUE (ht_enum_key (types [t], number, key, sizeof key));
            int back = -1;
            ASSERT_TRUE (ht_enum_value (types [t], key, &back));
            ASSERT_INT_EQ (back, number);
        }
    }
}

static void
test_unspecified_and_unknown_numbers_have_no_key (void)
{
    char key [64] = "untouched";
    ASSERT_FALSE (ht_enum_key (s_kind, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_UNSPECIFIED,
                               key, sizeof key));
    ASSERT_FALSE (ht_enum_key (s_kind, 7, key, sizeof key));
    ASSERT_FALSE (ht_enum_key (s_kind, -1, key, sizeof key));
    ASSERT_FALSE (ht_enum_key (s_kind, 1000, key, sizeof key));
}

static void
test_unknown_key_is_not_found (void)
{
    int value = 42;
    ASSERT_FALSE (ht_enum_value (s_kind, "laboratory", &value));
    ASSERT_FALSE (ht_enum_value (s_kind, "", &value));
    ASSERT_FALSE (ht_enum_value (s_kind, "unspecified", &value));
    ASSERT_FALSE (ht_enum_value (s_kind, "RESEARCH_INSTITUTE", &value));
    ASSERT_FALSE (ht_enum_value (s_kind, "ORGANIZATION_KIND_RESEARCH_INSTITUTE", &value));
    ASSERT_FALSE (ht_enum_value (s_kind, "research_institute ", &value));
    ASSERT_INT_EQ (value, 42);
}

static void
test_keys_lists_every_value_but_unspecified_in_order (void)
{
    char keys [256];
    ht_enum_keys (s_kind, keys, sizeof keys);
    ASSERT_STR_EQ (keys, "research_institute, university, enterprise, platform_laboratory, "
                         "government_agency, other");
    ht_enum_keys (&hetao__v1__organization_status__descriptor, keys, sizeof keys);
    ASSERT_STR_EQ (keys, "active, suspended, withdrawn");
}

static void
test_keys_never_write_past_the_buffer (void)
{
    char keys [32];
    memset (keys, 'x', sizeof keys);
    ht_enum_keys (s_kind, keys, 20);
    ASSERT_INT_EQ (strlen (keys), 19);
    ASSERT_STR_EQ (keys, "research_institute,");
    for (size_t i = 20; i < sizeof keys; i++)
        ASSERT_INT_EQ (keys [i], 'x');
}

int
main (void)
{
    HT_TEST_RUN (test_key_is_value_name_without_prefix_in_lower_case);
    HT_TEST_RUN (test_key_is_cut_to_the_buffer);
    HT_TEST_RUN (test_value_of_key_is_found_back);
    HT_TEST_RUN (test_every_value_round_trips_through_its_key);
    HT_TEST_RUN (test_unspecified_and_unknown_numbers_have_no_key);
    HT_TEST_RUN (test_unknown_key_is_not_found);
    HT_TEST_RUN (test_keys_lists_every_value_but_unspecified_in_order);
    HT_TEST_RUN (test_keys_never_write_past_the_buffer);
    return 0;
}

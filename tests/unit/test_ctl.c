/*  test_ctl - hetaoctl's shared flag parser and person-facing values

    What a person reads is generic over protobuf descriptors: these tests pin
    the rules (enum keys, Asia/Shanghai or UTC times, money in two decimals)
    and the flag parser's refusals, each of which must exit 2.
*/

#include "ht_test.h"
#include "ctl.h"
#include "hetao/v1/registry.pb-c.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define KIND_RESEARCH HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE
#define QUANTUM       HETAO__V1__SECTOR__SECTOR_QUANTUM_TECHNOLOGY
#define ROBOTICS      HETAO__V1__SECTOR__SECTOR_ROBOTICS

//  2027-03-01T08:00:00Z, plus some microseconds that a person never sees.
#define MARCH_FIRST_US (1803888000LL * 1000000 + 123456)

//  What ctl_format_field prints for `name` of `message`, in a buffer the next call reuses.
static const char *
s_field (const ProtobufCMessage *message, const char *name)
{
    static char *text = NULL;
    size_t size = 0;
    free (text);
    text = NULL;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (message->descriptor, name);
    ASSERT_NOT_NULL (field);
    FILE *out = open_memstream (&text, &size);
    ctl_format_field (out, message, field);
    fclose (out);
    return text;
}

static Hetao__V1__Sector s_sectors [] = { QUANTUM, ROBOTICS };

static void
s_organization (Hetao__V1__Organization *org)
{
    hetao__v1__organization__init (org);
    org->id = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    org->has_kind = true;
    org->kind = KIND_RESEARCH;
    org->n_sectors = 2;
    org->sectors = s_sectors;
    org->has_created_at_us = true;
    org->created_at_us = MARCH_FIRST_US;
    org->has_version = true;
    org->version = 3;
}

static void
test_enums_print_as_their_lower_case_keys_and_lists_comma_separated (void)
{
    Hetao__V1__Organization org;
    s_organization (&org);
    ASSERT_STR_EQ (s_field (&org.base, "kind"), "research_institute");
    ASSERT_STR_EQ (s_field (&org.base, "sectors"), "quantum_technology,robotics");
    ASSERT_STR_EQ (s_field (&org.base, "version"), "3");
    ASSERT_STR_EQ (s_field (&org.base, "id"), "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b");
    ASSERT_STR_EQ (s_field (&org.base, "name_en"), "");     //  absent: nothing
}

static void
test_times_print_in_asia_shanghai_and_in_utc_with_utc (void)
{
    Hetao__V1__Organization org;
    s_organization (&org);
    ctl.utc = false;
    ASSERT_STR_EQ (s_field (&org.base, "created_at_us"), "2027-03-01T16:00:00+08:00");
    ctl.utc = true;
    ASSERT_STR_EQ (s_field (&org.base, "created_at_us"), "2027-03-01T08:00:00Z");
    //  Before the epoch, the second is rounded down, not towards zero.
    org.created_at_us = -1;
    ASSERT_STR_EQ (s_field (&org.base, "created_at_us"), "1969-12-31T23:59:59Z");
    ctl.utc = false;
    ASSERT_STR_EQ (s_field (&org.base, "created_at_us"), "1970-01-01T07:59:59+08:00");
}

//  A message of money fields, described by hand: no protocol message has one yet.
typedef struct {
    ProtobufCMessage base;
    protobuf_c_boolean has_budget_minor;
    int64_t budget_minor;
    protobuf_c_boolean has_fee_fen;
    int64_t fee_fen;
    protobuf_c_boolean has_count;
    int64_t count;
} s_money_t;

static const ProtobufCFieldDescriptor s_money_fields [] = {
    { .name = "budget_minor", .id = 1, .label = PROTOBUF_C_LABEL_OPTIONAL, .type = PROTOBUF_C_TYPE_INT64,
      .quantifier_offset = offsetof (s_money_t, has_budget_minor), .offset = offsetof (s_money_t, budget_minor) },
    { .name = "fee_fen", .id = 2, .label = PROTOBUF_C_LABEL_OPTIONAL, .type = PROTOBUF_C_TYPE_INT64,
      .quantifier_offset = offsetof (s_money_t, has_fee_fen), .offset = offsetof (s_money_t, fee_fen) },
    { .name = "count", .id = 3, .label = PROTOBUF_C_LABEL_OPTIONAL, .type = PROTOBUF_C_TYPE_INT64,
      .quantifier_offset = offsetof (s_money_t, has_count), .offset = offsetof (s_money_t, count) },
};

static const unsigned s_money_by_name [] = { 0, 2, 1 };

static const ProtobufCMessageDescriptor s_money_descriptor = {
    .magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, .name = "test.Money", .short_name = "Money",
    .sizeof_message = sizeof (s_money_t), .n_fields = 3, .fields = s_money_fields,
    .fields_sorted_by_name = s_money_by_name,
};

static void
test_minor_units_print_as_decimals_with_two_places (void)
{
    s_money_t money = { .base = { .descriptor = &s_money_descriptor },
                        .has_budget_minor = true, .budget_minor = 123456,
                        .has_fee_fen = true, .fee_fen = -5, .has_count = true, .count = 123456 };
    ASSERT_STR_EQ (s_field (&money.base, "budget_minor"), "1234.56");
    ASSERT_STR_EQ (s_field (&money.base, "fee_fen"), "-0.05");
    ASSERT_STR_EQ (s_field (&money.base, "count"), "123456");
    money.budget_minor = INT64_MIN;
    ASSERT_STR_EQ (s_field (&money.base, "budget_minor"), "-92233720368547758.08");
}

static void
test_parse_writes_flags_into_the_request (void)
{
    Hetao__V1__ListOrganizationsRequest request = HETAO__V1__LIST_ORGANIZATIONS_REQUEST__INIT;
    Hetao__V1__SectorList sectors = HETAO__V1__SECTOR_LIST__INIT;
    protobuf_c_boolean has_sectors = false, all = false;
    const char *id = NULL;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "id" },
        { "kind", CTL_ENUM, &request.kind, &request.has_kind, &hetao__v1__organization_kind__descriptor,
          .help = "kind" },
        { "sectors", CTL_ENUM_LIST, &sectors.sectors, &has_sectors, &hetao__v1__sector__descriptor,
          &sectors.n_sectors, .help = "sectors" },
        { "page-size", CTL_UINT32, &request.page_size, &request.has_page_size, .fallback = "50",
          .min = 1, .max = 500, .help = "size" },
        { "all", CTL_FLAG, &all, .help = "all" },
        { NULL }
    };
    char *argv [] = { "the-id", "--kind", "university", "--sectors=robotics,quantum_technology", "--all" };
    ASSERT_INT_EQ (ctl_parse (options, 5, argv, "usage"), 0);
    ASSERT_STR_EQ (id, "the-id");
    ASSERT_TRUE (request.has_kind);
    ASSERT_INT_EQ (request.kind, HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_UNIVERSITY);
    ASSERT_TRUE (has_sectors);
    ASSERT_INT_EQ (sectors.n_sectors, 2);
    ASSERT_INT_EQ (sectors.sectors [0], ROBOTICS);
    ASSERT_INT_EQ (sectors.sectors [1], QUANTUM);
    ASSERT_TRUE (request.has_page_size);
    ASSERT_INT_EQ (request.page_size, 50);
    ASSERT_TRUE (all);

    char *empty [] = { "--id", "x", "--sectors", "" };
    ASSERT_INT_EQ (ctl_parse (options, 4, empty, "usage"), 0);
    ASSERT_INT_EQ (sectors.n_sectors, 0);
    ctl_free_all ();
}

static void
test_parse_refuses_bad_input_with_exit_2 (void)
{
    int64_t version = 0;
    protobuf_c_boolean has_version = false;
    int kind = 0;
    const char *id = NULL;
    const ctl_option_t options [] = {
        { "id", CTL_STRING, &id, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "id" },
        { "expected-version", CTL_INT64, &version, &has_version, .help = "version" },
        { "kind", CTL_ENUM, &kind, NULL, &hetao__v1__organization_kind__descriptor, .help = "kind" },
        { NULL }
    };
    char *missing [] = { "--kind", "enterprise" };
    char *unknown [] = { "x", "--colour", "red" };
    char *number [] = { "x", "--expected-version", "1x" };
    char *empty [] = { "x", "--expected-version", "" };
    char *key [] = { "x", "--kind", "bakery" };
    char *two [] = { "x", "y" };
    char *no_value [] = { "x", "--kind" };
    ASSERT_INT_EQ (ctl_parse (options, 2, missing, "usage"), CTL_EXIT_USAGE);
    ASSERT_INT_EQ (ctl_parse (options, 3, unknown, "usage"), CTL_EXIT_USAGE);
    ASSERT_INT_EQ (ctl_parse (options, 3, number, "usage"), CTL_EXIT_USAGE);
    ASSERT_INT_EQ (ctl_parse (options, 3, empty, "usage"), CTL_EXIT_USAGE);
    ASSERT_FALSE (has_version);
    ASSERT_INT_EQ (ctl_parse (options, 3, key, "usage"), CTL_EXIT_USAGE);
    ASSERT_INT_EQ (ctl_parse (options, 2, two, "usage"), CTL_EXIT_USAGE);
    ASSERT_INT_EQ (ctl_parse (options, 2, no_value, "usage"), CTL_EXIT_USAGE);
    ctl_free_all ();
}

int
main (void)
{
    HT_TEST_RUN (test_enums_print_as_their_lower_case_keys_and_lists_comma_separated);
    HT_TEST_RUN (test_times_print_in_asia_shanghai_and_in_utc_with_utc);
    HT_TEST_RUN (test_minor_units_print_as_decimals_with_two_places);
    HT_TEST_RUN (test_parse_writes_flags_into_the_request);
    HT_TEST_RUN (test_parse_refuses_bad_input_with_exit_2);
    return 0;
}

/*  test_status - the status table: names, exit codes, retries, and the wire

    The expected values are written out here, not derived from ht_status.c,
    so a changed row fails until docs/cli.md and this file agree with it.
*/

#include "ht_test.h"
#include "ht_status.h"
#include "hetao/v1/envelope.pb-c.h"

#include <string.h>

//  Every code with what a caller sees of it.
static const struct {
    int status;
    const char *name;
    int exit_code;
    bool retryable;
} s_expected [] = {
    { HT_OK,                  "OK",                  0,  false },
    { HT_INVALID_ARGUMENT,    "INVALID_ARGUMENT",    3,  false },
    { HT_NOT_FOUND,           "NOT_FOUND",           4,  false },
    { HT_ALREADY_EXISTS,      "ALREADY_EXISTS",      5,  false },
    { HT_FAILED_PRECONDITION, "FAILED_PRECONDITION", 6,  false },
    { HT_PERMISSION_DENIED,   "PERMISSION_DENIED",   7,  false },
    { HT_UNAUTHENTICATED,     "UNAUTHENTICATED",     7,  false },
    { HT_RESOURCE_EXHAUSTED,  "RESOURCE_EXHAUSTED",  8,  true },
    { HT_UNAVAILABLE,         "UNAVAILABLE",         9,  true },
    { HT_DEADLINE_EXCEEDED,   "DEADLINE_EXCEEDED",   9,  true },
    { HT_UNIMPLEMENTED,       "UNIMPLEMENTED",       10, false },
    { HT_INTERNAL,            "INTERNAL",            11, false },
};

#define S_EXPECTED_COUNT (sizeof s_expected / sizeof s_expected [0])

//  Codes outside the set: gRPC codes we do not use, and nonsense.
static const int s_unknown [] = { -1, 1, 2, 10, 11, 15, 17, 100, 1 << 30 };

#define S_UNKNOWN_COUNT (sizeof s_unknown / sizeof s_unknown [0])

static void
test_every_code_has_its_wire_name (void)
{
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        ASSERT_TRUE (ht_status_known (s_expected [i].status));
        ASSERT_STR_EQ (ht_status_name (s_expected [i].status), s_expected [i].name);
    }
}

static void
test_codes_use_grpc_numbers (void)
{
    ASSERT_INT_EQ (HT_OK, 0);
    ASSERT_INT_EQ (HT_INVALID_ARGUMENT, 3);
    ASSERT_INT_EQ (HT_DEADLINE_EXCEEDED, 4);
    ASSERT_INT_EQ (HT_NOT_FOUND, 5);
    ASSERT_INT_EQ (HT_ALREADY_EXISTS, 6);
    ASSERT_INT_EQ (HT_PERMISSION_DENIED, 7);
    ASSERT_INT_EQ (HT_RESOURCE_EXHAUSTED, 8);
    ASSERT_INT_EQ (HT_FAILED_PRECONDITION, 9);
    ASSERT_INT_EQ (HT_UNIMPLEMENTED, 12);
    ASSERT_INT_EQ (HT_INTERNAL, 13);
    ASSERT_INT_EQ (HT_UNAVAILABLE, 14);
    ASSERT_INT_EQ (HT_UNAUTHENTICATED, 16);
}

static void
test_unknown_code_is_named_unknown_status (void)
{
    for (size_t i = 0; i < S_UNKNOWN_COUNT; i++) {
        ASSERT_FALSE (ht_status_known (s_unknown [i]));
        ASSERT_STR_EQ (ht_status_name (s_unknown [i]), "UNKNOWN_STATUS");
    }
}

static void
test_exit_code_says_the_class_of_error (void)
{
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        if (ht_status_exit_code (s_expected [i].status) != s_expected [i].exit_code)
            fprintf (stderr, "status %s\n", s_expected [i].name);
        ASSERT_INT_EQ (ht_status_exit_code (s_expected [i].status), s_expected [i].exit_code);
    }
}

static void
test_unknown_code_exits_like_internal (void)
{
    for (size_t i = 0; i < S_UNKNOWN_COUNT; i++)
        ASSERT_INT_EQ (ht_status_exit_code (s_unknown [i]), ht_status_exit_code (HT_INTERNAL));
}

static void
test_only_exhausted_unavailable_and_deadline_are_retryable (void)
{
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        if (ht_status_retryable (s_expected [i].status) != s_expected [i].retryable)
            fprintf (stderr, "status %s\n", s_expected [i].name);
        ASSERT_INT_EQ (ht_status_retryable (s_expected [i].status), s_expected [i].retryable);
    }
    for (size_t i = 0; i < S_UNKNOWN_COUNT; i++)
        ASSERT_FALSE (ht_status_retryable (s_unknown [i]));
}

//  The wire enum comes from envelope.proto; ht_status.c is written by hand.
//  Both directions are checked, so neither can gain a code the other lacks.
static void
test_wire_status_enum_and_table_cannot_drift (void)
{
    const ProtobufCEnumDescriptor *wire = &hetao__v1__status__descriptor;
    ASSERT_INT_EQ (wire->n_values, S_EXPECTED_COUNT);
    for (unsigned i = 0; i < wire->n_values; i++) {
        if (!ht_status_known (wire->values [i].value))
            fprintf (stderr, "wire status %s = %d\n", wire->values [i].name, wire->values [i].value);
        ASSERT_TRUE (ht_status_known (wire->values [i].value));
        ASSERT_STR_EQ (ht_status_name (wire->values [i].value), wire->values [i].name);
    }
    for (int status = -16; status < 256; status++) {
        if (!ht_status_known (status))
            continue;
        const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (wire, status);
        if (!value)
            fprintf (stderr, "ht_status %d is not on the wire\n", status);
        ASSERT_NOT_NULL (value);
        ASSERT_STR_EQ (value->name, ht_status_name (status));
    }
}

int
main (void)
{
    HT_TEST_RUN (test_every_code_has_its_wire_name);
    HT_TEST_RUN (test_codes_use_grpc_numbers);
    HT_TEST_RUN (test_unknown_code_is_named_unknown_status);
    HT_TEST_RUN (test_exit_code_says_the_class_of_error);
    HT_TEST_RUN (test_unknown_code_exits_like_internal);
    HT_TEST_RUN (test_only_exhausted_unavailable_and_deadline_are_retryable);
    HT_TEST_RUN (test_wire_status_enum_and_table_cannot_drift);
    return 0;
}

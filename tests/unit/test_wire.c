/*  test_wire - strings protobuf-c would cut short or pass unchecked are found  */

#include "ht_test.h"
#include "ht_wire.h"
#include "hetao/v1/envelope.pb-c.h"
#include "hetao/v1/registry.pb-c.h"

//  Packs `message` with `name_en` replaced byte for byte by `bytes`.
static size_t
s_pack_with_name (const char *stand_in, const char *bytes, size_t length, uint8_t *out)
{
    Hetao__V1__RegisterOrganizationRequest request = HETAO__V1__REGISTER_ORGANIZATION_REQUEST__INIT;
    request.name_en = (char *) stand_in;
    request.name_zh = "河套";
    size_t size = hetao__v1__register_organization_request__pack (&request, out);
    for (size_t i = 0; i + length <= size; i++)
        if (!memcmp (out + i, stand_in, length)) {
            memcpy (out + i, bytes, length);
            break;
        }
    return size;
}

static void
test_valid_utf8_strings_pass (void)
{
    uint8_t buffer [256];
    size_t size = s_pack_with_name ("Hetao Lab", "Hetao Lab", 9, buffer);
    char field [64];
    ASSERT_TRUE (ht_wire_strings_valid (&hetao__v1__register_organization_request__descriptor,
                                        buffer, size, field, sizeof field));
}

static void
test_an_embedded_nul_is_found_and_named (void)
{
    uint8_t buffer [256];
    size_t size = s_pack_with_name ("HetaoXLab", "Hetao\0Lab", 9, buffer);
    char field [64];
    ASSERT_FALSE (ht_wire_strings_valid (&hetao__v1__register_organization_request__descriptor,
                                         buffer, size, field, sizeof field));
    ASSERT_STR_EQ (field, "name_en");
}

static void
test_invalid_utf8_is_found_and_named (void)
{
    uint8_t buffer [256];
    size_t size = s_pack_with_name ("HetaoXXLab", "Hetao\xff\xfeLab", 10, buffer);
    char field [64];
    ASSERT_FALSE (ht_wire_strings_valid (&hetao__v1__register_organization_request__descriptor,
                                         buffer, size, field, sizeof field));
    ASSERT_STR_EQ (field, "name_en");
}

static void
test_a_bad_string_inside_a_nested_message_is_named_by_its_path (void)
{
    Hetao__V1__Organization organization = HETAO__V1__ORGANIZATION__INIT;
    organization.name_en = "HetaoXLab";
    Hetao__V1__OrganizationReply reply = HETAO__V1__ORGANIZATION_REPLY__INIT;
    reply.organization = &organization;
    uint8_t buffer [256];
    size_t size = hetao__v1__organization_reply__pack (&reply, buffer);
    for (size_t i = 0; i < size; i++)
        if (buffer [i] == 'X')
            buffer [i] = 0;
    char field [64];
    ASSERT_FALSE (ht_wire_strings_valid (&hetao__v1__organization_reply__descriptor,
                                         buffer, size, field, sizeof field));
    ASSERT_STR_EQ (field, "organization.name_en");
}

static void
test_bytes_fields_may_hold_anything (void)
{
    Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
    request.request_id = "r1";
    request.has_payload = true;
    request.payload.data = (uint8_t *) "\0\xff\0";
    request.payload.len = 3;
    uint8_t buffer [64];
    size_t size = hetao__v1__request__pack (&request, buffer);
    char field [64];
    ASSERT_TRUE (ht_wire_strings_valid (&hetao__v1__request__descriptor, buffer, size, field, sizeof field));
}

static void
test_malformed_input_is_left_to_the_decoder (void)
{
    const uint8_t truncated [] = { 0x12, 0x20, 'a' };     //  field 2, length 32, 1 byte
    char field [64];
    ASSERT_TRUE (ht_wire_strings_valid (&hetao__v1__request__descriptor, truncated, sizeof truncated,
                                        field, sizeof field));
    ASSERT_STR_EQ (field, "");
}

//  The broker looks at a request's method without decoding the request.
static void
test_field_equals_finds_the_method_of_an_envelope (void)
{
    Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
    request.request_id = "r-1";
    request.method = "system.Health";
    request.has_payload = true;
    request.payload.data = (uint8_t *) "system.Health";       //  the same bytes elsewhere do not count
    request.payload.len = 13;
    uint8_t buffer [128];
    size_t size = hetao__v1__request__pack (&request, buffer);
    ASSERT_TRUE (ht_wire_field_equals (buffer, size, 2, "system.Health"));
    ASSERT_FALSE (ht_wire_field_equals (buffer, size, 2, "system.Healt"));
    ASSERT_FALSE (ht_wire_field_equals (buffer, size, 2, "system.HealthX"));
    ASSERT_FALSE (ht_wire_field_equals (buffer, size, 1, "system.Health"));
    request.method = "registry.GetOrganization";
    size = hetao__v1__request__pack (&request, buffer);
    ASSERT_FALSE (ht_wire_field_equals (buffer, size, 2, "system.Health"));
    //  Cut short: a match only where the cut leaves a whole message that
    //  still holds the method (right after it, before the payload).
    int matches = 0;
    for (size_t cut = 0; cut < size; cut++)
        matches += ht_wire_field_equals (buffer, cut, 2, "registry.GetOrganization");
    ASSERT_INT_EQ (matches, 1);
    const uint8_t garbage [] = { 0xFF, 0xFF, 0xFF, 0xFF };
    ASSERT_FALSE (ht_wire_field_equals (garbage, sizeof garbage, 2, "system.Health"));
}

//  An empty payload arrives as NULL data and size 0 (protobuf-c's empty
//  bytes): valid, and no pointer arithmetic on NULL (found by fuzzing under UBSan).
static void
test_an_empty_message_with_no_data_is_valid (void)
{
    char field [64];
    ASSERT_TRUE (ht_wire_strings_valid (&hetao__v1__register_organization_request__descriptor,
                                        NULL, 0, field, sizeof field));
    ASSERT_STR_EQ (field, "");
}

int
main (void)
{
    HT_TEST_RUN (test_valid_utf8_strings_pass);
    HT_TEST_RUN (test_an_embedded_nul_is_found_and_named);
    HT_TEST_RUN (test_invalid_utf8_is_found_and_named);
    HT_TEST_RUN (test_a_bad_string_inside_a_nested_message_is_named_by_its_path);
    HT_TEST_RUN (test_bytes_fields_may_hold_anything);
    HT_TEST_RUN (test_malformed_input_is_left_to_the_decoder);
    HT_TEST_RUN (test_field_equals_finds_the_method_of_an_envelope);
    HT_TEST_RUN (test_an_empty_message_with_no_data_is_valid);
    return 0;
}

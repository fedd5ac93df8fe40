/*  test_json - protobuf-c messages as JSON and as readable text

    Outputs are compared as exact strings: hetaoctl --json output is read by
    scripts, so a changed space or field order is a change of interface.
*/

#include "ht_test.h"
#include "ht_json.h"
#include "ht_money.h"
#include "hetao/v1/funding.pb-c.h"
#include "hetao/v1/envelope.pb-c.h"
#include "hetao/v1/registry.pb-c.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KIND_RESEARCH HETAO__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_RESEARCH_INSTITUTE
#define QUANTUM       HETAO__V1__SECTOR__SECTOR_QUANTUM_TECHNOLOGY
#define ROBOTICS      HETAO__V1__SECTOR__SECTOR_ROBOTICS

//  What `write` prints for `message`, in a buffer the next call reuses.
static const char *
s_capture (const ProtobufCMessage *message, bool json)
{
    static char *text = NULL;
    size_t size = 0;
    free (text);
    text = NULL;
    FILE *out = open_memstream (&text, &size);
    ASSERT_NOT_NULL (out);
    if (json)
        ht_json_write (out, message);
    else
        ht_json_write_text (out, message, 0);
    fclose (out);
    return text;
}

#define JSON(message) s_capture (&(message)->base, true)
#define TEXT(message) s_capture (&(message)->base, false)

//  An organization with every kind of field the JSON writer handles.
static Hetao__V1__Sector s_sectors [] = { QUANTUM, ROBOTICS };

static void
s_organization_full (Hetao__V1__Organization *org)
{
    hetao__v1__organization__init (org);
    org->id = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    org->has_kind = true;
    org->kind = KIND_RESEARCH;
    org->name_zh = "\xe6\xb2\xb3\xe5\xa5\x97\xe7\xa0\x94\xe7\xa9\xb6\xe9\x99\xa2";    //  河套研究院
    org->name_en = "The \"Q\" Lab\\Hetao\nSecond line\x01";
    org->has_region = true;
    org->region = HETAO__V1__REGION__REGION_MAINLAND;
    org->has_registration_type = true;
    org->registration_type = HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC;
    org->registration_id = "91440300MA5F12342Q";
    org->n_sectors = 2;
    org->sectors = s_sectors;
    org->has_major_platform = true;
    org->major_platform = true;
    org->has_status = true;
    org->status = HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_SUSPENDED;
    org->status_reason = "audit";
    org->has_version = true;
    org->version = 9007199254740993;                 //  2^53 + 1: not a double
    org->has_created_at_us = true;
    org->created_at_us = 1700000000123456;
    org->has_updated_at_us = true;
    org->updated_at_us = -1;
}

//  ---------------------------------------------------------------------------
//  JSON

static void
test_json_organization_prints_every_present_field_in_number_order (void)
{
    Hetao__V1__Organization org;
    s_organization_full (&org);
    ASSERT_STR_EQ (JSON (&org),
        "{\"id\":\"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b\","
        "\"kind\":\"ORGANIZATION_KIND_RESEARCH_INSTITUTE\","
        "\"name_zh\":\"\xe6\xb2\xb3\xe5\xa5\x97\xe7\xa0\x94\xe7\xa9\xb6\xe9\x99\xa2\","
        "\"name_en\":\"The \\\"Q\\\" Lab\\\\Hetao\\nSecond line\\u0001\","
        "\"region\":\"REGION_MAINLAND\","
        "\"registration_type\":\"REGISTRATION_TYPE_USCC\","
        "\"registration_id\":\"91440300MA5F12342Q\","
        "\"sectors\":[\"SECTOR_QUANTUM_TECHNOLOGY\",\"SECTOR_ROBOTICS\"],"
        "\"major_platform\":true,"
        "\"status\":\"ORGANIZATION_STATUS_SUSPENDED\","
        "\"status_reason\":\"audit\","
        "\"version\":9007199254740993,"
        "\"created_at_us\":1700000000123456,"
        "\"updated_at_us\":-1}");
}

static void
test_json_money_carries_its_decimal_amount_beside_the_minor_units (void)
{
    Hetao__V1__Money money = HETAO__V1__MONEY__INIT;
    money.currency = "CNY";
    money.has_minor_units = true;
    money.minor_units = 37000000000;
    ASSERT_STR_EQ (JSON (&money), "{\"currency\":\"CNY\",\"minor_units\":37000000000,"
                                  "\"amount\":\"370000000.00\"}");
    money.currency = "XXX";
    ASSERT_STR_EQ (JSON (&money), "{\"currency\":\"XXX\",\"minor_units\":37000000000}");
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    char text [HT_MONEY_TEXT_MAX];
    ASSERT_FALSE (ht_json_money (&org.base, text, sizeof text));
}

static void
test_json_absent_fields_are_omitted (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    org.n_sectors = 1;
    org.sectors = s_sectors;
    org.has_version = true;
    org.version = 1;
    //  A value without its has_ flag is absent, whatever the value.
    org.kind = KIND_RESEARCH;
    org.major_platform = true;
    org.created_at_us = 5;
    ASSERT_STR_EQ (JSON (&org), "{\"id\":\"x\",\"sectors\":[\"SECTOR_QUANTUM_TECHNOLOGY\"],"
                                "\"version\":1}");
}

static void
test_json_present_false_and_zero_are_printed (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.n_sectors = 1;
    org.sectors = s_sectors;
    org.has_major_platform = true;
    org.major_platform = false;
    org.has_version = true;
    org.version = 0;
    org.name_en = "";
    ASSERT_STR_EQ (JSON (&org), "{\"name_en\":\"\",\"sectors\":[\"SECTOR_QUANTUM_TECHNOLOGY\"],"
                                "\"major_platform\":false,\"version\":0}");
}

//  A repeated field has no has_ flag; ht_json_write prints an empty one as
//  [] (ht_json_write_text leaves it out, see below).
static void
test_json_empty_repeated_field_is_an_empty_list (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    ASSERT_STR_EQ (JSON (&org), "{\"id\":\"x\",\"sectors\":[]}");
}

static void
test_json_enum_number_outside_the_enum_prints_as_number (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.n_sectors = 1;
    org.sectors = s_sectors;
    org.has_kind = true;
    org.kind = (Hetao__V1__OrganizationKind) 99;
    ASSERT_STR_EQ (JSON (&org), "{\"kind\":99,\"sectors\":[\"SECTOR_QUANTUM_TECHNOLOGY\"]}");
}

static void
test_json_nested_message_is_an_object (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    org.n_sectors = 2;
    org.sectors = s_sectors;
    org.has_status = true;
    org.status = HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE;
    Hetao__V1__OrganizationReply reply = HETAO__V1__ORGANIZATION_REPLY__INIT;
    ASSERT_STR_EQ (JSON (&reply), "{}");
    reply.organization = &org;
    ASSERT_STR_EQ (JSON (&reply),
        "{\"organization\":{\"id\":\"x\","
        "\"sectors\":[\"SECTOR_QUANTUM_TECHNOLOGY\",\"SECTOR_ROBOTICS\"],"
        "\"status\":\"ORGANIZATION_STATUS_ACTIVE\"}}");
}

//  Payload `data` of `size` bytes in an Event, as JSON.
static const char *
s_event_json (const char *data, size_t size)
{
    Hetao__V1__Event event = HETAO__V1__EVENT__INIT;
    event.has_payload = true;
    event.payload.data = (uint8_t *) data;
    event.payload.len = size;
    return JSON (&event);
}

static void
test_json_bytes_are_base64_with_padding (void)
{
    //  RFC 4648 section 10 test vectors.
    ASSERT_STR_EQ (s_event_json ("", 0), "{\"payload\":\"\"}");
    ASSERT_STR_EQ (s_event_json ("f", 1), "{\"payload\":\"Zg==\"}");
    ASSERT_STR_EQ (s_event_json ("fo", 2), "{\"payload\":\"Zm8=\"}");
    ASSERT_STR_EQ (s_event_json ("foo", 3), "{\"payload\":\"Zm9v\"}");
    ASSERT_STR_EQ (s_event_json ("foob", 4), "{\"payload\":\"Zm9vYg==\"}");
    ASSERT_STR_EQ (s_event_json ("fooba", 5), "{\"payload\":\"Zm9vYmE=\"}");
    ASSERT_STR_EQ (s_event_json ("foobar", 6), "{\"payload\":\"Zm9vYmFy\"}");
    //  Every bit pattern, including the last two characters of the alphabet.
    ASSERT_STR_EQ (s_event_json ("\x00\xff\xfe\xfb\xef\xbe", 6), "{\"payload\":\"AP/+++++\"}");
}

static void
test_json_event_prints_unsigned_sequence_and_bytes (void)
{
    Hetao__V1__Event event = HETAO__V1__EVENT__INIT;
    event.stream = "registry";
    event.has_sequence = true;
    event.sequence = UINT64_MAX;
    event.type = "registry.organization.registered";
    event.has_occurred_at_us = true;
    event.occurred_at_us = 1700000000123456;
    event.aggregate_id = "x";
    event.has_payload = true;
    event.payload.data = (uint8_t *) "\x0a\x01x";
    event.payload.len = 3;
    ASSERT_STR_EQ (JSON (&event),
        "{\"stream\":\"registry\",\"sequence\":18446744073709551615,"
        "\"type\":\"registry.organization.registered\",\"occurred_at_us\":1700000000123456,"
        "\"aggregate_id\":\"x\",\"payload\":\"CgF4\"}");
}

//  ---------------------------------------------------------------------------
//  Text

static void
test_text_shows_times_of_at_us_fields_in_rfc_3339 (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    org.has_version = true;
    org.version = 1700000000123456;              //  not a time: no _at_us
    org.has_created_at_us = true;
    org.created_at_us = 1700000000123456;
    org.has_updated_at_us = true;
    org.updated_at_us = 0;
    ASSERT_STR_EQ (TEXT (&org),
        "id: x\n"
        "version: 1700000000123456\n"
        "created_at_us: 1700000000123456 (2023-11-14T22:13:20.123456Z)\n"
        "updated_at_us: 0 (1970-01-01T00:00:00.000000Z)\n");
}

static void
test_text_prints_values_unquoted_and_lists_comma_separated (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.has_kind = true;
    org.kind = KIND_RESEARCH;
    org.name_en = "The \"Q\" Lab";
    org.n_sectors = 2;
    org.sectors = s_sectors;
    org.has_major_platform = true;
    org.major_platform = false;
    ASSERT_STR_EQ (TEXT (&org),
        "kind: ORGANIZATION_KIND_RESEARCH_INSTITUTE\n"
        "name_en: The \"Q\" Lab\n"
        "sectors: SECTOR_QUANTUM_TECHNOLOGY, SECTOR_ROBOTICS\n"
        "major_platform: false\n");
}

static void
test_text_omits_absent_fields_and_empty_lists (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    org.version = 3;
    ASSERT_STR_EQ (TEXT (&org), "id: x\n");
}

static void
test_text_indents_nested_messages (void)
{
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = "x";
    org.has_created_at_us = true;
    org.created_at_us = -1;
    Hetao__V1__OrganizationEvent event = HETAO__V1__ORGANIZATION_EVENT__INIT;
    event.organization = &org;
    event.has_previous_status = true;
    event.previous_status = HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE;
    ASSERT_STR_EQ (TEXT (&event),
        "organization: \n"
        "  id: x\n"
        "  created_at_us: -1 (1969-12-31T23:59:59.999999Z)\n"
        "previous_status: ORGANIZATION_STATUS_ACTIVE\n");
}

int
main (void)
{
    HT_TEST_RUN (test_json_organization_prints_every_present_field_in_number_order);
    HT_TEST_RUN (test_json_absent_fields_are_omitted);
    HT_TEST_RUN (test_json_present_false_and_zero_are_printed);
    HT_TEST_RUN (test_json_empty_repeated_field_is_an_empty_list);
    HT_TEST_RUN (test_json_enum_number_outside_the_enum_prints_as_number);
    HT_TEST_RUN (test_json_nested_message_is_an_object);
    HT_TEST_RUN (test_json_bytes_are_base64_with_padding);
    HT_TEST_RUN (test_json_event_prints_unsigned_sequence_and_bytes);
    HT_TEST_RUN (test_text_shows_times_of_at_us_fields_in_rfc_3339);
    HT_TEST_RUN (test_text_prints_values_unquoted_and_lists_comma_separated);
    HT_TEST_RUN (test_text_omits_absent_fields_and_empty_lists);
    HT_TEST_RUN (test_text_indents_nested_messages);
    HT_TEST_RUN (test_json_money_carries_its_decimal_amount_beside_the_minor_units);
    return 0;
}

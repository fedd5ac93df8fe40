/*  test_text - UTF-8 checks, JSON string quoting, UUIDs and time formatting

    Byte strings are written as escapes and passed with explicit lengths
    (sizeof literal - 1) so an embedded NUL reaches the function under test.
*/

#include "ht_test.h"
#include "ht_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Length of a string literal, embedded NULs included.
#define S_LEN(literal) (sizeof (literal) - 1)

#define VALID(literal)         ht_utf8_valid (literal, S_LEN (literal), false)
#define VALID_MULTILINE(literal) ht_utf8_valid (literal, S_LEN (literal), true)

//  ht_json_quote of `length` bytes of `text`, captured as a string.
static const char *
s_quote (const char *text, size_t length)
{
    static char quoted [1024];
    char *buffer = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&buffer, &size);
    ASSERT_NOT_NULL (out);
    ht_json_quote (out, text, length);
    fclose (out);
    ASSERT_TRUE (size < sizeof quoted);
    memcpy (quoted, buffer, size + 1);
    free (buffer);
    return quoted;
}

#define QUOTE(literal) s_quote (literal, S_LEN (literal))

//  ---------------------------------------------------------------------------
//  UTF-8

static void
test_utf8_accepts_ascii_cjk_and_four_byte_emoji (void)
{
    ASSERT_TRUE (VALID (""));
    ASSERT_TRUE (VALID ("Hetao Park 123 ~!@#"));
    ASSERT_TRUE (VALID ("\xe6\xb2\xb3\xe5\xa5\x97"));               //  河套
    ASSERT_TRUE (VALID ("caf\xc3\xa9"));                            //  café
    ASSERT_TRUE (VALID ("\xf0\x9f\x98\x80"));                       //  U+1F600
    ASSERT_TRUE (VALID ("\xf4\x8f\xbf\xbf"));                       //  U+10FFFF, the last
    ASSERT_TRUE (VALID ("\xed\x9f\xbf"));                           //  U+D7FF, before surrogates
    ASSERT_TRUE (VALID ("\xee\x80\x80"));                           //  U+E000, after surrogates
}

static void
test_utf8_refuses_overlong_encodings (void)
{
    ASSERT_FALSE (VALID ("\xc0\xaf"));                              //  '/' in 2 bytes
    ASSERT_FALSE (VALID ("\xc1\xbf"));
    ASSERT_FALSE (VALID ("\xc0\x80"));                              //  "modified UTF-8" NUL
    ASSERT_FALSE (VALID ("\xe0\x80\xaf"));                          //  '/' in 3 bytes
    ASSERT_FALSE (VALID ("\xe0\x9f\xbf"));                          //  U+07FF in 3 bytes
    ASSERT_FALSE (VALID ("\xf0\x80\x80\xaf"));                      //  '/' in 4 bytes
    ASSERT_FALSE (VALID ("\xf0\x8f\xbf\xbf"));                      //  U+FFFF in 4 bytes
}

static void
test_utf8_refuses_surrogates (void)
{
    ASSERT_FALSE (VALID ("\xed\xa0\x80"));                          //  U+D800
    ASSERT_FALSE (VALID ("\xed\xbf\xbf"));                          //  U+DFFF
    ASSERT_FALSE (VALID ("\xed\xa0\xbd\xed\xb8\x80"));              //  CESU-8 pair
}

static void
test_utf8_refuses_code_points_above_10ffff (void)
{
    ASSERT_FALSE (VALID ("\xf4\x90\x80\x80"));                      //  U+110000
    ASSERT_FALSE (VALID ("\xf5\x80\x80\x80"));
    ASSERT_FALSE (VALID ("\xf7\xbf\xbf\xbf"));
    ASSERT_FALSE (VALID ("\xf8\x88\x80\x80\x80"));                  //  5-byte form
    ASSERT_FALSE (VALID ("\xfe"));
    ASSERT_FALSE (VALID ("\xff"));
}

static void
test_utf8_refuses_truncated_sequences (void)
{
    ASSERT_FALSE (VALID ("\xc3"));
    ASSERT_FALSE (VALID ("\xe6\xb2"));
    ASSERT_FALSE (VALID ("\xf0\x9f\x98"));
    ASSERT_FALSE (VALID ("\xe6\xb2" "a"));
    ASSERT_FALSE (VALID ("a\xf0\x9f" "bc"));
    //  The length bounds the sequence even when more bytes follow in memory.
    ASSERT_FALSE (ht_utf8_valid ("\xe6\xb2\xb3", 2, false));
    ASSERT_TRUE (ht_utf8_valid ("ab\xff", 2, false));
}

static void
test_utf8_refuses_lone_continuation_bytes (void)
{
    ASSERT_FALSE (VALID ("\x80"));
    ASSERT_FALSE (VALID ("a\xbf" "b"));
    ASSERT_FALSE (VALID ("\xe6\xb2\xb3\xb3"));                      //  one too many
}

static void
test_utf8_refuses_nul_and_control_characters (void)
{
    ASSERT_FALSE (VALID ("a\0b"));
    ASSERT_FALSE (VALID_MULTILINE ("a\0b"));
    ASSERT_FALSE (VALID ("\x01"));
    ASSERT_FALSE (VALID ("a\x1b[31m"));                             //  ESC
    ASSERT_FALSE (VALID ("\x1f"));
    ASSERT_FALSE (VALID ("\x7f"));
    ASSERT_FALSE (VALID_MULTILINE ("\x7f"));
    ASSERT_FALSE (VALID_MULTILINE ("a\rb"));
    ASSERT_FALSE (VALID_MULTILINE ("a\x0b" "b"));                   //  vertical tab
    ASSERT_FALSE (VALID ("Lab \xc2\x85"));                          //  U+0085 NEL, a C1 control
    ASSERT_FALSE (VALID ("\xc2\x80"));                              //  U+0080
    ASSERT_FALSE (VALID ("\xc2\x9b" "31m"));                        //  U+009B CSI
    ASSERT_TRUE (VALID ("\xc2\xa0"));                               //  U+00A0 is not a control
}

static void
test_utf8_newline_and_tab_only_when_allowed (void)
{
    ASSERT_FALSE (VALID ("line one\nline two"));
    ASSERT_FALSE (VALID ("a\tb"));
    ASSERT_TRUE (VALID_MULTILINE ("line one\nline two"));
    ASSERT_TRUE (VALID_MULTILINE ("a\tb"));
    ASSERT_TRUE (VALID_MULTILINE ("\xe6\xb2\xb3\n\xe5\xa5\x97"));
}

static void
test_utf8_length_counts_code_points (void)
{
    ASSERT_INT_EQ (ht_utf8_length (""), 0);
    ASSERT_INT_EQ (ht_utf8_length ("abc"), 3);
    ASSERT_INT_EQ (ht_utf8_length ("caf\xc3\xa9"), 4);
    ASSERT_INT_EQ (ht_utf8_length ("\xe6\xb2\xb3\xe5\xa5\x97"), 2);
    ASSERT_INT_EQ (ht_utf8_length ("\xf0\x9f\x98\x80"), 1);
    ASSERT_INT_EQ (ht_utf8_length ("a\xe6\xb2\xb3\xf0\x9f\x98\x80z"), 4);
}

//  ---------------------------------------------------------------------------
//  UUID

static uint64_t
s_hex (const char *text, int digits)
{
    uint64_t value = 0;
    for (int i = 0; i < digits; i++) {
        char c = text [i];
        int nibble = c >= '0' && c <= '9'? c - '0': c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
        ASSERT_TRUE (nibble >= 0);
        value = value << 4 | (uint64_t) nibble;
    }
    return value;
}

//  Milliseconds of a v7 UUID: the first 48 bits.
static uint64_t
s_uuid_ms (const char *uuid)
{
    return s_hex (uuid, 8) << 16 | s_hex (uuid + 9, 4);
}

static void
test_uuid_v7_is_canonical_lower_case_text (void)
{
    char uuid [37];
    memset (uuid, 'x', sizeof uuid);
    ht_uuid_v7 (uuid);
    ASSERT_INT_EQ (strlen (uuid), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ASSERT_INT_EQ (uuid [i], '-');
        else
            ASSERT_TRUE (strchr ("0123456789abcdef", uuid [i]) && uuid [i]);
    }
    ASSERT_TRUE (ht_uuid_valid (uuid));
}

static void
test_uuid_v7_has_version_7_and_variant_10 (void)
{
    for (int i = 0; i < 100; i++) {
        char uuid [37];
        ht_uuid_v7 (uuid);
        ASSERT_INT_EQ (uuid [14], '7');
        ASSERT_TRUE (strchr ("89ab", uuid [19]) && uuid [19]);
    }
}

static void
test_uuid_v7_consecutive_ids_differ (void)
{
    char previous [37], uuid [37];
    ht_uuid_v7 (previous);
    for (int i = 0; i < 1000; i++) {
        ht_uuid_v7 (uuid);
        ASSERT_TRUE (strcmp (uuid, previous) != 0);
        memcpy (previous, uuid, sizeof uuid);
    }
}

static void
test_uuid_v7_starts_with_the_current_unix_milliseconds (void)
{
    uint64_t before = (uint64_t) ht_now_us () / 1000;
    char uuid [37];
    ht_uuid_v7 (uuid);
    uint64_t after = (uint64_t) ht_now_us () / 1000;
    uint64_t ms = s_uuid_ms (uuid);
    if (ms < before || ms > after)
        fprintf (stderr, "uuid %s: %llu ms, clock %llu..%llu ms\n", uuid,
                 (unsigned long long) ms, (unsigned long long) before,
                 (unsigned long long) after);
    ASSERT_TRUE (ms >= before && ms <= after);
}

static void
test_uuid_valid_accepts_either_case (void)
{
    ASSERT_TRUE (ht_uuid_valid ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"));
    ASSERT_TRUE (ht_uuid_valid ("0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B"));
    ASSERT_TRUE (ht_uuid_valid ("0190a1B2-c3D4-7e5F-8A6b-7c8d9E0F1a2b"));
    ASSERT_TRUE (ht_uuid_valid ("00000000-0000-0000-0000-000000000000"));
}

static void
test_uuid_valid_refuses_anything_else (void)
{
    ASSERT_FALSE (ht_uuid_valid (NULL));
    ASSERT_FALSE (ht_uuid_valid (""));
    ASSERT_FALSE (ht_uuid_valid ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2"));     //  35
    ASSERT_FALSE (ht_uuid_valid ("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2bc"));   //  37
    ASSERT_FALSE (ht_uuid_valid ("0190a1b2c3d47e5f8a6b7c8d9e0f1a2b"));        //  no dashes
    ASSERT_FALSE (ht_uuid_valid ("0190a1b2-c3d47-e5f-8a6b-7c8d9e0f1a2b"));    //  dash moved
    ASSERT_FALSE (ht_uuid_valid ("0190a1b2_c3d4_7e5f_8a6b_7c8d9e0f1a2b"));
    ASSERT_FALSE (ht_uuid_valid ("0190a1g2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"));    //  'g'
    ASSERT_FALSE (ht_uuid_valid ("{190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2}"));
    ASSERT_FALSE (ht_uuid_valid (" 190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"));
}

//  ---------------------------------------------------------------------------
//  JSON strings

static void
test_json_quote_plain_text_is_only_wrapped_in_quotes (void)
{
    ASSERT_STR_EQ (QUOTE (""), "\"\"");
    ASSERT_STR_EQ (QUOTE ("Hetao / Park 1"), "\"Hetao / Park 1\"");
}

static void
test_json_quote_escapes_quote_and_backslash (void)
{
    ASSERT_STR_EQ (QUOTE ("say \"hi\""), "\"say \\\"hi\\\"\"");
    ASSERT_STR_EQ (QUOTE ("C:\\dir\\"), "\"C:\\\\dir\\\\\"");
}

static void
test_json_quote_escapes_newline_tab_and_return (void)
{
    ASSERT_STR_EQ (QUOTE ("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
}

static void
test_json_quote_writes_other_controls_as_u00xx (void)
{
    ASSERT_STR_EQ (QUOTE ("\x01"), "\"\\u0001\"");
    ASSERT_STR_EQ (QUOTE ("a\x1b" "b"), "\"a\\u001bb\"");
    ASSERT_STR_EQ (QUOTE ("\x1f"), "\"\\u001f\"");
    ASSERT_STR_EQ (QUOTE ("\x7f"), "\"\\u007f\"");
    ASSERT_STR_EQ (QUOTE ("a\0b"), "\"a\\u0000b\"");
}

static void
test_json_quote_keeps_valid_utf8_as_is (void)
{
    ASSERT_STR_EQ (QUOTE ("\xe6\xb2\xb3\xe5\xa5\x97 \xf0\x9f\x98\x80"),
                   "\"\xe6\xb2\xb3\xe5\xa5\x97 \xf0\x9f\x98\x80\"");
}

static void
test_json_quote_writes_invalid_utf8_as_replacement_character (void)
{
    ASSERT_STR_EQ (QUOTE ("a\xff" "b"), "\"a\\ufffdb\"");
    ASSERT_STR_EQ (QUOTE ("\x80"), "\"\\ufffd\"");
    ASSERT_STR_EQ (QUOTE ("\xc0\xaf"), "\"\\ufffd\\ufffd\"");           //  overlong
    ASSERT_STR_EQ (QUOTE ("\xed\xa0\x80" "x"), "\"\\ufffd\\ufffd\\ufffdx\"");
    //  The output is valid UTF-8 whatever came in.
    const char *quoted = QUOTE ("\xfe\xe6\xb2\xf0\x9f");
    ASSERT_TRUE (ht_utf8_valid (quoted, strlen (quoted), false));
}

static void
test_json_quote_stops_at_length (void)
{
    ASSERT_STR_EQ (s_quote ("abc\"def", 3), "\"abc\"");
}

//  ---------------------------------------------------------------------------
//  Time

static const char *
s_time (int64_t us)
{
    static char text [64];
    memset (text, 'x', sizeof text);
    ht_time_format (us, text, 32);
    return text;
}

static void
test_time_format_epoch (void)
{
    ASSERT_STR_EQ (s_time (0), "1970-01-01T00:00:00.000000Z");
}

static void
test_time_format_keeps_microseconds (void)
{
    ASSERT_STR_EQ (s_time (1700000000123456), "2023-11-14T22:13:20.123456Z");
    ASSERT_STR_EQ (s_time (1709208000000001), "2024-02-29T12:00:00.000001Z");
}

static void
test_time_format_before_epoch_rounds_toward_past (void)
{
    ASSERT_STR_EQ (s_time (-1), "1969-12-31T23:59:59.999999Z");
    ASSERT_STR_EQ (s_time (-1000000), "1969-12-31T23:59:59.000000Z");
    ASSERT_STR_EQ (s_time (-1500000), "1969-12-31T23:59:58.500000Z");
}

static void
test_uuid_v7_stays_increasing_when_the_clock_steps_back_an_hour (void)
{
    ht_uuid_clock_t clock = { 0, 0 };
    uint64_t now = 1800000000000ULL;
    char previous [37], uuid [37];
    ht_uuid_v7_next (&clock, now, previous);
    for (int i = 1; i < 5000; i++) {
        //  From the 1000th id on, the clock reads an hour earlier.
        ht_uuid_v7_next (&clock, i < 1000? now + (uint64_t) i / 10: now - 3600000, uuid);
        ASSERT_TRUE (strcmp (uuid, previous) > 0);
        ASSERT_INT_EQ (uuid [14], '7');
        memcpy (previous, uuid, sizeof uuid);
    }
    //  A full counter moves the timestamp ahead by a millisecond at most as
    //  often as 2,048 ids were made in one.
    ASSERT_TRUE (s_uuid_ms (uuid) >= now + 99);
    ASSERT_TRUE (s_uuid_ms (uuid) <= now + 99 + 4000 / 2048 + 1);
}

static void
test_uuid_v7_takes_the_clock_again_once_it_is_ahead (void)
{
    ht_uuid_clock_t clock = { 0, 0 };
    char uuid [37];
    ht_uuid_v7_next (&clock, 2000, uuid);
    ht_uuid_v7_next (&clock, 1000, uuid);
    ASSERT_INT_EQ (s_uuid_ms (uuid), 2000);
    ht_uuid_v7_next (&clock, 5000, uuid);
    ASSERT_INT_EQ (s_uuid_ms (uuid), 5000);
}

static void
test_utf8_prefix_never_splits_a_character (void)
{
    const char *text = "ab\xe6\xb2\xb3\xe5\xa5\x97\xf0\x9f\x98\x80z";    //  ab 河 套 😀 z
    ASSERT_INT_EQ (ht_utf8_prefix (text, 100), strlen (text));
    ASSERT_INT_EQ (ht_utf8_prefix (text, 2), 2);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 3), 2);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 4), 2);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 5), 5);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 10), 8);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 11), 8);
    ASSERT_INT_EQ (ht_utf8_prefix (text, 12), 12);
    for (size_t max = 0; max < strlen (text); max++) {
        size_t cut = ht_utf8_prefix (text, max);
        ASSERT_TRUE (cut <= max);
        ASSERT_TRUE (ht_utf8_valid (text, cut, false));
    }
}

int
main (void)
{
    HT_TEST_RUN (test_utf8_accepts_ascii_cjk_and_four_byte_emoji);
    HT_TEST_RUN (test_utf8_refuses_overlong_encodings);
    HT_TEST_RUN (test_utf8_refuses_surrogates);
    HT_TEST_RUN (test_utf8_refuses_code_points_above_10ffff);
    HT_TEST_RUN (test_utf8_refuses_truncated_sequences);
    HT_TEST_RUN (test_utf8_refuses_lone_continuation_bytes);
    HT_TEST_RUN (test_utf8_refuses_nul_and_control_characters);
    HT_TEST_RUN (test_utf8_newline_and_tab_only_when_allowed);
    HT_TEST_RUN (test_utf8_length_counts_code_points);
    HT_TEST_RUN (test_uuid_v7_is_canonical_lower_case_text);
    HT_TEST_RUN (test_uuid_v7_has_version_7_and_variant_10);
    HT_TEST_RUN (test_uuid_v7_consecutive_ids_differ);
    HT_TEST_RUN (test_uuid_v7_starts_with_the_current_unix_milliseconds);
    HT_TEST_RUN (test_uuid_v7_stays_increasing_when_the_clock_steps_back_an_hour);
    HT_TEST_RUN (test_uuid_v7_takes_the_clock_again_once_it_is_ahead);
    HT_TEST_RUN (test_utf8_prefix_never_splits_a_character);
    HT_TEST_RUN (test_uuid_valid_accepts_either_case);
    HT_TEST_RUN (test_uuid_valid_refuses_anything_else);
    HT_TEST_RUN (test_json_quote_plain_text_is_only_wrapped_in_quotes);
    HT_TEST_RUN (test_json_quote_escapes_quote_and_backslash);
    HT_TEST_RUN (test_json_quote_escapes_newline_tab_and_return);
    HT_TEST_RUN (test_json_quote_writes_other_controls_as_u00xx);
    HT_TEST_RUN (test_json_quote_keeps_valid_utf8_as_is);
    HT_TEST_RUN (test_json_quote_writes_invalid_utf8_as_replacement_character);
    HT_TEST_RUN (test_json_quote_stops_at_length);
    HT_TEST_RUN (test_time_format_epoch);
    HT_TEST_RUN (test_time_format_keeps_microseconds);
    HT_TEST_RUN (test_time_format_before_epoch_rounds_toward_past);
    return 0;
}

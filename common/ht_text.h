/*  ht_text - small text and time helpers shared by the runtime and tools

    JSON string escaping, UTF-8 checks, UUIDs and clocks: pure functions,
    unit-tested in tests/unit/test_text.c.
*/
#ifndef HT_TEXT_H_INCLUDED
#define HT_TEXT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

//  Writes `text` (length bytes) to `out` as a JSON string literal with quotes.
//  Bytes that are not valid UTF-8 are written as U+FFFD.
void ht_json_quote (FILE *out, const char *text, size_t length);

//  True when `text` (length bytes) is valid UTF-8 with no NUL and no control
//  character (C0, DEL, C1) other than tab/newline when `allow_newline`.
bool ht_utf8_valid (const char *text, size_t length, bool allow_newline);

//  Number of Unicode code points in valid UTF-8 `text`.
size_t ht_utf8_length (const char *text);

//  Writes a new random version-7 UUID (time-ordered, RFC 9562) in canonical
//  text form into `out` (37 bytes with the terminating NUL).
void ht_uuid_v7 (char out [37]);

//  True when `text` is a UUID in canonical lower- or upper-case text form.
bool ht_uuid_valid (const char *text);

//  Fills `out` with `size` random bytes from the kernel.
void ht_random_bytes (void *out, size_t size);

//  Wall clock in microseconds since the Unix epoch.
int64_t ht_now_us (void);

//  Monotonic clock in microseconds.
int64_t ht_mono_us (void);

//  True when `text` is a calendar date "YYYY-MM-DD" (years 1000 to 9999,
//  leap years counted). Otherwise writes what is wrong into `error`.
bool ht_date_check (const char *text, char *error, size_t error_size);

//  Writes `us` (microseconds since the epoch) as RFC 3339 UTC with microseconds
//  into `out` (at least 32 bytes).
void ht_time_format (int64_t us, char *out, size_t size);

#endif

/*  ht_text - small text and time helpers shared by the runtime and tools  */

#include "ht_text.h"

#include <ctype.h>

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

//  Length of the UTF-8 sequence at `s` (at most `left` bytes), or 0 when it
//  is not a valid, shortest-form sequence of a Unicode scalar value.
static size_t
s_utf8_sequence (const unsigned char *s, size_t left, uint32_t *code)
{
    if (s [0] < 0x80) {
        *code = s [0];
        return 1;
    }
    size_t size;
    uint32_t min;
    if ((s [0] & 0xE0) == 0xC0) { size = 2; min = 0x80;    *code = s [0] & 0x1F; }
    else
    if ((s [0] & 0xF0) == 0xE0) { size = 3; min = 0x800;   *code = s [0] & 0x0F; }
    else
    if ((s [0] & 0xF8) == 0xF0) { size = 4; min = 0x10000; *code = s [0] & 0x07; }
    else
        return 0;
    if (size > left)
        return 0;
    for (size_t i = 1; i < size; i++) {
        if ((s [i] & 0xC0) != 0x80)
            return 0;
        *code = (*code << 6) | (s [i] & 0x3F);
    }
    if (*code < min || *code > 0x10FFFF || (*code >= 0xD800 && *code <= 0xDFFF))
        return 0;
    return size;
}

void
ht_json_quote (FILE *out, const char *text, size_t length)
{
    const unsigned char *s = (const unsigned char *) text;
    fputc ('"', out);
    size_t i = 0;
    while (i < length) {
        uint32_t code;
        size_t size = s_utf8_sequence (s + i, length - i, &code);
        if (size == 0) {
            fputs ("\\ufffd", out);
            i++;
            continue;
        }
        if (code == '"' || code == '\\') {
            fputc ('\\', out);
            fputc ((int) code, out);
        }
        else
        if (code == '\n')
            fputs ("\\n", out);
        else
        if (code == '\t')
            fputs ("\\t", out);
        else
        if (code == '\r')
            fputs ("\\r", out);
        else
        if (code < 0x20 || code == 0x7F)
            fprintf (out, "\\u%04x", code);
        else
            fwrite (s + i, 1, size, out);
        i += size;
    }
    fputc ('"', out);
}

bool
ht_utf8_valid (const char *text, size_t length, bool allow_newline)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0;
    while (i < length) {
        uint32_t code;
        size_t size = s_utf8_sequence (s + i, length - i, &code);
        if (size == 0)
            return false;
        //  C0, DEL and the C1 controls (U+0080..U+009F) are all Unicode Cc.
        if (code < 0x20 || (code >= 0x7F && code <= 0x9F)) {
            if (!(allow_newline && (code == '\n' || code == '\t')))
                return false;
        }
        i += size;
    }
    return true;
}

size_t
ht_utf8_length (const char *text)
{
    size_t count = 0;
    for (const unsigned char *s = (const unsigned char *) text; *s; s++)
        if ((*s & 0xC0) != 0x80)
            count++;
    return count;
}

void
ht_random_bytes (void *out, size_t size)
{
    unsigned char *p = out;
    while (size > 0) {
        ssize_t got = getrandom (p, size, 0);
        if (got < 0) {
            //  Only EINTR is possible with flags 0 on Linux >= 3.17.
            if (errno == EINTR)
                continue;
            got = 0;
        }
        p += got;
        size -= (size_t) got;
    }
}

void
ht_uuid_v7 (char out [37])
{
    unsigned char b [16];
    ht_random_bytes (b, sizeof b);
    uint64_t ms = (uint64_t) ht_now_us () / 1000;
    for (int i = 0; i < 6; i++)
        b [i] = (unsigned char) (ms >> (40 - 8 * i));
    b [6] = (unsigned char) ((b [6] & 0x0F) | 0x70);      //  version 7
    b [8] = (unsigned char) ((b [8] & 0x3F) | 0x80);      //  variant 10
    static const char hex [] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex [b [i] >> 4];
        *p++ = hex [b [i] & 15];
    }
    *p = 0;
}

bool
ht_uuid_valid (const char *text)
{
    if (!text || strlen (text) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = text [i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        }
        else
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

int64_t
ht_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ht_mono_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ht_time_format (int64_t us, char *out, size_t size)
{
    time_t seconds = (time_t) (us / 1000000);
    int64_t micros = us % 1000000;
    if (micros < 0) {
        micros += 1000000;
        seconds -= 1;
    }
    struct tm tm;
    gmtime_r (&seconds, &tm);
    size_t n = strftime (out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out + n, size - n, ".%06dZ", (int) micros);
}

bool
ht_date_check (const char *text, char *error, size_t size)
{
    bool shape = strlen (text) == 10 && text [4] == '-' && text [7] == '-';
    for (int i = 0; shape && i < 10; i++)
        shape = i == 4 || i == 7 || isdigit ((unsigned char) text [i]);
    if (!shape) {
        snprintf (error, size, "must be a date written YYYY-MM-DD, like 2027-01-31");
        return false;
    }
    int year, month, day;
    sscanf (text, "%4d-%2d-%2d", &year, &month, &day);
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1000) {
        snprintf (error, size, "year %d is out of range (1000 to 9999)", year);
        return false;
    }
    if (month < 1 || month > 12) {
        snprintf (error, size, "month %02d does not exist", month);
        return false;
    }
    int last = days [month - 1] + (month == 2 && leap);
    if (day < 1 || day > last) {
        snprintf (error, size, "%04d-%02d has days 01 to %02d, not %02d", year, month, last, day);
        return false;
    }
    return true;
}

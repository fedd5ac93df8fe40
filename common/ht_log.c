/*  ht_log - one JSON object per line on stderr  */

#include "ht_log.h"
#include "ht_text.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_service = "hetao";
static atomic_int s_level = HT_LOG_INFO;       //  changed at run time by SIGHUP
static const char *s_level_names [] = { "debug", "info", "warn", "error", "off" };

void
ht_log_init (const char *service, ht_log_level_t level)
{
    s_service = service;
    s_level = level;
}

void
ht_log_set_level (ht_log_level_t level)
{
    atomic_store (&s_level, (int) level);
}

int
ht_log_level_parse (const char *name)
{
    for (int level = HT_LOG_DEBUG; level <= HT_LOG_OFF; level++)
        if (name && strcmp (name, s_level_names [level]) == 0)
            return level;
    return -1;
}

bool
ht_log_enabled (ht_log_level_t level)
{
    return (int) level >= atomic_load_explicit (&s_level, memory_order_relaxed) && level < HT_LOG_OFF;
}

static void
s_field (FILE *out, const char *name, const char *value)
{
    if (value) {
        fprintf (out, ",\"%s\":", name);
        ht_json_quote (out, value, strlen (value));
    }
}

void
ht_log_write (ht_log_level_t level, const ht_log_request_t *request, const char *format, ...)
{
    //  Formatted into memory first and written with one call, so lines from
    //  concurrent threads never interleave.
    char *line = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&line, &size);
    if (!out)
        return;
    char when [40];
    ht_time_format (ht_now_us (), when, sizeof when);
    fprintf (out, "{\"time\":\"%s\",\"level\":\"%s\"", when, s_level_names [level]);
    s_field (out, "service", s_service);
    if (request) {
        s_field (out, "request_id", request->request_id);
        s_field (out, "method", request->method);
        s_field (out, "status", request->status);
        s_field (out, "principal", request->principal);
        if (request->duration_us >= 0)
            fprintf (out, ",\"duration_us\":%lld", (long long) request->duration_us);
    }
    char message [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    s_field (out, "msg", message);
    fputs ("}\n", out);
    fclose (out);
    fwrite (line, 1, size, stderr);
    free (line);
}

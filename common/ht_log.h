/*  ht_log - one JSON object per line on stderr

    Every line has time, level and service; lines about a request also carry
    its request id, method, status and duration. The level is checked before
    anything is formatted, so a disabled line costs one comparison.
*/
#ifndef HT_LOG_H_INCLUDED
#define HT_LOG_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    HT_LOG_DEBUG, HT_LOG_INFO, HT_LOG_WARN, HT_LOG_ERROR, HT_LOG_OFF
} ht_log_level_t;

//  What a line says about the request it concerns. Any field may be NULL / -1.
typedef struct {
    const char *request_id;
    const char *method;
    const char *status;             //  wire status name, e.g. "NOT_FOUND"
    int64_t duration_us;            //  -1 when not known
    const char *principal;          //  the caller's principal name
} ht_log_request_t;

//  Sets the service name and the lowest level written. Call once, before threads start.
void ht_log_init (const char *service, ht_log_level_t level);

//  Changes the lowest level written; safe while other threads log.
void ht_log_set_level (ht_log_level_t level);

//  Parses "debug", "info", "warn", "error" or "off"; returns -1 for anything else.
int ht_log_level_parse (const char *name);

//  True when lines of this level are written.
bool ht_log_enabled (ht_log_level_t level);

//  Writes one line; `request` may be NULL. Use the macros below instead.
void ht_log_write (ht_log_level_t level, const ht_log_request_t *request,
                   const char *format, ...) __attribute__ ((format (printf, 3, 4)));

#define ht_log_at(level, request, ...) \
    do { if (ht_log_enabled (level)) ht_log_write ((level), (request), __VA_ARGS__); } while (0)
#define ht_debug(...) ht_log_at (HT_LOG_DEBUG, NULL, __VA_ARGS__)
#define ht_info(...)  ht_log_at (HT_LOG_INFO,  NULL, __VA_ARGS__)
#define ht_warn(...)  ht_log_at (HT_LOG_WARN,  NULL, __VA_ARGS__)
#define ht_error(...) ht_log_at (HT_LOG_ERROR, NULL, __VA_ARGS__)

#endif

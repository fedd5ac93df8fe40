/*  window - the time window of a report, and the "as of" every report states  */
#ifndef WINDOW_H_INCLUDED
#define WINDOW_H_INCLUDED

#include "ht_call.h"
#include "ht_db.h"
#include "hetao/v1/reporting.pb-c.h"

extern const ht_query_t window_queries [];

//  A report's window as statement parameters: microseconds as text, NULL
//  for an open end.
typedef struct {
    const char *from;
    const char *until;
} window_t;

//  Reads the window of a request into `window`. False, with a violation
//  naming the field, when an end is before 1970 or until_us is not after
//  from_us.
bool window_read (ht_call_t *call, bool has_from, int64_t from_us, bool has_until, int64_t until_us,
                  window_t *window);

//  One StreamAsOf per followed stream, in the call's arena; *count gets how
//  many. NULL when the call failed.
Hetao__V1__StreamAsOf **window_as_of (ht_call_t *call, size_t *count);

#endif

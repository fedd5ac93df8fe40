/*  window - the time window of a report over time  */
#ifndef WINDOW_H_INCLUDED
#define WINDOW_H_INCLUDED

#include "ht_call.h"

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

#endif

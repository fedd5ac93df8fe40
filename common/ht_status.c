/*  ht_status - the closed set of outcomes, and what each means to a caller  */

#include "ht_status.h"

#include <stddef.h>

static const struct {
    ht_status_t status;
    const char *name;
    bool retryable;
    int exit_code;
} s_statuses [] = {
    { HT_OK,                  "OK",                  false, 0 },
    { HT_INVALID_ARGUMENT,    "INVALID_ARGUMENT",    false, 3 },
    { HT_NOT_FOUND,           "NOT_FOUND",           false, 4 },
    { HT_ALREADY_EXISTS,      "ALREADY_EXISTS",      false, 5 },
    { HT_FAILED_PRECONDITION, "FAILED_PRECONDITION", false, 6 },
    { HT_PERMISSION_DENIED,   "PERMISSION_DENIED",   false, 7 },
    { HT_UNAUTHENTICATED,     "UNAUTHENTICATED",     false, 7 },
    { HT_RESOURCE_EXHAUSTED,  "RESOURCE_EXHAUSTED",  true,  8 },
    { HT_UNAVAILABLE,         "UNAVAILABLE",         true,  9 },
    { HT_DEADLINE_EXCEEDED,   "DEADLINE_EXCEEDED",   true,  9 },
    { HT_UNIMPLEMENTED,       "UNIMPLEMENTED",       false, 10 },
    { HT_INTERNAL,            "INTERNAL",            false, 11 },
};

#define S_COUNT (sizeof s_statuses / sizeof s_statuses [0])

static int
s_index (int status)
{
    for (size_t i = 0; i < S_COUNT; i++)
        if ((int) s_statuses [i].status == status)
            return (int) i;
    return -1;
}

const char *
ht_status_name (int status)
{
    int i = s_index (status);
    return i < 0? "UNKNOWN_STATUS": s_statuses [i].name;
}

bool
ht_status_known (int status)
{
    return s_index (status) >= 0;
}

bool
ht_status_retryable (int status)
{
    int i = s_index (status);
    return i >= 0 && s_statuses [i].retryable;
}

int
ht_status_exit_code (int status)
{
    int i = s_index (status);
    return i < 0? 11: s_statuses [i].exit_code;
}

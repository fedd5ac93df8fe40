/*  ht_status - the closed set of outcomes, and what each means to a caller

    The codes are the wire's hetao.v1.Status values (gRPC's numbers). This is
    the one table that says, for each code, its wire name, whether a client
    may retry, and the exit code hetaoctl returns for it.
*/
#ifndef HT_STATUS_H_INCLUDED
#define HT_STATUS_H_INCLUDED

#include <stdbool.h>

typedef enum {
    HT_OK                  = 0,
    HT_INVALID_ARGUMENT    = 3,
    HT_DEADLINE_EXCEEDED   = 4,
    HT_NOT_FOUND           = 5,
    HT_ALREADY_EXISTS      = 6,
    HT_PERMISSION_DENIED   = 7,
    HT_RESOURCE_EXHAUSTED  = 8,
    HT_FAILED_PRECONDITION = 9,
    HT_UNIMPLEMENTED       = 12,
    HT_INTERNAL            = 13,
    HT_UNAVAILABLE         = 14,
    HT_UNAUTHENTICATED     = 16
} ht_status_t;

//  Wire name, e.g. "NOT_FOUND"; "UNKNOWN_STATUS" for a code outside the set.
const char *ht_status_name (int status);

//  True for a code in the closed set.
bool ht_status_known (int status);

//  True when the same request may succeed if sent again unchanged.
bool ht_status_retryable (int status);

//  Process exit code for the status (0 for OK); see docs/cli.md.
int ht_status_exit_code (int status);

#endif

/*  ht_fuzz - one request frame through the request path, in-process, without a database

    Fuzzing builds only (CMake option HETAO_FUZZ; the targets are in
    tests/fuzz/). ht_fuzz_new builds what a worker of the service has: the
    service, its settings, its principals and an arena; but no database
    connection, no relay, no ZeroMQ socket and no thread. ht_fuzz_call hands
    a frame to ht__call_handle, the function every worker runs, so a frame
    goes frame -> envelope -> route -> principal and roles -> payload checks
    -> the handler's own validation.

    The request path in these builds is ht_call.c compiled with HT_FUZZ:
    its first database statement fails the call with UNAVAILABLE (what a
    handler checks before it reads is what is reached), the transaction's
    time is a fixed instant, and the commit of a call that read nothing is
    taken as done (the reply is still packed and checked). Nothing of this
    is in the services' own binaries.
*/
#ifndef HT_FUZZ_H_INCLUDED
#define HT_FUZZ_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "ht_service.h"

//  The transaction time of every call in a fuzzing build: 2026-01-01T00:00:00Z.
#define HT_FUZZ_NOW_US INT64_C(1767225600000000)

//  The callers a fuzz input may speak as, chosen by its first byte (modulo
//  the count): the roles and organizations that make the route checks and
//  ht_call_acts_for take every branch.
typedef enum {
    HT_FUZZ_ADMIN,                  //  every role
    HT_FUZZ_APPLICANT,              //  applicant of HT_FUZZ_ORGANIZATION
    HT_FUZZ_FINANCE,                //  finance_officer
    HT_FUZZ_CUSTOMS,                //  customs_officer
    HT_FUZZ_READER,                 //  reporting_reader, event_subscriber
    HT_FUZZ_REVIEWER,               //  reviewer
    HT_FUZZ_REVOKED,                //  a key whose principal was revoked
    HT_FUZZ_UNKNOWN,                //  a key that is no principal
    HT_FUZZ_NO_KEY,                 //  no User-Id at all
    HT_FUZZ_CALLERS
} ht_fuzz_caller_t;

#define HT_FUZZ_ORGANIZATION "0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e"

typedef struct _ht_fuzz_t ht_fuzz_t;

//  A worker of `service` for fuzzing. Writes its principals to a temporary
//  file (removed by destroy). Aborts when that fails: a fuzzing run without
//  principals would test nothing. Caller owns the result.
ht_fuzz_t *ht_fuzz_new (const ht_service_t *service);
void ht_fuzz_destroy (ht_fuzz_t **self_p);

//  Handles one request frame as `caller` sent it, as a worker would, and
//  checks the reply: it must decode as a hetao.v1.Reply with a known
//  status, carry a message when it is not OK, and echo only a request id
//  the frame held. Aborts (a finding) when it does not. Returns the status.
int ht_fuzz_call (ht_fuzz_t *self, ht_fuzz_caller_t caller, const uint8_t *data, size_t size);

#endif

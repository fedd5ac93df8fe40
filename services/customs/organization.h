/*  organization - what customs knows of the registry's organizations

    The one place customs asks about an organization: the local projection
    of the registry (common/ht_regview), fed by the registry's stream.
*/
#ifndef ORGANIZATION_H_INCLUDED
#define ORGANIZATION_H_INCLUDED

#include "ht_call.h"

//  True when `id` names an organization of the registry that is not
//  withdrawn. Otherwise fails the call naming `field`: INVALID_ARGUMENT for
//  a malformed id, NOT_FOUND for an unknown one, FAILED_PRECONDITION for a
//  withdrawn one, UNAVAILABLE when the registry cannot be reached.
bool organization_check (ht_call_t *call, const char *field, const char *id);

#endif

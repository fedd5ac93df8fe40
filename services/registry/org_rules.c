/*  org_rules - the registry's rules for organizations that need no database  */

#include "org_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  GB 32100-2015: the 31 characters of a Unified Social Credit Code (no I,
//  O, S, V, Z), position i's weight is 3^i mod 31, and the 18th character
//  makes the weighted sum divisible by 31.
static const char s_uscc_charset [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int s_uscc_weights [17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

//  GB 11714-1997: an organization code is 8 digits or capital letters and a
//  check character; the weights of the 8 are below, letters count 10 (A) to
//  35 (Z), and the check character is 11 - (sum mod 11), written 'X' for 10
//  and '0' for 11. Characters 9 to 17 of a USCC are such a code (GB 32100-2015).
static const int s_org_code_weights [8] = { 3, 7, 9, 10, 5, 8, 4, 2 };

static char
s_org_code_check (const char *body)
{
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        int value = isdigit ((unsigned char) body [i])? body [i] - '0': body [i] - 'A' + 10;
        sum += value * s_org_code_weights [i];
    }
    int check = 11 - sum % 11;
    return check == 10? 'X': check == 11? '0': (char) ('0' + check);
}

static bool
s_uscc_check (const char *id, char *canonical, char *error, size_t size)
{
    size_t length = strlen (id);
    if (length != 18) {
        snprintf (error, size, "a Unified Social Credit Code has 18 characters; this has %zu", length);
        return false;
    }
    int sum = 0;
    for (size_t i = 0; i < 18; i++) {
        char c = (char) toupper ((unsigned char) id [i]);
        const char *found = c? strchr (s_uscc_charset, c): NULL;
        if (!found) {
            snprintf (error, size, "character %zu ('%c') is not allowed in a Unified Social "
                      "Credit Code (digits and A-Y except I, O, S, V)", i + 1,
                      isprint ((unsigned char) id [i])? id [i]: '?');
            return false;
        }
        if (i >= 2 && i < 8 && !isdigit ((unsigned char) c)) {
            snprintf (error, size, "characters 3 to 8 of a Unified Social Credit Code are the "
                      "administrative division code and must be digits");
            return false;
        }
        canonical [i] = c;
        if (i < 17)
            sum += (int) (found - s_uscc_charset) * s_uscc_weights [i];
    }
    canonical [18] = 0;
    char code_check = s_org_code_check (canonical + 8);
    if (canonical [16] != code_check) {
        snprintf (error, size, "characters 9 to 17 are the organization code %.9s, whose check "
                  "character should be '%c', not '%c' (GB 11714)", canonical + 8, code_check,
                  canonical [16]);
        return false;
    }
    char expected = s_uscc_charset [(31 - sum % 31) % 31];
    if (canonical [17] != expected) {
        snprintf (error, size, "check character should be '%c', not '%c' (GB 32100-2015)",
                  expected, canonical [17]);
        return false;
    }
    return true;
}

static bool
s_hk_br_check (const char *id, char *canonical, char *error, size_t size)
{
    size_t length = strlen (id);
    bool digits = length == 8;
    for (size_t i = 0; digits && i < length; i++)
        digits = isdigit ((unsigned char) id [i]);
    if (!digits) {
        snprintf (error, size, "a Hong Kong Business Registration number is 8 digits");
        return false;
    }
    memcpy (canonical, id, 9);
    return true;
}

static bool
s_other_check (const char *id, char *canonical, char *error, size_t size)
{
    size_t length = strlen (id);
    bool ok = length >= 2 && length <= 64 && isalnum ((unsigned char) id [0]);
    for (size_t i = 0; ok && i < length; i++)
        ok = isalnum ((unsigned char) id [i]) || strchr ("-./ ", id [i]);
    if (!ok) {
        snprintf (error, size, "must be 2 to 64 characters of A-Z, a-z, 0-9 and '-', '.', '/', ' ', "
                  "starting with a letter or digit");
        return false;
    }
    memcpy (canonical, id, length + 1);
    return true;
}

bool
org_registration_check (Hetao__V1__RegistrationType type, const char *id,
                        char *canonical, char *error, size_t error_size)
{
    switch (type) {
        case HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC:
            return s_uscc_check (id, canonical, error, error_size);
        case HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR:
            return s_hk_br_check (id, canonical, error, error_size);
        case HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_OTHER:
            return s_other_check (id, canonical, error, error_size);
        default:
            snprintf (error, error_size, "registration_type is not set");
            return false;
    }
}

Hetao__V1__Region
org_registration_region (Hetao__V1__RegistrationType type)
{
    switch (type) {
        case HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_USCC:
            return HETAO__V1__REGION__REGION_MAINLAND;
        case HETAO__V1__REGISTRATION_TYPE__REGISTRATION_TYPE_HK_BR:
            return HETAO__V1__REGION__REGION_HONG_KONG;
        default:
            return HETAO__V1__REGION__REGION_UNSPECIFIED;
    }
}

#define ACTIVE    HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE
#define SUSPENDED HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_SUSPENDED
#define WITHDRAWN HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_WITHDRAWN

//  Every allowed move; anything else is refused. WITHDRAWN is final.
const ht_transition_t org_transitions [] = {
    { ACTIVE,    SUSPENDED },
    { ACTIVE,    WITHDRAWN },
    { SUSPENDED, ACTIVE },
    { SUSPENDED, WITHDRAWN },
};
const size_t org_transitions_count = sizeof org_transitions / sizeof org_transitions [0];

bool
org_status_needs_reason (Hetao__V1__OrganizationStatus to)
{
    return to == SUSPENDED || to == WITHDRAWN;
}

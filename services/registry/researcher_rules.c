/*  researcher_rules - the registry's rules for researchers that need no database  */

#include "researcher_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

//  ISO 7064 MOD 11-2 over the first 15 digits, as ORCID defines it.
static char
s_orcid_check_character (const char digits [16])
{
    int total = 0;
    for (int i = 0; i < 15; i++)
        total = (total + (digits [i] - '0')) * 2;
    int result = (12 - total % 11) % 11;
    return result == 10? 'X': (char) ('0' + result);
}

bool
researcher_orcid_check (const char *text, char canonical [20], char *error, size_t size)
{
    size_t length = strlen (text);
    bool hyphens = length == 19;
    if (length != 16 && !hyphens) {
        snprintf (error, size, "an ORCID iD is 16 characters, written 0000-0002-1825-0097 or "
                  "0000000218250097; this has %zu", length);
        return false;
    }
    char digits [16];
    size_t n = 0;
    for (size_t i = 0; i < length; i++) {
        char c = (char) toupper ((unsigned char) text [i]);
        if (hyphens && i % 5 == 4) {
            if (c != '-') {
                snprintf (error, size, "hyphens go after every fourth character, as in "
                          "0000-0002-1825-0097");
                return false;
            }
            continue;
        }
        if (!isdigit ((unsigned char) c) && !(c == 'X' && n == 15)) {
            snprintf (error, size, "character %zu must be a digit%s", i + 1,
                      n == 15? " or X": "");
            return false;
        }
        digits [n++] = c;
    }
    char expected = s_orcid_check_character (digits);
    if (digits [15] != expected) {
        snprintf (error, size, "check character should be '%c', not '%c' (ISO 7064 MOD 11-2)",
                  expected, digits [15]);
        return false;
    }
    snprintf (canonical, 20, "%.4s-%.4s-%.4s-%.4s", digits, digits + 4, digits + 8, digits + 12);
    return true;
}

#define ACTIVE   HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_ACTIVE
#define INACTIVE HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_INACTIVE

//  Either way, as often as needed: a researcher leaves and comes back.
const ht_transition_t researcher_transitions [] = {
    { ACTIVE,   INACTIVE },
    { INACTIVE, ACTIVE },
};
const size_t researcher_transitions_count = sizeof researcher_transitions / sizeof researcher_transitions [0];

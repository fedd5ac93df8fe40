/*  researcher_rules - the registry's rules for researchers that need no database

    The ORCID iD check and the status transition table. Pure functions;
    unit-tested in tests/unit/test_researcher_rules.c.
*/
#ifndef RESEARCHER_RULES_H_INCLUDED
#define RESEARCHER_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "ht_lifecycle.h"
#include "hetao/v1/registry.pb-c.h"

//  Checks `text` as an ORCID iD: 16 characters, 15 digits and a check
//  character (a digit or X, ISO 7064 MOD 11-2), written with hyphens after
//  every fourth ("0000-0002-1825-0097") or without any. Writes the canonical
//  hyphenated form with an upper-case X into `canonical` (20 bytes). On
//  failure writes into `error` what is wrong, for a person.
bool researcher_orcid_check (const char *text, char canonical [20], char *error, size_t error_size);

//  The researcher lifecycle: every allowed move between ResearcherStatus values.
extern const ht_transition_t researcher_transitions [];
extern const size_t researcher_transitions_count;

#endif

/*  space_rules - the registry's rules for parks, units and allocations that
    need no database

    Areas as exact decimals, the park's calendar day, unit codes, and the
    status transition tables of parks and units. Pure functions; unit-tested
    in tests/unit/test_space_rules.c. Dates are checked by ht_date_check.
*/
#ifndef SPACE_RULES_H_INCLUDED
#define SPACE_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ht_lifecycle.h"
#include "hetao/v1/registry.pb-c.h"

//  The largest area numeric(12,2) holds: 9,999,999,999.99 m2, in hundredths.
#define SPACE_AREA_MAX_CENTI 999999999999LL

//  Parses square metres written as digits with at most two decimals
//  ("1000", "1000.5", "1000.50") into hundredths of a square metre. Refuses
//  signs, exponents, spaces, zero and values above SPACE_AREA_MAX_CENTI; on
//  failure writes into `error` what is wrong, for a person.
bool space_area_parse (const char *text, int64_t *centi, char *error, size_t error_size);

//  Writes `centi` hundredths of a square metre with two decimals ("1000.50")
//  into `out` (at least 24 bytes).
void space_area_format (int64_t centi, char *out, size_t size);

//  Writes the calendar date in the park's time zone (Asia/Shanghai, UTC+8
//  all year) at `us` microseconds since the epoch as "YYYY-MM-DD" into `out`
//  (at least 11 bytes).
void space_date_from_us (int64_t us, char *out, size_t size);

//  True when `text` is a unit code: 1 to 32 of A-Z a-z 0-9 and "-._/",
//  starting with a letter or digit; otherwise writes why into `error`.
bool space_code_check (const char *text, char *error, size_t error_size);

//  The park lifecycle: every allowed move between ParkStatus values.
extern const ht_transition_t space_park_transitions [];
extern const size_t space_park_transitions_count;

//  The unit lifecycle: every allowed move between UnitStatus values.
extern const ht_transition_t space_unit_transitions [];
extern const size_t space_unit_transitions_count;

//  True when moving a park to `to` needs a reason.
bool space_park_status_needs_reason (Hetao__V1__ParkStatus to);

//  True when moving a unit to `to` needs a reason.
bool space_unit_status_needs_reason (Hetao__V1__UnitStatus to);

#endif

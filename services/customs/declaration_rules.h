/*  declaration_rules - the rules of declarations that need no database

    HS codes, ISO 3166-1 alpha-2 countries and quantities; the
    declaration status table; the lane a declaration takes on registration,
    and the reproducible random inspection draw. Pure functions;
    unit-tested in tests/unit/test_customs_rules.c.
*/
#ifndef DECLARATION_RULES_H_INCLUDED
#define DECLARATION_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hetao/v1/customs.pb-c.h"

//  Checks an HS code: 6 to 10 digits, the first two a chapter 01 to 97 that
//  is not reserved (77). On failure writes what is wrong into `error`.
bool declaration_hs_check (const char *code, char *error, size_t error_size);

//  True for an officially assigned ISO 3166-1 alpha-2 code ("HK", "CN").
bool declaration_country_valid (const char *code);

//  True for a positive decimal with at most 3 decimals and 12 integer digits.
bool declaration_quantity_valid (const char *text);

//  The status a declaration in `from` moves to under `action`, or
//  DECLARATION_STATUS_UNSPECIFIED (0) when the table does not allow it.
Hetao__V1__DeclarationStatus declaration_transition (Hetao__V1__DeclarationStatus from,
                                                     Hetao__V1__DeclarationAction action);

//  A lane rule as the lane decision reads it.
typedef struct {
    Hetao__V1__GoodsCategory category;
    bool biological_risk;
    Hetao__V1__Lane lane;
} declaration_lane_rule_t;

//  What decides a lane.
typedef struct {
    unsigned listed;                //  bit (1 << category) per white-listed category; 0: not listed
    const Hetao__V1__DeclarationLine *const *lines;
    size_t n_lines;
    const declaration_lane_rule_t *rules;
    size_t n_rules;
    int inspection_per_mille;       //  0..1000: share of yellow declarations sent to red
    int draw;                       //  0..999, from declaration_inspection_draw
} declaration_lane_input_t;

//  The lane of a declaration and why (into `reason`). Green for a listed
//  organization declaring only its listed categories without biological
//  risk, yellow otherwise; then every line's rule may raise it; then a
//  yellow declaration whose draw is below the inspection rate goes red.
//  Green never goes to random inspection: that is the white list's fast track.
Hetao__V1__Lane declaration_lane (const declaration_lane_input_t *input, char *reason, size_t reason_size);

//  The random inspection draw of one declaration, 0..999: the same seed and
//  id always give the same draw, on any replica.
int declaration_inspection_draw (uint64_t seed, const char *declaration_id);

#endif

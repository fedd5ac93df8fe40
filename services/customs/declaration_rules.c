/*  declaration_rules - the rules of declarations that need no database  */

#include "declaration_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define RESERVED_CHAPTER 77         //  kept by the HS for future use

bool
declaration_hs_check (const char *code, char *error, size_t error_size)
{
    size_t length = code? strlen (code): 0;
    for (size_t i = 0; i < length; i++)
        if (!isdigit ((unsigned char) code [i])) {
            snprintf (error, error_size, "an HS code has digits only; '%.20s' has '%c'", code, code [i]);
            return false;
        }
    if (length < 6 || length > 10) {
        snprintf (error, error_size, "an HS code has 6 to 10 digits; '%.20s' has %zu",
                  code? code: "", length);
        return false;
    }
    int chapter = (code [0] - '0') * 10 + (code [1] - '0');
    if (chapter < 1 || chapter > 97) {
        snprintf (error, error_size, "'%s' starts with chapter %02d; HS chapters are 01 to 97", code, chapter);
        return false;
    }
    if (chapter == RESERVED_CHAPTER) {
        snprintf (error, error_size, "'%s' starts with chapter 77, which the HS reserves", code);
        return false;
    }
    return true;
}

//  ISO 3166-1 alpha-2, officially assigned codes (249), in order.
static const char s_countries [] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ "
    "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ "
    "EC EE EG EH ER ES ET "
    "FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY "
    "HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT "
    "JE JM JO JP "
    "KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY "
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ "
    "NA NC NE NF NG NI NL NO NP NR NU NZ "
    "OM "
    "PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA "
    "RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ "
    "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ "
    "UA UG UM US UY UZ "
    "VA VC VE VG VI VN VU "
    "WF WS "
    "YE YT "
    "ZA ZM ZW ";

bool
declaration_country_valid (const char *code)
{
    if (!code || strlen (code) != 2 || !isupper ((unsigned char) code [0])
    ||  !isupper ((unsigned char) code [1]))
        return false;
    for (const char *p = s_countries; *p; p += 3)
        if (p [0] == code [0] && p [1] == code [1])
            return true;
    return false;
}

bool
declaration_quantity_valid (const char *text)
{
    if (!text || !*text)
        return false;
    size_t integer = 0, decimals = 0;
    bool point = false, nonzero = false;
    for (const char *p = text; *p; p++) {
        if (*p == '.' && !point && integer > 0) {
            point = true;
            continue;
        }
        if (!isdigit ((unsigned char) *p))
            return false;
        if (*p != '0')
            nonzero = true;
        if (point)
            decimals++;
        else
            integer++;
    }
    return nonzero && integer <= 12 && decimals <= 3 && !(point && decimals == 0);
}

#define STORED      HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_STORED
#define REGISTERED  HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_REGISTERED
#define ASSESSED    HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_ASSESSED
#define HELD        HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_HELD
#define RELEASED    HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_RELEASED
#define REFUSED     HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_REFUSED

#define REGISTER    HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_REGISTER
#define ASSESS      HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_ASSESS
#define HOLD        HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_HOLD
#define RELEASE     HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_RELEASE
#define REFUSE      HETAO__V1__DECLARATION_ACTION__DECLARATION_ACTION_REFUSE

//  The whole lifecycle: every move not listed here is refused.
static const struct {
    Hetao__V1__DeclarationStatus from;
    Hetao__V1__DeclarationAction action;
    Hetao__V1__DeclarationStatus to;
} s_table [] = {
    { STORED,     REGISTER, REGISTERED },
    { REGISTERED, ASSESS,   ASSESSED },
    { ASSESSED,   RELEASE,  RELEASED },
    { REGISTERED, HOLD,     HELD },
    { ASSESSED,   HOLD,     HELD },
    { HELD,       RELEASE,  RELEASED },
    { HELD,       REFUSE,   REFUSED },
};

Hetao__V1__DeclarationStatus
declaration_transition (Hetao__V1__DeclarationStatus from, Hetao__V1__DeclarationAction action)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table [0]; i++)
        if (s_table [i].from == from && s_table [i].action == action)
            return s_table [i].to;
    return HETAO__V1__DECLARATION_STATUS__DECLARATION_STATUS_UNSPECIFIED;
}

#define GREEN  HETAO__V1__LANE__LANE_GREEN
#define YELLOW HETAO__V1__LANE__LANE_YELLOW
#define RED    HETAO__V1__LANE__LANE_RED

Hetao__V1__Lane
declaration_lane (const declaration_lane_input_t *input, char *reason, size_t reason_size)
{
    Hetao__V1__Lane lane = GREEN;
    snprintf (reason, reason_size, "white-listed organization, white-listed categories, no biological risk");
    if (!input->listed) {
        lane = YELLOW;
        snprintf (reason, reason_size, "the organization is not white-listed on the registration date");
    }
    for (size_t i = 0; i < input->n_lines && lane == GREEN; i++) {
        const Hetao__V1__DeclarationLine *line = input->lines [i];
        if (line->biological_risk) {
            lane = YELLOW;
            snprintf (reason, reason_size, "lines[%zu] carries a biological risk", i);
        }
        else
        if (!(input->listed & (1u << line->category))) {
            lane = YELLOW;
            snprintf (reason, reason_size, "lines[%zu]: the organization is not white-listed for its category", i);
        }
    }
    for (size_t i = 0; i < input->n_lines; i++) {
        const Hetao__V1__DeclarationLine *line = input->lines [i];
        for (size_t r = 0; r < input->n_rules; r++) {
            const declaration_lane_rule_t *rule = &input->rules [r];
            if (rule->category == line->category && rule->biological_risk == !!line->biological_risk
            &&  rule->lane > lane) {
                lane = rule->lane;
                snprintf (reason, reason_size, "lines[%zu]: lane rule for its category%s",
                          i, rule->biological_risk? " with biological risk": "");
            }
        }
    }
    if (lane == YELLOW && input->draw < input->inspection_per_mille) {
        lane = RED;
        snprintf (reason, reason_size, "random inspection");
    }
    return lane;
}

//  splitmix64 (Steele, Lea, Flood 2014): a good mix of 64 bits in 64 bits.
static uint64_t
s_mix (uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int
declaration_inspection_draw (uint64_t seed, const char *declaration_id)
{
    //  FNV-1a of the id, mixed with the seed.
    uint64_t hash = 0xCBF29CE484222325ull;
    for (const unsigned char *p = (const unsigned char *) declaration_id; *p; p++)
        hash = (hash ^ *p) * 0x100000001B3ull;
    return (int) (s_mix (seed ^ hash) % 1000);
}

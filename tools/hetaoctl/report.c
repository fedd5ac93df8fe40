/*  report - hetaoctl report: the park's figures from reporting, and rebuilds

    `report rebuild` asks reporting to rebuild its read models from the
    streams (reporting.Rebuild answers at once) and asks how it stands
    (reporting.GetRebuild) until it ends, then prints the outcome.

    The overview prints as a table of figure and value, as CSV (--csv), or
    as one JSON object (--json) whose keys are stable and documented in
    docs/protocol.md (partner agencies read them): money as decimal strings
    with two places, areas in m², breakdowns as objects (customs cases by
    category as objects of objects), and "as_of" mapping each stream to the
    last sequence applied.
*/

#include "ctl.h"
#include "report.h"
#include "hetao/v1/reporting.pb-c.h"

#include "ht_enum.h"
#include "ht_status.h"
#include "ht_text.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

//  One line of the overview: its JSON key, and its value as JSON and as text.
typedef struct {
    char key [96];
    char json [64];
    char text [64];
} s_line_t;

typedef struct {
    s_line_t lines [160];
    size_t count;
} s_lines_t;

static s_line_t *
s_line (s_lines_t *self, const char *key)
{
    if (self->count == sizeof self->lines / sizeof self->lines [0])
        return NULL;
    s_line_t *line = &self->lines [self->count++];
    snprintf (line->key, sizeof line->key, "%s", key);
    return line;
}

static void
s_count (s_lines_t *self, const char *key, int64_t value)
{
    s_line_t *line = s_line (self, key);
    if (line) {
        snprintf (line->json, sizeof line->json, "%" PRId64, value);
        snprintf (line->text, sizeof line->text, "%" PRId64, value);
    }
}

//  Hundredths as a decimal with two places: 1234 -> "12.34".
static void
s_hundredths (char *out, size_t size, int64_t value)
{
    uint64_t magnitude = value < 0? (uint64_t) 0 - (uint64_t) value: (uint64_t) value;
    snprintf (out, size, "%s%" PRIu64 ".%02" PRIu64, value < 0? "-": "", magnitude / 100, magnitude % 100);
}

void
report_hours (char *out, size_t size, int64_t seconds)
{
    //  Hundredths of an hour, rounded half up: 36 s each.
    s_hundredths (out, size, (seconds * 100 + 1800) / 3600);
}

void
report_as_of_print (FILE *out, Hetao__V1__StreamAsOf **as_of, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fprintf (out, "as of %s #%" PRIu64 ", applied ", as_of [i]->stream, as_of [i]->last_sequence);
        ctl_format_field (out, &as_of [i]->base,
                          protobuf_c_message_descriptor_get_field_by_name (as_of [i]->base.descriptor,
                                                                           "applied_at_us"));
        fprintf (out, ", lag %" PRId64 " ms\n", as_of [i]->lag_ms);
    }
}

void
report_as_of_json (Hetao__V1__StreamAsOf **as_of, size_t count)
{
    printf ("\"as_of\":{");
    for (size_t i = 0; i < count; i++)
        printf ("%s\"%s\":%" PRIu64, i? ",": "", as_of [i]->stream, as_of [i]->last_sequence);
    printf ("},\"lag_ms\":{");
    for (size_t i = 0; i < count; i++)
        printf ("%s\"%s\":%" PRId64, i? ",": "", as_of [i]->stream, as_of [i]->lag_ms);
    printf ("}");
}

//  The line's text as its JSON value, a string.
static void
s_quote (s_line_t *line)
{
    line->json [0] = '"';
    strcpy (line->json + 1, line->text);
    strcat (line->json, "\"");
}

//  Money in minor units: a JSON string with two places, exact.
static void
s_money (s_lines_t *self, const char *key, int64_t minor)
{
    s_line_t *line = s_line (self, key);
    if (line) {
        s_hundredths (line->text, sizeof line->text, minor);
        s_quote (line);
    }
}

//  An area in hundredths of m² as m², whole when it is whole: "1200", "12.34".
static void
s_area_text (char *out, size_t size, int64_t x100)
{
    if (x100 % 100 == 0)
        snprintf (out, size, "%" PRId64, x100 / 100);
    else
        s_hundredths (out, size, x100);
}

//  A share of `whole` in per cent with one place, rounded half up; "0.0" when whole is 0.
static void
s_share_text (char *out, size_t size, int64_t part, int64_t whole)
{
    int64_t tenths = whole > 0? (part * 1000 + whole / 2) / whole: 0;
    snprintf (out, size, "%" PRId64 ".%" PRId64, tenths / 10, tenths % 10);
}

//  An area in hundredths of m²: a JSON number, whole when it is whole.
static void
s_area (s_lines_t *self, const char *key, int64_t x100)
{
    s_line_t *line = s_line (self, key);
    if (line) {
        s_area_text (line->text, sizeof line->text, x100);
        strcpy (line->json, line->text);
    }
}

//  A share of `whole` in per cent with one place, a JSON number.
static void
s_percent (s_lines_t *self, const char *key, int64_t part, int64_t whole)
{
    s_line_t *line = s_line (self, key);
    if (line) {
        s_share_text (line->text, sizeof line->text, part, whole);
        strcpy (line->json, line->text);
    }
}

//  A breakdown as "name.key" lines; an empty one as one line "name", {} in JSON,
//  so that the key is always there.
static void
s_breakdown (s_lines_t *self, const char *name, Hetao__V1__FigureCount **figures, size_t count)
{
    s_line_t *line = count? NULL: s_line (self, name);
    if (line) {
        snprintf (line->json, sizeof line->json, "{}");
        snprintf (line->text, sizeof line->text, "-");
    }
    for (size_t i = 0; i < count; i++) {
        char key [96];
        snprintf (key, sizeof key, "%s.%s", name, figures [i]->key);
        s_count (self, key, figures [i]->count);
    }
}

//  A duration in seconds as hours, a JSON string with two places ("26.50");
//  null when there is none.
static void
s_hours (s_lines_t *self, const char *key, bool present, int64_t seconds)
{
    s_line_t *line = s_line (self, key);
    if (!line)
        return;
    if (!present) {
        snprintf (line->json, sizeof line->json, "null");
        snprintf (line->text, sizeof line->text, "-");
        return;
    }
    report_hours (line->text, sizeof line->text, seconds);
    s_quote (line);
}

//  The count of `key` in a breakdown, 0 when absent.
static int64_t
s_figure (Hetao__V1__FigureCount **figures, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp (figures [i]->key, key))
            return figures [i]->count;
    return 0;
}

static bool
s_has (Hetao__V1__FigureCount **figures, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp (figures [i]->key, key))
            return true;
    return false;
}

//  customs_cases_by_category: every category with a case, as {open, resolved}.
static void
s_customs_by_category (s_lines_t *lines, const Hetao__V1__OverviewReply *o)
{
    const char *name = "customs_cases_by_category";
    Hetao__V1__FigureCount **open = o->customs_cases_open_by_category;
    Hetao__V1__FigureCount **resolved = o->customs_cases_resolved_by_category;
    size_t n_open = o->n_customs_cases_open_by_category;
    size_t n_resolved = o->n_customs_cases_resolved_by_category;
    //  Each key once: those with open cases, then those with resolved ones only.
    for (size_t k = 0; k < n_open + n_resolved; k++) {
        const char *key = k < n_open? open [k]->key: resolved [k - n_open]->key;
        if (k >= n_open && s_has (open, n_open, key))
            continue;
        char path [96];
        snprintf (path, sizeof path, "%s.%s.open", name, key);
        s_count (lines, path, s_figure (open, n_open, key));
        snprintf (path, sizeof path, "%s.%s.resolved", name, key);
        s_count (lines, path, s_figure (resolved, n_resolved, key));
    }
    if (n_open + n_resolved == 0)
        s_breakdown (lines, name, NULL, 0);
}

//  The overview as lines, in the order of docs/protocol.md.
static void
s_overview_lines (const Hetao__V1__OverviewReply *o, s_lines_t *lines)
{
    s_count (lines, "major_platforms", o->major_platforms);
    s_count (lines, "hk_university_projects", o->hk_university_projects);
    s_count (lines, "projects_total", o->projects_total);
    s_count (lines, "projects_high_end", o->projects_high_end);
    s_breakdown (lines, "projects_by_sector", o->projects_by_sector, o->n_projects_by_sector);
    s_breakdown (lines, "projects_high_end_by_sector", o->projects_high_end_by_sector,
                 o->n_projects_high_end_by_sector);
    s_breakdown (lines, "projects_by_status", o->projects_by_status, o->n_projects_by_status);
    s_breakdown (lines, "organizations_by_kind", o->organizations_by_kind, o->n_organizations_by_kind);
    s_count (lines, "industrial_parks_operating", o->industrial_parks_operating);
    s_breakdown (lines, "parks_by_status", o->parks_by_status, o->n_parks_by_status);
    s_area (lines, "space_prepared_m2", o->space_prepared_m2_x100);
    s_area (lines, "space_allocated_m2", o->space_allocated_m2_x100);
    s_area (lines, "space_free_m2", o->space_prepared_m2_x100 - o->space_allocated_m2_x100);
    s_percent (lines, "space_allocated_pct", o->space_allocated_m2_x100, o->space_prepared_m2_x100);
    s_money (lines, "funds_budget_cny", o->funds_budget_cny_fen);
    s_money (lines, "funds_committed_cny", o->funds_committed_cny_fen);
    s_money (lines, "funds_paid_cny", o->funds_paid_cny_fen);
    s_money (lines, "funds_paid_cross_boundary_cny", o->funds_paid_cross_boundary_cny_fen);
    s_count (lines, "customs_cases_open", o->customs_cases_open);
    s_count (lines, "customs_cases_resolved", o->customs_cases_resolved);
    s_customs_by_category (lines, o);
    s_count (lines, "customs_deadline_breaches", o->customs_deadline_breaches);
    s_hours (lines, "customs_median_resolution_hours", o->has_customs_median_resolution_s,
             o->customs_median_resolution_s);
    s_count (lines, "whitelisted_organizations", o->whitelisted_organizations);
    s_breakdown (lines, "declarations_by_lane", o->declarations_by_lane, o->n_declarations_by_lane);
    s_count (lines, "facility_hours_hk_macao", o->facility_hours_hk_macao);
    s_breakdown (lines, "facility_hours_by_region", o->facility_hours_by_region,
                 o->n_facility_hours_by_region);
    //  Each object's lines together: every as_of, then every lag_ms.
    char key [96];
    for (size_t i = 0; i < o->n_as_of; i++) {
        snprintf (key, sizeof key, "as_of.%s", o->as_of [i]->stream);
        s_count (lines, key, (int64_t) o->as_of [i]->last_sequence);
    }
    for (size_t i = 0; i < o->n_as_of; i++) {
        snprintf (key, sizeof key, "lag_ms.%s", o->as_of [i]->stream);
        s_count (lines, key, o->as_of [i]->lag_ms);
    }
}

#define S_DEPTH 4                   //  levels of nested objects at most ("a.b.c" is two)

//  One JSON object; a key "a.b.c" goes into the object "a", in it into the
//  object "b", as "c" (the lines of one object are adjacent).
static void
s_print_json (const s_lines_t *lines)
{
    char open [S_DEPTH][96];        //  the objects being written, outermost first
    size_t depth = 0;
    bool members [S_DEPTH + 1] = { false };     //  has the object at each level a member yet
    fputc ('{', stdout);
    for (size_t i = 0; i < lines->count; i++) {
        char path [S_DEPTH + 1][96];
        size_t parts = 0;
        for (const char *at = lines->lines [i].key; parts <= S_DEPTH; parts++) {
            const char *dot = parts < S_DEPTH? strchr (at, '.'): NULL;
            size_t length = dot? (size_t) (dot - at): strlen (at);
            snprintf (path [parts], sizeof path [parts], "%.*s", (int) length, at);
            if (!dot) {
                parts++;
                break;
            }
            at = dot + 1;
        }
        //  Close the objects this key is not in, open those it is in.
        size_t common = 0;
        while (common < depth && common + 1 < parts && !strcmp (open [common], path [common]))
            common++;
        for (; depth > common; depth--)
            fputc ('}', stdout);
        for (; depth + 1 < parts; depth++) {
            printf ("%s\"%s\":{", members [depth]? ",": "", path [depth]);
            members [depth] = true;
            members [depth + 1] = false;
            snprintf (open [depth], sizeof open [depth], "%s", path [depth]);
        }
        printf ("%s\"%s\":%s", members [depth]? ",": "", path [parts - 1], lines->lines [i].json);
        members [depth] = true;
    }
    for (; depth > 0; depth--)
        fputc ('}', stdout);
    puts ("}");
}

static int
s_report_overview (int argc, char **argv)
{
    Hetao__V1__OverviewRequest request = HETAO__V1__OVERVIEW_REQUEST__INIT;
    protobuf_c_boolean csv = false;
    const ctl_option_t options [] = {
        { "csv", CTL_FLAG, &csv, .help = "print figure,value lines as CSV" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl report overview [--json | --csv]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.Overview", &request.base,
                     &hetao__v1__overview_reply__descriptor, &result);
    if (code)
        return code;
    const Hetao__V1__OverviewReply *overview = (const Hetao__V1__OverviewReply *) result;
    s_lines_t *lines = ctl_alloc (sizeof *lines);
    s_overview_lines (overview, lines);
    if (ctl.json)
        s_print_json (lines);
    else
    if (csv) {
        puts ("figure,value");
        for (size_t i = 0; i < lines->count; i++)
            printf ("%s,%s\n", lines->lines [i].key, lines->lines [i].text);
    }
    else {
        ctl_table_t *table = ctl_table_new ("figure,value");
        for (size_t i = 0; i < lines->count; i++)
            ctl_table_row (table, (const char *[]) { lines->lines [i].key, lines->lines [i].text });
        ctl_table_print (&table);
        report_as_of_print (stdout, overview->as_of, overview->n_as_of);
    }
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}

//  ---------------------------------------------------------------------------
//  Reports over time: rows of named columns, printed as a table with "as of"
//  lines, as CSV (a header, then one line per row), or as one JSON object
//  {"from_us", "until_us", <rows>: [{column: value}], "as_of", "applied_at", "lag_ms"}
//  (a report of now, without a window, has no from_us and until_us).

#define S_COLUMNS_MAX 10

typedef struct {
    char text [S_COLUMNS_MAX][160];     //  as a person reads it (CSV, table)
    bool quoted [S_COLUMNS_MAX];        //  a JSON string, not a number
} s_row_t;

typedef struct {
    const char *name;                   //  the JSON key of the rows
    const char *columns [S_COLUMNS_MAX];
    size_t n_columns;
    s_row_t *rows;
    size_t n_rows;
} s_rows_t;

static s_row_t *
s_row_add (s_rows_t *self)
{
    return &self->rows [self->n_rows++];
}

static void
s_cell_int (s_row_t *row, size_t column, int64_t value)
{
    snprintf (row->text [column], sizeof row->text [0], "%" PRId64, value);
}

static void
s_cell_text (s_row_t *row, size_t column, const char *text)
{
    snprintf (row->text [column], sizeof row->text [0], "%s", text? text: "");
    row->quoted [column] = true;
}

//  Money in minor units with two places, a JSON string (as in the overview).
static void
s_cell_money (s_row_t *row, size_t column, int64_t minor)
{
    s_hundredths (row->text [column], sizeof row->text [0], minor);
    row->quoted [column] = true;
}

static void
s_json_string (const char *text)
{
    putchar ('"');
    for (const unsigned char *c = (const unsigned char *) text; *c; c++)
        if (*c == '"' || *c == '\\')
            printf ("\\%c", *c);
        else
        if (*c < 0x20)
            printf ("\\u%04x", *c);
        else
            putchar (*c);
    putchar ('"');
}

static void
s_csv_field (const char *text)
{
    if (!strpbrk (text, ",\"\r\n")) {
        fputs (text, stdout);
        return;
    }
    putchar ('"');
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            putchar ('"');
        putchar (*c);
    }
    putchar ('"');
}

//  `window`: from_us and until_us, or NULL for a report of now.
static void
s_rows_print (const s_rows_t *self, bool csv, const int64_t *window, const char *interval,
              Hetao__V1__StreamAsOf **as_of, size_t n_as_of)
{
    if (ctl.json) {
        putchar ('{');
        if (window)
            printf ("\"from_us\":%" PRId64 ",\"until_us\":%" PRId64 ",", window [0], window [1]);
        if (interval)
            printf ("\"interval\":\"%s\",", interval);
        printf ("\"%s\":[", self->name);
        for (size_t r = 0; r < self->n_rows; r++) {
            printf ("%s{", r? ",": "");
            for (size_t c = 0; c < self->n_columns; c++) {
                printf ("%s\"%s\":", c? ",": "", self->columns [c]);
                if (self->rows [r].quoted [c])
                    s_json_string (self->rows [r].text [c]);
                else
                    fputs (self->rows [r].text [c], stdout);
            }
            putchar ('}');
        }
        fputs ("],\"as_of\":{", stdout);
        for (size_t i = 0; i < n_as_of; i++)
            printf ("%s\"%s\":%" PRIu64, i? ",": "", as_of [i]->stream, as_of [i]->last_sequence);
        fputs ("},\"applied_at\":{", stdout);
        for (size_t i = 0; i < n_as_of; i++) {
            char when [40] = "";
            if (as_of [i]->applied_at_us)
                ht_time_format (as_of [i]->applied_at_us, when, sizeof when);
            printf ("%s\"%s\":", i? ",": "", as_of [i]->stream);
            if (*when)
                printf ("\"%s\"", when);
            else
                fputs ("null", stdout);
        }
        fputs ("},\"lag_ms\":{", stdout);
        for (size_t i = 0; i < n_as_of; i++)
            printf ("%s\"%s\":%" PRId64, i? ",": "", as_of [i]->stream, as_of [i]->lag_ms);
        puts ("}}");
        return;
    }
    if (csv) {
        for (size_t c = 0; c < self->n_columns; c++)
            printf ("%s%s", c? ",": "", self->columns [c]);
        putchar ('\n');
        for (size_t r = 0; r < self->n_rows; r++) {
            for (size_t c = 0; c < self->n_columns; c++) {
                if (c)
                    putchar (',');
                s_csv_field (self->rows [r].text [c]);
            }
            putchar ('\n');
        }
        return;
    }
    char header [S_COLUMNS_MAX * 40] = "";
    for (size_t c = 0; c < self->n_columns; c++)
        snprintf (header + strlen (header), sizeof header - strlen (header), "%s%s", c? ",": "",
                  self->columns [c]);
    ctl_table_t *table = ctl_table_new (header);
    for (size_t r = 0; r < self->n_rows; r++) {
        const char *cells [S_COLUMNS_MAX];
        for (size_t c = 0; c < self->n_columns; c++)
            cells [c] = self->rows [r].text [c];
        ctl_table_row (table, cells);
    }
    if (self->n_rows == 0)
        printf ("no %s %s\n", self->name, window? "in the window": "yet");
    ctl_table_print (&table);
    report_as_of_print (stdout, as_of, n_as_of);
}

static int
s_report_projects (int argc, char **argv)
{
    Hetao__V1__ProjectsBySectorRequest request = HETAO__V1__PROJECTS_BY_SECTOR_REQUEST__INIT;
    protobuf_c_boolean csv = false;
    const ctl_option_t options [] = {
        { "from", CTL_TIME, &request.from_us, &request.has_from_us,
          .help = "first day (park time) of the window, e.g. 2027-01-01; default: the first registration" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us,
          .help = "the day after the window (not included); default: now" },
        { "interval", CTL_ENUM, &request.interval, &request.has_interval, &hetao__v1__report_interval__descriptor,
          .fallback = "month", .help = "length of each period: month, quarter or year" },
        { "csv", CTL_FLAG, &csv, .help = "print CSV lines under a header" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl report projects [--from DATE] [--until DATE] "
                          "[--interval month|quarter|year] [--json | --csv]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.ProjectsBySector", &request.base,
                     &hetao__v1__projects_by_sector_reply__descriptor, &result);
    if (code)
        return code;
    const Hetao__V1__ProjectsBySectorReply *reply = (const Hetao__V1__ProjectsBySectorReply *) result;
    s_rows_t rows = { "periods", { "period", "sector", "registered", "registered_total", "high_end",
                                   "high_end_total" }, 6, ctl_alloc ((reply->n_periods + 1) * sizeof (s_row_t)), 0 };
    for (size_t i = 0; i < reply->n_periods; i++) {
        const Hetao__V1__SectorPeriod *period = reply->periods [i];
        s_row_t *row = s_row_add (&rows);
        s_cell_text (row, 0, period->period);
        s_cell_text (row, 1, period->sector);
        s_cell_int (row, 2, period->registered);
        s_cell_int (row, 3, period->registered_total);
        s_cell_int (row, 4, period->high_end);
        s_cell_int (row, 5, period->high_end_total);
    }
    char interval [16];
    if (!ht_enum_key (&hetao__v1__report_interval__descriptor, reply->interval, interval, sizeof interval))
        snprintf (interval, sizeof interval, "month");
    s_rows_print (&rows, csv, (int64_t []) { reply->from_us, reply->until_us }, interval, reply->as_of,
                  reply->n_as_of);
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}

static int
s_report_funding (int argc, char **argv)
{
    Hetao__V1__FundingByProgrammeRequest request = HETAO__V1__FUNDING_BY_PROGRAMME_REQUEST__INIT;
    protobuf_c_boolean csv = false;
    const ctl_option_t options [] = {
        { "from", CTL_TIME, &request.from_us, &request.has_from_us,
          .help = "first day (park time) of the window, e.g. 2027-01-01; default: open" },
        { "until", CTL_TIME, &request.until_us, &request.has_until_us,
          .help = "the day after the window (not included); default: now" },
        { "csv", CTL_FLAG, &csv, .help = "print CSV lines under a header" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv,
                          "Usage: hetaoctl report funding [--from DATE] [--until DATE] [--json | --csv]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.FundingByProgramme", &request.base,
                     &hetao__v1__funding_by_programme_reply__descriptor, &result);
    if (code)
        return code;
    const Hetao__V1__FundingByProgrammeReply *reply = (const Hetao__V1__FundingByProgrammeReply *) result;
    s_rows_t rows = { "programmes", { "programme_id", "name", "currency", "budget", "committed", "paid",
                                      "paid_cross_boundary", "window_committed", "window_paid",
                                      "window_paid_cross_boundary" }, 10,
                      ctl_alloc ((reply->n_programmes + 1) * sizeof (s_row_t)), 0 };
    for (size_t i = 0; i < reply->n_programmes; i++) {
        const Hetao__V1__ProgrammeFunding *p = reply->programmes [i];
        s_row_t *row = s_row_add (&rows);
        s_cell_text (row, 0, p->programme_id);
        s_cell_text (row, 1, p->name);
        s_cell_text (row, 2, p->currency);
        int64_t amounts [] = { p->budget_minor, p->committed_minor, p->paid_minor, p->paid_cross_boundary_minor,
                               p->window_committed_minor, p->window_paid_minor,
                               p->window_paid_cross_boundary_minor };
        for (size_t a = 0; a < 7; a++)
            s_cell_money (row, 3 + a, amounts [a]);
    }
    s_rows_print (&rows, csv, (int64_t []) { reply->from_us, reply->until_us }, NULL, reply->as_of,
                  reply->n_as_of);
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}


static int
s_report_space (int argc, char **argv)
{
    protobuf_c_boolean csv = false;
    const ctl_option_t options [] = {
        { "csv", CTL_FLAG, &csv, .help = "print CSV lines under a header" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl report space [--json | --csv]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__SpaceByParkRequest request = HETAO__V1__SPACE_BY_PARK_REQUEST__INIT;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.SpaceByPark", &request.base,
                     &hetao__v1__space_by_park_reply__descriptor, &result);
    if (code)
        return code;
    const Hetao__V1__SpaceByParkReply *reply = (const Hetao__V1__SpaceByParkReply *) result;
    s_rows_t rows = { "parks", { "park_id", "name_zh", "name_en", "status", "area_m2", "prepared_m2",
                                 "allocated_m2", "free_m2", "allocated_pct" }, 9,
                      ctl_alloc ((reply->n_parks + 1) * sizeof (s_row_t)), 0 };
    for (size_t i = 0; i < reply->n_parks; i++) {
        const Hetao__V1__ParkSpaceFigures *p = reply->parks [i];
        s_row_t *row = s_row_add (&rows);
        s_cell_text (row, 0, p->park_id);
        s_cell_text (row, 1, p->name_zh);
        s_cell_text (row, 2, p->name_en);
        s_cell_text (row, 3, p->status);
        //  Areas and the share as JSON numbers, as in the overview.
        int64_t areas [] = { p->area_m2_x100, p->prepared_m2_x100, p->allocated_m2_x100,
                             p->prepared_m2_x100 - p->allocated_m2_x100 };
        for (size_t a = 0; a < 4; a++)
            s_area_text (row->text [4 + a], sizeof row->text [0], areas [a]);
        s_share_text (row->text [8], sizeof row->text [0], p->allocated_m2_x100, p->prepared_m2_x100);
    }
    s_rows_print (&rows, csv, NULL, NULL, reply->as_of, reply->n_as_of);
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}

//  ---------------------------------------------------------------------------
//  report rebuild

//  "switched", "failed", ...
static const char *
s_rebuild_state (const Hetao__V1__RebuildReply *reply)
{
    static char key [32];
    if (!ht_enum_key (&hetao__v1__rebuild_state__descriptor, reply->state, key, sizeof key))
        snprintf (key, sizeof key, "?");
    return key;
}

static void
s_rebuild_print (const Hetao__V1__RebuildReply *reply)
{
    if (ctl.json) {
        ctl_print (&reply->base);
        return;
    }
    printf ("rebuild %s", s_rebuild_state (reply));
    printf (" after %" PRId64 ".%03" PRId64 " s, started ", reply->duration_ms / 1000, reply->duration_ms % 1000);
    ctl_format_field (stdout, &reply->base, protobuf_c_message_descriptor_get_field_by_name (
        reply->base.descriptor, "started_at_us"));
    printf (" by %s\n", reply->requested_by? reply->requested_by: "?");
    if (reply->error)
        printf ("error: %s\n", reply->error);
    ctl_table_t *table = ctl_table_new ("stream,old as of,new as of,events replayed");
    for (size_t i = 0; i < reply->n_streams; i++) {
        const Hetao__V1__RebuildStream *stream = reply->streams [i];
        char old_seq [24], new_seq [24], events [24];
        snprintf (old_seq, sizeof old_seq, "%" PRIu64, stream->old_sequence);
        snprintf (new_seq, sizeof new_seq, "%" PRIu64, stream->new_sequence);
        snprintf (events, sizeof events, "%" PRIu64, stream->events);
        ctl_table_row (table, (const char *[]) { stream->stream, old_seq, new_seq, events });
    }
    ctl_table_print (&table);
}

//  reporting.GetRebuild into *reply; 0 or the call's exit code.
static int
s_rebuild_get (ProtobufCMessage **reply)
{
    Hetao__V1__GetRebuildRequest request = HETAO__V1__GET_REBUILD_REQUEST__INIT;
    return ctl_call (CTL_REPORTING, "reporting.GetRebuild", &request.base,
                     &hetao__v1__rebuild_reply__descriptor, reply);
}

static int
s_report_rebuild (int argc, char **argv)
{
    uint32_t wait_s = 0;
    const ctl_option_t options [] = {
        { "wait", CTL_UINT32, &wait_s, .fallback = "3600", .min = 0, .max = 86400,
          .help = "seconds to wait for the outcome (0: start it and return at once)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl report rebuild [--wait SECONDS] [--json]");
    if (code)
        return code < 0? 0: code;
    Hetao__V1__RebuildRequest request = HETAO__V1__REBUILD_REQUEST__INIT;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_REPORTING, "reporting.Rebuild", &request.base,
                     &hetao__v1__rebuild_reply__descriptor, &result);
    if (code)
        return code;
    int64_t started = ((Hetao__V1__RebuildReply *) result)->started_at_us;
    int64_t give_up = ht_mono_us () + (int64_t) wait_s * 1000000;
    //  The rebuild runs on in the service; ask how it stands until it ends.
    while (((Hetao__V1__RebuildReply *) result)->state == HETAO__V1__REBUILD_STATE__REBUILD_STATE_RUNNING
    &&     ht_mono_us () < give_up) {
        usleep (200000);
        ProtobufCMessage *now = NULL;
        code = s_rebuild_get (&now);
        if (code) {
            protobuf_c_message_free_unpacked (result, NULL);
            return code;
        }
        if (((Hetao__V1__RebuildReply *) now)->started_at_us != started) {
            protobuf_c_message_free_unpacked (now, NULL);
            fprintf (stderr, "hetaoctl: the rebuild is no longer known to the replica that answered "
                     "(restarted?); ask again with hetaoctl report rebuild-status\n");
            protobuf_c_message_free_unpacked (result, NULL);
            return ht_status_exit_code (HT_UNAVAILABLE);
        }
        protobuf_c_message_free_unpacked (result, NULL);
        result = now;
    }
    const Hetao__V1__RebuildReply *reply = (const Hetao__V1__RebuildReply *) result;
    s_rebuild_print (reply);
    code = 0;
    if (reply->state == HETAO__V1__REBUILD_STATE__REBUILD_STATE_FAILED)
        code = ht_status_exit_code (HT_INTERNAL);
    else
    if (reply->state == HETAO__V1__REBUILD_STATE__REBUILD_STATE_RUNNING && wait_s) {
        fprintf (stderr, "hetaoctl: the rebuild still runs after %u s; "
                 "ask again with hetaoctl report rebuild-status\n", wait_s);
        code = ht_status_exit_code (HT_DEADLINE_EXCEEDED);
    }
    protobuf_c_message_free_unpacked (result, NULL);
    return code;
}

static int
s_report_rebuild_status (int argc, char **argv)
{
    int code = ctl_parse ((const ctl_option_t []) { { NULL } }, argc, argv,
                          "Usage: hetaoctl report rebuild-status [--json]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = s_rebuild_get (&result);
    if (code)
        return code;
    const Hetao__V1__RebuildReply *reply = (const Hetao__V1__RebuildReply *) result;
    if (reply->state == HETAO__V1__REBUILD_STATE__REBUILD_STATE_NONE && !ctl.json)
        puts ("no rebuild has run since this replica started");
    else
        s_rebuild_print (reply);
    protobuf_c_message_free_unpacked (result, NULL);
    return 0;
}

const ctl_command_t report_commands [] = {
    { "report", "overview", s_report_overview, "the park's figures, as of each stream (reporting)" },
    { "report", "projects", s_report_projects,
      "projects registered per period and sector, high-end too, with running totals (reporting)" },
    { "report", "funding", s_report_funding,
      "per programme: budget, committed, paid, paid across the boundary, and the window's movements (reporting)" },
    { "report", "space", s_report_space,
      "per park: area, space prepared, allocated and free, and the share allocated (reporting)" },
    { "report", "rebuild", s_report_rebuild,
      "rebuild the read models from the streams, switch, and print the outcome (reporting)" },
    { "report", "rebuild-status", s_report_rebuild_status,
      "the rebuild running, or the last one (reporting)" },
    { NULL }
};

/*  bench_tool - what bench/reporting's tools share  */

#include "bench_tool.h"

#include <inttypes.h>

int
bench_tool_options (const char *program, const char *usage, const ht_option_t *options,
                    int argc, char **argv)
{
    char error [256];
    ht_config_result_t result = ht_config_parse (options, argc, argv, 1, NULL, 0, NULL, error, sizeof error);
    if (result == HT_CONFIG_HELP)
        ht_config_usage (usage, options);
    else
    if (result == HT_CONFIG_ERROR)
        fprintf (stderr, "%s: %s\n", program, error);
    return result == HT_CONFIG_OK? -1: result == HT_CONFIG_HELP? 0: 2;
}

void
bench_tool_figures_print (FILE *out, const Hetao__V1__OverviewReply *o)
{
    fprintf (out, "major_platforms %" PRId64 "\n", o->major_platforms);
    fprintf (out, "projects_total %" PRId64 "\n", o->projects_total);
    fprintf (out, "projects_high_end %" PRId64 "\n", o->projects_high_end);
    fprintf (out, "hk_university_projects %" PRId64 "\n", o->hk_university_projects);
    fprintf (out, "industrial_parks_operating %" PRId64 "\n", o->industrial_parks_operating);
    fprintf (out, "space_prepared_m2_x100 %" PRId64 "\n", o->space_prepared_m2_x100);
    fprintf (out, "space_allocated_m2_x100 %" PRId64 "\n", o->space_allocated_m2_x100);
    fprintf (out, "facility_hours_hk_macao %" PRId64 "\n", o->facility_hours_hk_macao);
}

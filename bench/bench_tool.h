/*  bench_tool - what bench/reporting's tools (hetao-feed, hetao-overview)
    share: their command line, and the overview figures they compare

    hetao-feed computes the figures for the events it writes and
    hetao-overview reads them from reporting.Overview; both print them with
    bench_tool_figures_print, one `name value` a line in the same order, so
    that the two outputs compare with diff.
*/
#ifndef BENCH_TOOL_H_INCLUDED
#define BENCH_TOOL_H_INCLUDED

#include <stdio.h>
#include "ht_config.h"
#include "hetao/v1/reporting.pb-c.h"

//  Parses the command line into `options`. Returns -1 when the program goes
//  on; else the exit status (0 after --help, 2 after an error, told on stderr).
int bench_tool_options (const char *program, const char *usage, const ht_option_t *options,
                        int argc, char **argv);

//  Prints the checked figures of `overview` to `out`.
void bench_tool_figures_print (FILE *out, const Hetao__V1__OverviewReply *overview);

#endif

/*  ht_config - settings from flags, environment variables and defaults

    A program describes its settings as a table; each setting is taken from
    its --flag, else its environment variable, else its default, and is
    checked against its type and range. `--help` prints the table.
*/
#ifndef HT_CONFIG_H_INCLUDED
#define HT_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum { HT_OPT_STRING, HT_OPT_INT, HT_OPT_BOOL } ht_opt_type_t;

typedef struct {
    const char *flag;           //  "workers" for --workers
    const char *env;            //  "HETAO_WORKERS", or NULL
    ht_opt_type_t type;
    void *target;               //  char ** (points into argv/environ or the default), int *, bool *
    const char *fallback;       //  default as text, or NULL for none
    long min, max;              //  range for HT_OPT_INT
    const char *help;
} ht_option_t;

typedef enum { HT_CONFIG_OK, HT_CONFIG_HELP, HT_CONFIG_ERROR } ht_config_result_t;

//  Fills every option's target from argv[first..argc), the environment and
//  the defaults. Arguments that are not options are left in `rest` (at most
//  `rest_max`, count in *rest_count) when rest is non-NULL, else refused.
//  On HT_CONFIG_ERROR, `error` names the offending flag or variable.
//  On HT_CONFIG_HELP (--help or -h), nothing is printed: call ht_config_usage.
ht_config_result_t
    ht_config_parse (const ht_option_t *options, int argc, char **argv, int first,
                     char **rest, int rest_max, int *rest_count,
                     char *error, size_t error_size);

//  Prints a usage table of `options` to stdout.
void ht_config_usage (const char *usage_line, const ht_option_t *options);

#endif

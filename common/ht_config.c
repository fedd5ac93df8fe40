/*  ht_config - settings from flags, environment variables and defaults  */

#include "ht_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_set (const ht_option_t *option, const char *value, const char *source,
       char *error, size_t error_size)
{
    switch (option->type) {
        case HT_OPT_STRING:
            *(const char **) option->target = value;
            return true;
        case HT_OPT_INT: {
            char *end;
            errno = 0;
            long number = strtol (value, &end, 10);
            if (errno || end == value || *end || number < option->min || number > option->max) {
                snprintf (error, error_size, "%s: '%s' is not a whole number from %ld to %ld",
                          source, value, option->min, option->max);
                return false;
            }
            *(int *) option->target = (int) number;
            return true;
        }
        case HT_OPT_BOOL:
            if (!strcmp (value, "1") || !strcmp (value, "true") || !strcmp (value, "yes"))
                *(bool *) option->target = true;
            else
            if (!strcmp (value, "0") || !strcmp (value, "false") || !strcmp (value, "no"))
                *(bool *) option->target = false;
            else {
                snprintf (error, error_size, "%s: '%s' is not true or false", source, value);
                return false;
            }
            return true;
    }
    return false;
}

static const ht_option_t *
s_find (const ht_option_t *options, const char *flag, size_t length)
{
    for (const ht_option_t *option = options; option->flag; option++)
        if (strlen (option->flag) == length && !strncmp (option->flag, flag, length))
            return option;
    return NULL;
}

ht_config_result_t
ht_config_parse (const ht_option_t *options, int argc, char **argv, int first,
                 char **rest, int rest_max, int *rest_count,
                 char *error, size_t error_size)
{
    char source [160];
    //  Defaults, then the environment, then flags: each overrides the last.
    for (const ht_option_t *option = options; option->flag; option++) {
        if (option->fallback) {
            snprintf (source, sizeof source, "default of --%s", option->flag);
            if (!s_set (option, option->fallback, source, error, error_size))
                return HT_CONFIG_ERROR;
        }
        const char *value = option->env? getenv (option->env): NULL;
        if (value && *value) {
            snprintf (source, sizeof source, "environment variable %s", option->env);
            if (!s_set (option, value, source, error, error_size))
                return HT_CONFIG_ERROR;
        }
    }
    if (rest_count)
        *rest_count = 0;
    for (int i = first; i < argc; i++) {
        char *arg = argv [i];
        if (!strcmp (arg, "--help") || !strcmp (arg, "-h"))
            return HT_CONFIG_HELP;
        if (strncmp (arg, "--", 2) != 0 || arg [2] == 0) {
            if (rest && *rest_count < rest_max) {
                rest [(*rest_count)++] = arg;
                continue;
            }
            snprintf (error, error_size, "unexpected argument '%s'", arg);
            return HT_CONFIG_ERROR;
        }
        const char *name = arg + 2;
        const char *equals = strchr (name, '=');
        size_t length = equals? (size_t) (equals - name): strlen (name);
        const ht_option_t *option = s_find (options, name, length);
        if (!option) {
            snprintf (error, error_size, "unknown flag '--%.*s' (see --help)", (int) length, name);
            return HT_CONFIG_ERROR;
        }
        const char *value = equals? equals + 1: NULL;
        if (!value && option->type == HT_OPT_BOOL)
            value = "true";
        if (!value) {
            if (i + 1 >= argc) {
                snprintf (error, error_size, "flag --%s needs a value", option->flag);
                return HT_CONFIG_ERROR;
            }
            value = argv [++i];
        }
        snprintf (source, sizeof source, "--%s", option->flag);
        if (!s_set (option, value, source, error, error_size))
            return HT_CONFIG_ERROR;
    }
    return HT_CONFIG_OK;
}

void
ht_config_usage (const char *usage_line, const ht_option_t *options)
{
    printf ("%s\n\nOptions (flag, environment variable, default):\n", usage_line);
    for (const ht_option_t *option = options; option->flag; option++) {
        const char *kind = option->type == HT_OPT_INT? " N":
                           option->type == HT_OPT_STRING? " TEXT": "";
        printf ("  --%s%s\n      %s", option->flag, kind, option->help);
        if (option->env)
            printf ("\n      env %s", option->env);
        if (option->fallback)
            printf ("; default %s", option->fallback);
        printf ("\n");
    }
    printf ("  --help\n      print this help and exit\n");
}

/*  dashboard - hetaoctl dashboard token add|revoke|list: who may open the web dashboard from afar

    Works on the tokens file the dashboard reads (common/ht_token.h), not on
    a service: a token's secret is printed once, when it is issued, and only
    its hash is written down. A revoked token is refused at its next request.
*/

#include "ctl.h"
#include "ht_status.h"
#include "ht_token.h"

#include <czmq.h>
#include <libgen.h>
#include <string.h>

static const char *s_tokens;            //  --tokens, or beside the principals file

//  The --tokens option every verb takes.
#define S_TOKENS_OPTION \
    { "tokens", CTL_STRING, &s_tokens, \
      .help = "the dashboard's tokens file (default: HETAO_DASHBOARD_TOKENS, else " \
              "dashboard_tokens beside the principals file)" }

//  The tokens file to edit; NULL (reported) when none can be found.
static const char *
s_tokens_path (void)
{
    if (!s_tokens)
        s_tokens = getenv ("HETAO_DASHBOARD_TOKENS");
    if (!s_tokens && ctl.principals) {
        char copy [4200];
        snprintf (copy, sizeof copy, "%s", ctl.principals);
        char *path = ctl_alloc (4300);
        snprintf (path, 4300, "%s/dashboard_tokens", dirname (copy));
        s_tokens = path;
    }
    if (!s_tokens)
        ctl_usage_error ("give --tokens FILE");
    return s_tokens;
}

//  Reads the tokens file; false (reported) when it cannot.
static bool
s_read (ht_token_t **list, size_t *count)
{
    char error [300];
    if (!ht_tokens_read (s_tokens, list, count, error, sizeof error)) {
        fprintf (stderr, "hetaoctl: %s\n", error);
        return false;
    }
    return true;
}

//  Replaces the tokens file; 0 or 1 (reported).
static int
s_write (const ht_token_t *list, size_t count)
{
    char error [300];
    if (!ht_tokens_write (s_tokens, list, count, error, sizeof error)) {
        fprintf (stderr, "hetaoctl: %s\n", error);
        return 1;
    }
    return 0;
}

//  Parses a verb's flags and reads the tokens file. Returns -1 to go on with
//  *list (caller frees), else the exit code to end with (0 after --help).
static int
s_begin (const ctl_option_t *options, int argc, char **argv, const char *usage,
         ht_token_t **list, size_t *count)
{
    int code = ctl_parse (options, argc, argv, usage);
    if (code)
        return code < 0? 0: code;
    if (!s_tokens_path ())
        return CTL_EXIT_USAGE;
    return s_read (list, count)? -1: 1;
}

//  Prints tokens (never their hashes: they are of no use to a reader).
static void
s_print (const ht_token_t *list, size_t count, const char *secret)
{
    ctl_table_t *table = ctl.json? NULL: ctl_table_new (secret? "name,status,issued_at,token": "name,status,issued_at");
    for (size_t i = 0; i < count; i++) {
        char issued [40];
        time_t seconds = (time_t) (list [i].issued_at_us / 1000000);
        strftime (issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", gmtime (&seconds));
        const char *status = list [i].revoked? "revoked": "active";
        if (table)
            ctl_table_row (table, (const char * []) { list [i].name, status, issued, secret });
        else {
            printf ("{\"name\":\"%s\",\"status\":\"%s\",\"issued_at\":\"%s\"", list [i].name, status, issued);
            if (secret)
                printf (",\"token\":\"%s\"", secret);
            printf ("}\n");
        }
    }
    ctl_table_print (&table);
}

static int
s_token_add (int argc, char **argv)
{
    const char *name = NULL;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &name, .flags = CTL_REQUIRED | CTL_POSITIONAL,
          .help = "who the token is for, e.g. district-office (letters, digits, - _ .)" },
        S_TOKENS_OPTION,
        { NULL }
    };
    ht_token_t *list;
    size_t count;
    int code = s_begin (options, argc, argv, "Usage: hetaoctl dashboard token add NAME [--tokens FILE]",
                        &list, &count);
    if (code >= 0)
        return code;
    if (!*name || strlen (name) > HT_TOKEN_NAME
    ||  strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen (name)) {
        free (list);
        return ctl_usage_error ("--name: 1 to %d letters, digits, '-', '_' or '.'", HT_TOKEN_NAME);
    }
    for (size_t i = 0; i < count; i++)
        if (!strcmp (list [i].name, name) && !list [i].revoked) {
            free (list);
            return ctl_usage_error ("--name: an active token named %s exists; revoke it first", name);
        }
    char secret [HT_TOKEN_TEXT];
    list = realloc (list, (count + 1) * sizeof *list);
    ht_token_t *token = &list [count];
    memset (token, 0, sizeof *token);
    snprintf (token->name, sizeof token->name, "%s", name);
    token->issued_at_us = zclock_time () * 1000;
    if (!ht_token_issue (secret, token->hash)) {
        free (list);
        fprintf (stderr, "hetaoctl: no random source for a token\n");
        return 1;
    }
    code = s_write (list, count + 1);
    if (code == 0)
        s_print (token, 1, secret);
    free (list);
    return code;
}

static int
s_token_revoke (int argc, char **argv)
{
    const char *name = NULL;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &name, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the token's name" },
        S_TOKENS_OPTION,
        { NULL }
    };
    ht_token_t *list;
    size_t count;
    int code = s_begin (options, argc, argv, "Usage: hetaoctl dashboard token revoke NAME [--tokens FILE]",
                        &list, &count);
    if (code >= 0)
        return code;
    size_t found = 0;
    for (size_t i = 0; i < count; i++)
        if (!strcmp (list [i].name, name) && !list [i].revoked) {
            list [i].revoked = true;
            found++;
        }
    if (!found) {
        free (list);
        fprintf (stderr, "hetaoctl: NOT_FOUND: no active token named '%s' in %s\n", name, s_tokens);
        return ht_status_exit_code (HT_NOT_FOUND);
    }
    code = s_write (list, count);
    if (code == 0)
        for (size_t i = 0; i < count; i++)
            if (!strcmp (list [i].name, name))
                s_print (&list [i], 1, NULL);
    free (list);
    return code;
}

static int
s_token_list (int argc, char **argv)
{
    const ctl_option_t options [] = { S_TOKENS_OPTION, { NULL } };
    ht_token_t *list;
    size_t count;
    int code = s_begin (options, argc, argv, "Usage: hetaoctl dashboard token list [--tokens FILE]",
                        &list, &count);
    if (code >= 0)
        return code;
    s_print (list, count, NULL);
    free (list);
    return 0;
}

//  The verb is two words ("token add"): the noun's command takes the rest.
static int
s_dashboard (int argc, char **argv)
{
    if (argc >= 2 && !strcmp (argv [0], "token")) {
        if (!strcmp (argv [1], "add"))
            return s_token_add (argc - 2, argv + 2);
        if (!strcmp (argv [1], "revoke"))
            return s_token_revoke (argc - 2, argv + 2);
        if (!strcmp (argv [1], "list"))
            return s_token_list (argc - 2, argv + 2);
    }
    return ctl_usage_error ("usage: hetaoctl dashboard token add|revoke|list (see docs/security.md)");
}

const ctl_command_t dashboard_commands [] = {
    { "dashboard", NULL, s_dashboard, "token add|revoke|list: access tokens of the web dashboard" },
    { NULL }
};

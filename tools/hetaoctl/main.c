/*  hetaoctl - the command line of Hetao Park Services

    hetaoctl [global options] NOUN [VERB] [options]

    Every command is one row of a noun group's table; main.c lists the
    tables and dispatches. A command builds a request from its flags, calls
    a service (deadline, retries, one idempotency key for all retries) and
    prints the reply: aligned text by default, one JSON object per result
    with --json. The exit code says what class of error happened (docs/cli.md).
    A new noun group is one file, one line here and one in CMakeLists.txt.
*/

#include "ctl.h"

#include <czmq.h>
#include <string.h>

//  Every noun group, in the order --help lists them: a group's file exports
//  `const ctl_command_t <noun>_commands []`, and a line here lists it.
#define CTL_GROUPS(GROUP) \
    GROUP (org)           \
    GROUP (project)       \
    GROUP (researcher)    \
    GROUP (park)          \
    GROUP (unit)          \
    GROUP (allocation)    \
    GROUP (report)        \
    GROUP (report_customs) \
    GROUP (events)        \
    GROUP (health)        \
    GROUP (audit)         \
    GROUP (keys)          \
    GROUP (facility)      \
    GROUP (instrument)    \
    GROUP (access)        \
    GROUP (programme)     \
    GROUP (call)          \
    GROUP (application)   \
    GROUP (review)        \
    GROUP (award)         \
    GROUP (disbursement)  \
    GROUP (funding)       \
    GROUP (case)          \
    GROUP (routing)       \
    GROUP (whitelist)     \
    GROUP (declaration)   \
    GROUP (customs)       \
    GROUP (dashboard)     \
    /* end of the groups */

#define CTL_DECLARE(noun) extern const ctl_command_t noun##_commands [];
#define CTL_LIST(noun) noun##_commands,
CTL_GROUPS (CTL_DECLARE)
static const ctl_command_t *const s_tables [] = { CTL_GROUPS (CTL_LIST) NULL };

static void
s_help (void)
{
    printf ("Usage: hetaoctl [global options] COMMAND [options]\n\n"
            "Commands (COMMAND --help for their options):\n");
    for (int t = 0; s_tables [t]; t++)
        for (const ctl_command_t *command = s_tables [t]; command->noun; command++)
            printf ("  %-11s %-11s %s\n", command->noun, command->verb? command->verb: "", command->summary);
    puts ("");
    ctl_globals_usage ();
}

//  Runs the command `noun` `verb`; CTL_EXIT_USAGE (reported) when there is none.
static int
s_dispatch (int argc, char **argv)
{
    const char *noun = argv [0];
    const char *verb = argc > 1? argv [1]: NULL;
    for (int t = 0; s_tables [t]; t++)
        for (const ctl_command_t *command = s_tables [t]; command->noun; command++) {
            if (strcmp (command->noun, noun) != 0)
                continue;
            if (!command->verb)
                return command->run (argc - 1, argv + 1);
            if (verb && !strcmp (command->verb, verb))
                return command->run (argc - 2, argv + 2);
        }
    return ctl_usage_error ("unknown command '%s%s%s' (see hetaoctl --help)",
                            noun, verb? " ": "", verb? verb: "");
}

int
main (int argc, char **argv)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    int first;
    int code = ctl_globals_parse (argc, argv, &first);
    if (code)
        return code;
    if (first >= argc || !strcmp (argv [first], "--help") || !strcmp (argv [first], "help")) {
        s_help ();
        return first >= argc? CTL_EXIT_USAGE: 0;
    }
    code = s_dispatch (argc - first, argv + first);
    ctl_free_all ();
    return code;
}

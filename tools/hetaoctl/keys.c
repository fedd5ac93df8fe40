/*  keys - hetaoctl keys gen and principal add|list|revoke|remove: CURVE keys and who may use them

    Works on files, not services: a key pair for a client or a service, and
    the principals file every service reads (a key, a name, an organization,
    roles, active or revoked), replaced at once so a service never reads half.
*/

#include "ctl.h"
#include "ht_auth.h"
#include "ht_status.h"

#include <czmq.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static int
s_keys_gen (int argc, char **argv)
{
    const char *out = NULL;
    protobuf_c_boolean force = false;
    const ctl_option_t options [] = {
        { "out", CTL_STRING, &out, .flags = CTL_REQUIRED,
          .help = "write the public key to FILE and the secret to FILE_secret" },
        { "force", CTL_FLAG, &force, .help = "replace existing files" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl keys gen --out FILE");
    if (code)
        return code < 0? 0: code;
    char secret [4200];
    snprintf (secret, sizeof secret, "%s_secret", out);
    if (!force && (access (out, F_OK) == 0 || access (secret, F_OK) == 0))
        return ctl_usage_error ("keys gen: %s exists; --force replaces it", out);
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "generated-by", "hetaoctl keys gen");
    int rc = zcert_save (cert, out);
    if (rc == 0)
        chmod (secret, 0600);
    if (rc == 0)
        printf (ctl.json? "{\"public_key\":\"%s\",\"file\":\"%s\"}\n": "public key %s written to %s\n",
                zcert_public_txt (cert), out);
    zcert_destroy (&cert);
    if (rc != 0) {
        fprintf (stderr, "hetaoctl: cannot write %s: %s\n", out, strerror (errno));
        return 1;
    }
    return 0;
}

//  ---------------------------------------------------------------------------
//  The principals file

//  Reads every principal of the principals file; false (reported) when it cannot.
static bool
s_principals_read (ht_principal_t **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    if (!ctl.principals) {
        ctl_usage_error ("give --principals FILE");
        return false;
    }
    if (access (ctl.principals, F_OK) != 0 && errno == ENOENT)
        return true;                    //  a new file
    char error [300];
    if (!ht_principals_read (ctl.principals, list, count, error, sizeof error)) {
        fprintf (stderr, "hetaoctl: %s\n", error);
        return false;
    }
    return true;
}

//  Replaces the principals file at once (write, then rename), so a service
//  never reads half a file.
static int
s_principals_write (const ht_principal_t *list, size_t count)
{
    char temporary [4200];
    snprintf (temporary, sizeof temporary, "%s.new", ctl.principals);
    FILE *file = fopen (temporary, "w");
    if (!file) {
        fprintf (stderr, "hetaoctl: cannot write %s: %s\n", temporary, strerror (errno));
        return 1;
    }
    fputs ("# key name organization roles status - edited with hetaoctl principal\n", file);
    for (size_t i = 0; i < count; i++) {
        char line [512];
        ht_principal_format (&list [i], line, sizeof line);
        fputs (line, file);
    }
    if (fclose (file) != 0 || rename (temporary, ctl.principals) != 0) {
        fprintf (stderr, "hetaoctl: cannot replace %s: %s\n", ctl.principals, strerror (errno));
        return 1;
    }
    return 0;
}

//  Prints principals: one JSON object each, or a table.
static void
s_principals_print (const ht_principal_t *list, size_t count)
{
    ctl_table_t *table = ctl.json? NULL: ctl_table_new ("name,status,key,roles,organization_id");
    for (size_t i = 0; i < count; i++) {
        const ht_principal_t *principal = &list [i];
        char roles [256];
        ht_roles_format (principal->roles, roles, sizeof roles);
        const char *status = principal->revoked? "revoked": "active";
        if (table)
            ctl_table_row (table, (const char * []) { principal->name, status, principal->key, roles,
                                                      principal->organization_id });
        else
            printf ("{\"key\":\"%s\",\"name\":\"%s\",\"organization_id\":\"%s\",\"roles\":\"%s\",\"status\":\"%s\"}\n",
                    principal->key, principal->name, principal->organization_id, roles, status);
    }
    ctl_table_print (&table);
}

static int
s_principal_add (int argc, char **argv)
{
    const char *key = NULL, *cert = NULL, *name = NULL, *roles = NULL, *organization = NULL;
    const ctl_option_t options [] = {
        { "key", CTL_STRING, &key, .help = "the client's public key (Z85)" },
        { "cert", CTL_STRING, &cert, .help = "or the client's certificate file" },
        { "name", CTL_STRING, &name, .help = "the principal's name, e.g. hku-research-office" },
        { "roles", CTL_STRING, &roles, .help = "comma-separated roles (see docs/security.md)" },
        { "organization", CTL_STRING, &organization, .help = "id of the organization it speaks for" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl principal add (--key K | --cert FILE) "
                                               "--name N --roles R [--organization ID]");
    if (code)
        return code < 0? 0: code;
    char from_cert [HT_KEY_TEXT] = "";
    if (cert && !key) {
        zcert_t *loaded = zcert_load (cert);
        if (!loaded)
            return ctl_usage_error ("--cert: cannot read %s", cert);
        snprintf (from_cert, sizeof from_cert, "%s", zcert_public_txt (loaded));
        zcert_destroy (&loaded);
        key = from_cert;
    }
    if (!key || !name || !roles)
        return ctl_usage_error ("principal add: give --key (or --cert), --name and --roles");
    unsigned parsed;
    char why [256];
    if (ht_roles_parse (roles, &parsed, why, sizeof why) && (parsed & HT_ROLE_APPLICANT) && !organization)
        //  An applicant acts for its own organization: without one it could act for none.
        return ctl_usage_error ("principal add: the applicant role needs --organization (the id of "
                                "the organization the principal acts for)");
    char line [512], error [256];
    snprintf (line, sizeof line, "%s %s %s %s active", key, name, organization? organization: "-", roles);
    ht_principal_t principal;
    if (!ht_principal_parse (line, &principal, error, sizeof error))
        return ctl_usage_error ("principal add: %s", error);
    ht_principal_t *list;
    size_t count;
    if (!s_principals_read (&list, &count))
        return 1;
    for (size_t i = 0; i < count; i++)
        if (!strcmp (list [i].key, principal.key) || !strcmp (list [i].name, principal.name)) {
            free (list);
            return ctl_usage_error ("principal add: a principal with this %s exists (%s); revoke it first "
                                    "or choose another", !strcmp (list [i].key, principal.key)? "key": "name",
                                    principal.name);
        }
    list = realloc (list, (count + 1) * sizeof *list);
    list [count++] = principal;
    code = s_principals_write (list, count);
    if (code == 0)
        s_principals_print (&principal, 1);
    free (list);
    return code;
}

static int
s_principal_list (int argc, char **argv)
{
    int code = ctl_parse ((const ctl_option_t []) { { NULL } }, argc, argv, "Usage: hetaoctl principal list");
    if (code)
        return code < 0? 0: code;
    ht_principal_t *list;
    size_t count;
    if (!s_principals_read (&list, &count))
        return 1;
    s_principals_print (list, count);
    free (list);
    return 0;
}

//  Reads the principals file and finds the principal named or keyed `who`
//  at *index. Returns 0, or the exit code after reporting why not (then
//  nothing is left to free).
static int
s_principal_find (const char *who, ht_principal_t **list, size_t *count, size_t *index)
{
    if (!s_principals_read (list, count))
        return 1;
    size_t i = 0;
    while (i < *count && strcmp ((*list) [i].name, who) != 0 && strcmp ((*list) [i].key, who) != 0)
        i++;
    if (i == *count) {
        free (*list);
        *list = NULL;
        fprintf (stderr, "hetaoctl: NOT_FOUND: no principal named or keyed '%s' in %s\n", who, ctl.principals);
        return ht_status_exit_code (HT_NOT_FOUND);
    }
    *index = i;
    return 0;
}

//  principal revoke (keeps the line, marked revoked) and principal remove
//  (deletes it): both name one principal by name or key.
static int
s_principal_drop (int argc, char **argv, bool remove)
{
    const char *who = NULL;
    const ctl_option_t options [] = {
        { "name", CTL_STRING, &who, .flags = CTL_REQUIRED | CTL_POSITIONAL, .help = "the principal's name or key" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, remove? "Usage: hetaoctl principal remove NAME-OR-KEY"
                                                     : "Usage: hetaoctl principal revoke NAME-OR-KEY");
    if (code)
        return code < 0? 0: code;
    ht_principal_t *list;
    size_t count, i = 0;
    code = s_principal_find (who, &list, &count, &i);
    if (code)
        return code;
    if (remove && count == 1) {
        free (list);
        //  Services keep their last list rather than take an empty file.
        return ctl_usage_error ("principal remove: %s is the only principal; a principals file "
                                "must list at least one", who);
    }
    ht_principal_t changed = list [i];
    if (remove)
        memmove (&list [i], &list [i + 1], (count-- - i - 1) * sizeof *list);
    else
        changed.revoked = list [i].revoked = true;
    code = s_principals_write (list, count);
    if (code == 0)
        s_principals_print (&changed, 1);
    free (list);
    return code;
}

static int
s_principal_revoke (int argc, char **argv)
{
    return s_principal_drop (argc, argv, false);
}

static int
s_principal_remove (int argc, char **argv)
{
    return s_principal_drop (argc, argv, true);
}

const ctl_command_t keys_commands [] = {
    { "keys",      "gen",    s_keys_gen,         "write a new CURVE key pair" },
    { "principal", "add",    s_principal_add,    "admit a client key with a name, roles and organization" },
    { "principal", "list",   s_principal_list,   "list the principals file" },
    { "principal", "revoke", s_principal_revoke, "refuse a key from its next request and connection" },
    { "principal", "remove", s_principal_remove, "delete a principal's line (revoke it first to keep a record)" },
    { NULL }
};

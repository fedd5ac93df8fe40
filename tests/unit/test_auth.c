/*  test_auth - principals file lines, roles, reload and rate limits  */

#include "ht_auth.h"
#include "ht_test.h"

#include <czmq.h>
#include <unistd.h>

#define KEY_A "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define KEY_B "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define ORG   "01a21ee8-2360-7625-8c98-597673773d25"

static void
test_a_valid_line_parses_into_a_principal (void)
{
    ht_principal_t principal;
    char error [256];
    ASSERT_TRUE (ht_principal_parse (KEY_A " hku-office " ORG " applicant,event_subscriber active\n",
                                     &principal, error, sizeof error));
    ASSERT_STR_EQ (principal.key, KEY_A);
    ASSERT_STR_EQ (principal.name, "hku-office");
    ASSERT_STR_EQ (principal.organization_id, ORG);
    ASSERT_INT_EQ (principal.roles, HT_ROLE_APPLICANT | HT_ROLE_EVENT_SUBSCRIBER);
    ASSERT_FALSE (principal.revoked);
}

static void
test_comments_and_blank_lines_are_skipped_without_error (void)
{
    ht_principal_t principal;
    char error [256] = "x";
    ASSERT_FALSE (ht_principal_parse ("# a comment\n", &principal, error, sizeof error));
    ASSERT_STR_EQ (error, "");
    ASSERT_FALSE (ht_principal_parse ("   \n", &principal, error, sizeof error));
    ASSERT_STR_EQ (error, "");
}

static void
test_malformed_lines_are_refused_with_the_reason (void)
{
    ht_principal_t principal;
    char error [256];
    ASSERT_FALSE (ht_principal_parse ("short admin - park_admin active", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "CURVE public key");
    ASSERT_FALSE (ht_principal_parse (KEY_A " admin - root active", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "'root' is not a role");
    ASSERT_FALSE (ht_principal_parse (KEY_A " admin not-a-uuid park_admin active", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "not a UUID");
    ASSERT_FALSE (ht_principal_parse (KEY_A " admin " ORG "x park_admin active", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "not a UUID");
    ASSERT_FALSE (ht_principal_parse (KEY_A " ad;min - park_admin active", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "name");
    ASSERT_FALSE (ht_principal_parse (KEY_A " admin - park_admin maybe", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "active or revoked");
    ASSERT_FALSE (ht_principal_parse (KEY_A " admin - park_admin active extra", &principal, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "5 fields");
}

static void
test_format_then_parse_gives_the_same_principal (void)
{
    ht_principal_t principal = { .key = KEY_B, .name = "customs", .roles = HT_ROLE_CUSTOMS_OFFICER, .revoked = true };
    char line [512], error [256];
    ht_principal_format (&principal, line, sizeof line);
    ASSERT_STR_EQ (line, KEY_B " customs - customs_officer revoked\n");
    ht_principal_t back;
    ASSERT_TRUE (ht_principal_parse (line, &back, error, sizeof error));
    ASSERT_STR_EQ (back.key, KEY_B);
    ASSERT_INT_EQ (back.roles, HT_ROLE_CUSTOMS_OFFICER);
    ASSERT_TRUE (back.revoked);
}

static void
test_every_role_has_a_name_that_parses_back (void)
{
    for (int i = 0; i < HT_ROLE_COUNT; i++) {
        const char *name = ht_role_name ((ht_role_t) (1 << i));
        ASSERT_NOT_NULL (name);
        unsigned roles;
        char error [256];
        ASSERT_TRUE (ht_roles_parse (name, &roles, error, sizeof error));
        ASSERT_INT_EQ (roles, 1u << i);
    }
    ASSERT_PTR_EQ (ht_role_name ((ht_role_t) (1 << HT_ROLE_COUNT)), NULL);
}

static void
s_write (const char *path, const char *text)
{
    char temporary [256];
    snprintf (temporary, sizeof temporary, "%s.new", path);
    FILE *file = fopen (temporary, "w");
    fputs (text, file);
    fclose (file);
    rename (temporary, path);
}

static void
test_a_revocation_in_the_file_is_seen_at_the_next_lookup (void)
{
    char path [] = "/tmp/ht-principals-XXXXXX";
    int fd = mkstemp (path);
    close (fd);
    s_write (path, KEY_A " admin - park_admin active\n" KEY_B " reader - reporting_reader active\n");
    char error [256];
    ht_principals_t *principals = ht_principals_new (path, error, sizeof error);
    ASSERT_NOT_NULL (principals);
    ht_principal_t principal;
    ASSERT_TRUE (ht_principals_find (principals, KEY_B, &principal));
    ASSERT_STR_EQ (principal.name, "reader");
    s_write (path, KEY_A " admin - park_admin active\n" KEY_B " reader - reporting_reader revoked\n");
    ASSERT_FALSE (ht_principals_find (principals, KEY_B, &principal));
    ASSERT_TRUE (ht_principals_find (principals, KEY_A, &principal));
    //  A broken edit keeps the last good list.
    s_write (path, "garbage\n");
    ASSERT_TRUE (ht_principals_find (principals, KEY_A, &principal));
    ht_principals_destroy (&principals);
    ASSERT_PTR_EQ (principals, NULL);
    unlink (path);
}

static void
test_an_unreadable_or_malformed_file_is_refused_at_start (void)
{
    char error [256];
    ASSERT_PTR_EQ (ht_principals_new ("/nonexistent/principals", error, sizeof error), NULL);
    ASSERT_STR_CONTAINS (error, "cannot read");
    char path [] = "/tmp/ht-principals-XXXXXX";
    close (mkstemp (path));
    s_write (path, "# fine\n" KEY_A " admin - nobody active\n");
    ASSERT_PTR_EQ (ht_principals_new (path, error, sizeof error), NULL);
    ASSERT_STR_CONTAINS (error, "line 2");
    unlink (path);
}

static void
test_the_rate_limit_admits_its_budget_then_refuses (void)
{
    char path [] = "/tmp/ht-principals-XXXXXX";
    close (mkstemp (path));
    s_write (path, KEY_A " admin - park_admin active\n");
    char error [256];
    ht_principals_t *principals = ht_principals_new (path, error, sizeof error);
    int admitted = 0;
    for (int i = 0; i < 20; i++)
        admitted += ht_principals_admit (principals, KEY_A, 10);
    ASSERT_INT_EQ (admitted, 10);
    ASSERT_TRUE (ht_principals_admit (principals, KEY_A, 0));      //  0: no limit
    ASSERT_FALSE (ht_principals_admit (principals, KEY_B, 10));    //  unknown key
    usleep (250000);
    ASSERT_TRUE (ht_principals_admit (principals, KEY_A, 10));     //  refilled
    ht_principals_destroy (&principals);
    unlink (path);
}

int
main (void)
{
    HT_TEST_RUN (test_a_valid_line_parses_into_a_principal);
    HT_TEST_RUN (test_comments_and_blank_lines_are_skipped_without_error);
    HT_TEST_RUN (test_malformed_lines_are_refused_with_the_reason);
    HT_TEST_RUN (test_format_then_parse_gives_the_same_principal);
    HT_TEST_RUN (test_every_role_has_a_name_that_parses_back);
    HT_TEST_RUN (test_a_revocation_in_the_file_is_seen_at_the_next_lookup);
    HT_TEST_RUN (test_an_unreadable_or_malformed_file_is_refused_at_start);
    HT_TEST_RUN (test_the_rate_limit_admits_its_budget_then_refuses);
    return 0;
}

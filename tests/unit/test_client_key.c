/*  test_client_key - a server key given as Z85 text or as a certificate file  */

#include "ht_client.h"
#include "ht_test.h"

#include <czmq.h>
#include <unistd.h>

static void
test_a_z85_key_is_taken_as_it_is (void)
{
    zcert_t *cert = zcert_new ();
    char key [41];
    ASSERT_TRUE (ht_client_server_key (zcert_public_txt (cert), key));
    ASSERT_STR_EQ (key, zcert_public_txt (cert));
    zcert_destroy (&cert);
}

static void
test_a_certificate_file_whose_path_is_40_characters_is_read_as_a_file (void)
{
    //  Every character of this path is in the Z85 alphabet.
    char directory [] = "/tmp/hetao-key-XXXXXX";
    ASSERT_NOT_NULL (mkdtemp (directory));
    char path [64];
    snprintf (path, sizeof path, "%s/", directory);
    while (strlen (path) < 36)
        strcat (path, "k");
    strcat (path, ".key");
    ASSERT_INT_EQ (strlen (path), 40);
    zcert_t *cert = zcert_new ();
    ASSERT_INT_EQ (zcert_save (cert, path), 0);
    char key [41];
    ASSERT_TRUE (ht_client_server_key (path, key));
    ASSERT_STR_EQ (key, zcert_public_txt (cert));
    zcert_destroy (&cert);
    char secret [80];
    snprintf (secret, sizeof secret, "%s_secret", path);
    unlink (secret);
    unlink (path);
    rmdir (directory);
}

static void
test_neither_a_key_nor_a_file_is_refused (void)
{
    char key [41];
    ASSERT_FALSE (ht_client_server_key ("/nonexistent/registry.key", key));
    ASSERT_FALSE (ht_client_server_key (NULL, key));
}

int
main (void)
{
    HT_TEST_RUN (test_a_z85_key_is_taken_as_it_is);
    HT_TEST_RUN (test_a_certificate_file_whose_path_is_40_characters_is_read_as_a_file);
    HT_TEST_RUN (test_neither_a_key_nor_a_file_is_refused);
    return 0;
}

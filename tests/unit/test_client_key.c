/*  test_client_key - a server key given as Z85 text or as a certificate file  */

#include "ht_test.h"
#include "ht_client.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

static void
test_z85_text_is_the_key_itself (void)
{
    zcert_t *cert = zcert_new ();
    char out [41];
    ASSERT_TRUE (ht_client_server_key (zcert_public_txt (cert), out));
    ASSERT_STR_EQ (out, zcert_public_txt (cert));
    zcert_destroy (&cert);
}

static void
test_a_certificate_file_whose_path_looks_like_z85_is_read_as_a_file (void)
{
    //  40 characters, all of the Z85 alphabet: a path, not a key.
    char dir [] = "/tmp/ht-XXXXXX";
    ASSERT_NOT_NULL (mkdtemp (dir));
    char path [64];
    snprintf (path, sizeof path, "%s/%s", dir, "abcdefghijklmnopqrstu.key");
    ASSERT_INT_EQ (strlen (path), 40);
    zcert_t *cert = zcert_new ();
    ASSERT_INT_EQ (zcert_save_public (cert, path), 0);
    char out [41];
    ASSERT_TRUE (ht_client_server_key (path, out));
    ASSERT_STR_EQ (out, zcert_public_txt (cert));
    zcert_destroy (&cert);
    remove (path);
    rmdir (dir);
}

static void
test_neither_key_nor_file_is_refused (void)
{
    char out [41];
    ASSERT_FALSE (ht_client_server_key ("/no/such/file.key", out));
    ASSERT_STR_EQ (out, "");
    ASSERT_FALSE (ht_client_server_key (NULL, out));
}

int
main (void)
{
    HT_TEST_RUN (test_z85_text_is_the_key_itself);
    HT_TEST_RUN (test_a_certificate_file_whose_path_looks_like_z85_is_read_as_a_file);
    HT_TEST_RUN (test_neither_key_nor_file_is_refused);
    return 0;
}

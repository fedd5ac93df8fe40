/*  test_token - the dashboard's access tokens: issue, hash, file lines, match, revoke  */

#include "ht_test.h"
#include "ht_token.h"

#include <stdio.h>
#include <unistd.h>

static void
test_an_issued_token_is_256_random_bits_and_only_its_hash_matches (void)
{
    char secret [HT_TOKEN_TEXT], hash [HT_TOKEN_HASH], again [HT_TOKEN_TEXT], other [HT_TOKEN_HASH];
    ASSERT_TRUE (ht_token_issue (secret, hash));
    ASSERT_INT_EQ (strlen (secret), 68);
    ASSERT_TRUE (strncmp (secret, "htd_", 4) == 0);
    ASSERT_INT_EQ (strlen (hash), 64);
    ASSERT_TRUE (strstr (hash, secret + 4) == NULL);
    ASSERT_TRUE (ht_token_issue (again, other));
    ASSERT_TRUE (strcmp (secret, again) != 0);
    char rehashed [HT_TOKEN_HASH];
    ht_token_hash (secret, rehashed);
    ASSERT_STR_EQ (rehashed, hash);
}

static void
test_the_hash_is_sha256_of_the_token_text (void)
{
    char hash [HT_TOKEN_HASH];
    ht_token_hash ("abc", hash);
    ASSERT_STR_EQ (hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_file_lines_parse_and_malformed_ones_say_why (void)
{
    ht_token_t token;
    char error [200];
    ASSERT_TRUE (ht_token_parse ("district-office ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
                                 "1795842822256218 active\n", &token, error, sizeof error));
    ASSERT_STR_EQ (token.name, "district-office");
    ASSERT_FALSE (token.revoked);
    ASSERT_INT_EQ (token.issued_at_us, 1795842822256218LL);
    ASSERT_FALSE (ht_token_parse ("# comment\n", &token, error, sizeof error));
    ASSERT_STR_EQ (error, "");
    ASSERT_FALSE (ht_token_parse ("x ABC 1 active\n", &token, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "hash");
    ASSERT_FALSE (ht_token_parse ("x ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 1 gone\n",
                                  &token, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "status");
    ASSERT_FALSE (ht_token_parse ("x y\n", &token, error, sizeof error));
    ASSERT_STR_CONTAINS (error, "expected");
}

static void
test_a_written_file_reads_back_and_a_revoked_token_no_longer_matches (void)
{
    char path [] = "/tmp/hetao-test-tokens-XXXXXX";
    int fd = mkstemp (path);
    ASSERT_TRUE (fd >= 0);
    close (fd);
    ht_token_t list [2] = { { .name = "a", .issued_at_us = 1 }, { .name = "b", .issued_at_us = 2 } };
    char secret_a [HT_TOKEN_TEXT], secret_b [HT_TOKEN_TEXT], error [300];
    ASSERT_TRUE (ht_token_issue (secret_a, list [0].hash));
    ASSERT_TRUE (ht_token_issue (secret_b, list [1].hash));
    ASSERT_TRUE (ht_tokens_write (path, list, 2, error, sizeof error));
    ht_token_t *read;
    size_t count;
    ASSERT_TRUE (ht_tokens_read (path, &read, &count, error, sizeof error));
    ASSERT_INT_EQ (count, 2);
    ASSERT_STR_EQ (ht_tokens_match (read, count, secret_b)->name, "b");
    ASSERT_TRUE (ht_tokens_match (read, count, "htd_guess") == NULL);
    read [1].revoked = true;
    ASSERT_TRUE (ht_tokens_write (path, read, count, error, sizeof error));
    free (read);
    ASSERT_TRUE (ht_tokens_read (path, &read, &count, error, sizeof error));
    ASSERT_TRUE (ht_tokens_match (read, count, secret_b) == NULL);
    ASSERT_STR_EQ (ht_tokens_match (read, count, secret_a)->name, "a");
    free (read);
    //  No secret is ever in the file.
    FILE *file = fopen (path, "r");
    char text [2000] = "";
    size_t got = fread (text, 1, sizeof text - 1, file);
    text [got] = 0;
    fclose (file);
    ASSERT_TRUE (strstr (text, secret_a + 4) == NULL);
    unlink (path);
    ASSERT_TRUE (ht_tokens_read (path, &read, &count, error, sizeof error));
    ASSERT_INT_EQ (count, 0);
}

int
main (void)
{
    HT_TEST_RUN (test_an_issued_token_is_256_random_bits_and_only_its_hash_matches);
    HT_TEST_RUN (test_the_hash_is_sha256_of_the_token_text);
    HT_TEST_RUN (test_file_lines_parse_and_malformed_ones_say_why);
    HT_TEST_RUN (test_a_written_file_reads_back_and_a_revoked_token_no_longer_matches);
    return 0;
}

/*  ht_token - access tokens for the web dashboard, kept hashed in a file  */

#include "ht_token.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
ht_token_issue (char secret [HT_TOKEN_TEXT], char hash [HT_TOKEN_HASH])
{
    if (sodium_init () < 0)
        return false;
    unsigned char random [32];
    randombytes_buf (random, sizeof random);
    memcpy (secret, "htd_", 4);
    sodium_bin2hex (secret + 4, HT_TOKEN_TEXT - 4, random, sizeof random);
    sodium_memzero (random, sizeof random);
    ht_token_hash (secret, hash);
    return true;
}

void
ht_token_hash (const char *secret, char hash [HT_TOKEN_HASH])
{
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, (const unsigned char *) secret, strlen (secret));
    sodium_bin2hex (hash, HT_TOKEN_HASH, digest, sizeof digest);
}

bool
ht_token_parse (const char *line, ht_token_t *token, char *error, size_t error_size)
{
    memset (token, 0, sizeof *token);
    error [0] = 0;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == 0 || *line == '\n' || *line == '#')
        return false;
    char name [HT_TOKEN_NAME + 2], hash [HT_TOKEN_HASH + 1], status [16], extra [2];
    long long issued;
    int fields = sscanf (line, "%65s %65s %lld %15s %1s", name, hash, &issued, status, extra);
    if (fields != 4) {
        snprintf (error, error_size, "expected <name> <hash> <issued_at_us> <active|revoked>");
        return false;
    }
    if (strlen (name) > HT_TOKEN_NAME) {
        snprintf (error, error_size, "name: at most %d characters", HT_TOKEN_NAME);
        return false;
    }
    if (strlen (hash) != HT_TOKEN_HASH - 1 || strspn (hash, "0123456789abcdef") != HT_TOKEN_HASH - 1) {
        snprintf (error, error_size, "hash: 64 lower-case hex digits expected");
        return false;
    }
    if (strcmp (status, "active") && strcmp (status, "revoked")) {
        snprintf (error, error_size, "status: 'active' or 'revoked', not '%s'", status);
        return false;
    }
    snprintf (token->name, sizeof token->name, "%s", name);
    memcpy (token->hash, hash, HT_TOKEN_HASH);
    token->issued_at_us = issued;
    token->revoked = !strcmp (status, "revoked");
    return true;
}

bool
ht_tokens_read (const char *path, ht_token_t **list, size_t *count, char *error, size_t error_size)
{
    *list = NULL;
    *count = 0;
    FILE *file = fopen (path, "r");
    if (!file) {
        if (errno == ENOENT)
            return true;
        snprintf (error, error_size, "%s: %s", path, strerror (errno));
        return false;
    }
    char line [512];
    int number = 0;
    size_t allocated = 0;
    while (fgets (line, sizeof line, file)) {
        number++;
        ht_token_t token;
        char why [200];
        if (!ht_token_parse (line, &token, why, sizeof why)) {
            if (!why [0])
                continue;
            snprintf (error, error_size, "%s:%d: %s", path, number, why);
            fclose (file);
            free (*list);
            *list = NULL;
            *count = 0;
            return false;
        }
        if (*count == allocated) {
            allocated = allocated? allocated * 2: 8;
            *list = realloc (*list, allocated * sizeof **list);
            if (!*list)
                abort ();
        }
        (*list) [(*count)++] = token;
    }
    fclose (file);
    return true;
}

bool
ht_tokens_write (const char *path, const ht_token_t *list, size_t count, char *error, size_t error_size)
{
    char temporary [4200];
    snprintf (temporary, sizeof temporary, "%s.new", path);
    FILE *file = fopen (temporary, "w");
    if (!file) {
        snprintf (error, error_size, "cannot write %s: %s", temporary, strerror (errno));
        return false;
    }
    fputs ("# name sha256 issued_at_us status - edited with hetaoctl dashboard token\n", file);
    for (size_t i = 0; i < count; i++)
        fprintf (file, "%s %s %" PRId64 " %s\n", list [i].name, list [i].hash, list [i].issued_at_us,
                 list [i].revoked? "revoked": "active");
    if (fclose (file) != 0 || rename (temporary, path) != 0) {
        snprintf (error, error_size, "cannot replace %s: %s", path, strerror (errno));
        return false;
    }
    return true;
}

const ht_token_t *
ht_tokens_match (const ht_token_t *list, size_t count, const char *secret)
{
    char hash [HT_TOKEN_HASH];
    ht_token_hash (secret, hash);
    const ht_token_t *found = NULL;
    for (size_t i = 0; i < count; i++)
        if (sodium_memcmp (list [i].hash, hash, HT_TOKEN_HASH - 1) == 0 && !list [i].revoked)
            found = &list [i];
    return found;
}

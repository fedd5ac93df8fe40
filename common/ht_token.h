/*  ht_token - access tokens for the web dashboard, kept hashed in a file

    An operator issues a token (`hetaoctl dashboard token add`): a random
    secret shown once, of which only the SHA-256 is written down. The tokens
    file has one token per line:
        <name> <sha-256 of the secret, hex> <issued at, unix microseconds> <active|revoked>
    and is replaced at once (write, then rename), so a reader never sees half.
    A plain hash is enough: the secret is 256 random bits, not a password,
    so there is nothing to guess that a slow hash would protect.
*/
#ifndef HT_TOKEN_H_INCLUDED
#define HT_TOKEN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HT_TOKEN_TEXT   69              //  "htd_" + 64 hex digits and its NUL
#define HT_TOKEN_HASH   65              //  64 hex digits and its NUL
#define HT_TOKEN_NAME   64

typedef struct {
    char name [HT_TOKEN_NAME + 1];
    char hash [HT_TOKEN_HASH];
    int64_t issued_at_us;
    bool revoked;
} ht_token_t;

//  Makes a new random secret into `secret` and its hash into `hash`.
//  False when the random source fails (libsodium could not start).
bool ht_token_issue (char secret [HT_TOKEN_TEXT], char hash [HT_TOKEN_HASH]);

//  The hash of `secret` as it is kept in the file.
void ht_token_hash (const char *secret, char hash [HT_TOKEN_HASH]);

//  Parses one line of a tokens file. False for a malformed line; `error`
//  says why. Blank lines and # comments give false with error "".
bool ht_token_parse (const char *line, ht_token_t *token, char *error, size_t error_size);

//  Reads every token of `path` into *list (caller frees). A missing file is
//  an empty list. False (error says where) for an unreadable or broken file.
bool ht_tokens_read (const char *path, ht_token_t **list, size_t *count, char *error, size_t error_size);

//  Replaces `path` with `list` at once. False (error says why) on failure.
bool ht_tokens_write (const char *path, const ht_token_t *list, size_t count, char *error, size_t error_size);

//  The active token of `list` whose hash is the hash of `secret`, or NULL.
//  Compares in constant time, so timing does not tell how much of a guess matched.
const ht_token_t *ht_tokens_match (const ht_token_t *list, size_t count, const char *secret);

#endif

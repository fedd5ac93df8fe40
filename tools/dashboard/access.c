/*  access - who may see the dashboard: this machine, or a holder of a token

    Not thread-safe: the HTTP side calls it from one thread.
*/

#include "access.h"

#include "ht_log.h"
#include "ht_text.h"
#include "ht_token.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_PEERS 1024            //  peers whose failures are remembered at once

typedef struct {
    char address [46];
    int64_t window_start_us;
    int failures;
} s_peer_t;

struct _access_t {
    char *tokens_path;
    ht_token_t *tokens;
    size_t token_count;
    struct stat loaded;         //  the file as it was when read, to see a change
    bool ever_loaded;
    int failures_max;
    int64_t window_us;
    bool trust_loopback;
    s_peer_t peers [S_PEERS];
};

access_t *
access_new (const char *tokens, int failures_max, int window_s, bool trust_loopback)
{
    access_t *self = calloc (1, sizeof *self);
    self->tokens_path = tokens && *tokens? strdup (tokens): NULL;
    self->failures_max = failures_max;
    self->window_us = window_s * 1000000LL;
    self->trust_loopback = trust_loopback;
    return self;
}

void
access_destroy (access_t **self_p)
{
    access_t *self = *self_p;
    if (!self)
        return;
    free (self->tokens_path);
    free (self->tokens);
    free (self);
    *self_p = NULL;
}

//  Reads the tokens file again when it changed. A broken file is logged and
//  the tokens read before are kept, as services do with the principals file.
static void
s_tokens_reload (access_t *self)
{
    if (!self->tokens_path)
        return;
    struct stat now;
    if (stat (self->tokens_path, &now) != 0)
        memset (&now, 0, sizeof now);
    if (self->ever_loaded && now.st_ino == self->loaded.st_ino && now.st_size == self->loaded.st_size
    &&  now.st_mtim.tv_sec == self->loaded.st_mtim.tv_sec && now.st_mtim.tv_nsec == self->loaded.st_mtim.tv_nsec)
        return;
    ht_token_t *list;
    size_t count;
    char error [300];
    if (!ht_tokens_read (self->tokens_path, &list, &count, error, sizeof error)) {
        ht_error ("tokens file not read, the previous tokens stay: %s", error);
        return;
    }
    free (self->tokens);
    self->tokens = list;
    self->token_count = count;
    self->loaded = now;
    self->ever_loaded = true;
    ht_info ("tokens file %s read: %zu tokens", self->tokens_path, count);
}

//  The failure record of `address`: its own, else a free or expired slot,
//  else the oldest one (the table is a bound on memory, not on attackers).
static s_peer_t *
s_peer (access_t *self, const char *address, int64_t now)
{
    s_peer_t *oldest = &self->peers [0];
    for (size_t i = 0; i < S_PEERS; i++) {
        s_peer_t *peer = &self->peers [i];
        if (!strcmp (peer->address, address))
            return peer;
        if (peer->window_start_us < oldest->window_start_us)
            oldest = peer;
    }
    memset (oldest, 0, sizeof *oldest);
    snprintf (oldest->address, sizeof oldest->address, "%s", address);
    oldest->window_start_us = now;
    return oldest;
}

//  True for this machine's own addresses: 127.0.0.1 and ::1 (and 127.0.0.1
//  mapped into IPv6). Other 127/8 addresses are not: that is how tests
//  stand in for a peer from afar without a network of their own.
static bool
s_local (const struct sockaddr *peer)
{
    if (peer->sa_family == AF_INET)
        return ntohl (((const struct sockaddr_in *) peer)->sin_addr.s_addr) == INADDR_LOOPBACK;
    if (peer->sa_family == AF_INET6) {
        const struct in6_addr *address = &((const struct sockaddr_in6 *) peer)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK (address))
            return true;
        static const unsigned char mapped [16] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff, 127,0,0,1 };
        return !memcmp (address, mapped, 16);
    }
    return false;
}

access_result_t
access_check (access_t *self, const struct sockaddr *peer, const char *secret,
              char peer_text [46], char who [65])
{
    strcpy (peer_text, "?");
    who [0] = 0;
    if (peer->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) peer)->sin_addr, peer_text, 46);
    else
    if (peer->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) peer)->sin6_addr, peer_text, 46);
    if (self->trust_loopback && s_local (peer))
        return ACCESS_LOCAL;

    int64_t now = ht_now_us ();
    s_peer_t *record = s_peer (self, peer_text, now);
    if (now - record->window_start_us > self->window_us) {
        record->window_start_us = now;
        record->failures = 0;
    }
    ht_log_request_t audit = { .method = "dashboard.login", .duration_us = -1 };
    if (record->failures >= self->failures_max) {
        audit.status = "RESOURCE_EXHAUSTED";
        if (secret)
            ht_log_at (HT_LOG_WARN, &audit, "login refused: peer %s, %d failed logins within %lld s",
                       peer_text, record->failures, (long long) (self->window_us / 1000000));
        return ACCESS_LIMITED;
    }
    if (!secret || !*secret)
        return ACCESS_NO_TOKEN;
    s_tokens_reload (self);
    const ht_token_t *token = self->tokens? ht_tokens_match (self->tokens, self->token_count, secret): NULL;
    if (token) {
        snprintf (who, 65, "%s", token->name);
        return ACCESS_GRANTED;
    }
    record->failures++;
    audit.status = "UNAUTHENTICATED";
    ht_log_at (HT_LOG_WARN, &audit, "login refused: peer %s, unknown or revoked token (failure %d of %d "
               "allowed within %lld s)", peer_text, record->failures, self->failures_max,
               (long long) (self->window_us / 1000000));
    return ACCESS_REFUSED;
}

/*  access - who may see the dashboard: this machine, or a holder of a token

    A request from the machine itself (127.0.0.1 or ::1) is let in: whoever
    is on the host can already read the keys. Not so behind a proxy on the
    same host or in the same pod (a sidecar, kubectl port-forward): every
    browser then comes from 127.0.0.1, and `trust_loopback` must be off. From anywhere else it needs an
    operator-issued token (common/ht_token.h), read from the tokens file
    again whenever the file changes, so a revocation counts at the next
    request. Failed logins are counted per peer address: beyond the limit in
    the window the peer is refused without a look at what it sent, and
    every failure is logged (an audit line on stderr, `"method":"dashboard.login"`).
*/
#ifndef ACCESS_H_INCLUDED
#define ACCESS_H_INCLUDED

#include <stdbool.h>
#include <sys/socket.h>

typedef struct _access_t access_t;

typedef enum {
    ACCESS_LOCAL,               //  from this machine, trusted: no token needed
    ACCESS_GRANTED,             //  an active token
    ACCESS_NO_TOKEN,            //  none given: log in first
    ACCESS_REFUSED,             //  unknown or revoked token (a failed login, logged)
    ACCESS_LIMITED              //  too many failed logins from this peer lately
} access_result_t;

//  Access with the tokens file `tokens` (NULL: nobody from afar) and at
//  most `failures_max` failed logins per peer in `window_s` seconds; with
//  `trust_loopback`, this machine needs no token. Caller owns the result.
access_t *access_new (const char *tokens, int failures_max, int window_s, bool trust_loopback);
void access_destroy (access_t **self_p);

//  Decides for a request from `peer` presenting `secret` (NULL when it
//  presents none). `peer_text` gets the peer's address for logs (46 bytes).
//  `who` gets the token's name when granted.
access_result_t access_check (access_t *self, const struct sockaddr *peer, const char *secret,
                              char peer_text [46], char who [65]);

#endif

/*  ht_auth - who is calling: principals, roles and the ZAP handler

    Every TCP socket of a service uses CURVE. A client's identity is its
    CURVE public key, proven by the handshake; the key maps to a principal
    (a name, the organization it speaks for, its roles) in the principals
    file. The ZAP handler refuses unknown and revoked keys at the handshake;
    the request path looks the key up again for every request, so a
    revocation takes effect at once. Nothing the client sends (routing id,
    payload) is ever taken as identity.

    The principals file has one principal per line:
        <public key, Z85> <name> <organization id or -> <role,role,...> <active|revoked>
    and is read again whenever it changes.
*/
#ifndef HT_AUTH_H_INCLUDED
#define HT_AUTH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    HT_ROLE_PARK_ADMIN       = 1 << 0,  //  registry writes, audit
    HT_ROLE_FINANCE_OFFICER  = 1 << 1,  //  programmes, awards, disbursements
    HT_ROLE_CUSTOMS_OFFICER  = 1 << 2,  //  cases, white list, declarations
    HT_ROLE_APPLICANT        = 1 << 3,  //  its own organization's records only
    HT_ROLE_REPORTING_READER = 1 << 4,  //  read-only views
    HT_ROLE_EVENT_SUBSCRIBER = 1 << 5,  //  event streams
    HT_ROLE_REVIEWER         = 1 << 6,  //  reviews of funding applications
} ht_role_t;

#define HT_ROLE_COUNT 7
#define HT_ROLE_ANY   ((1u << HT_ROLE_COUNT) - 1)

#define HT_KEY_TEXT   41                //  Z85 public key and its NUL
#define HT_NAME_MAX   64

typedef struct {
    char key [HT_KEY_TEXT];
    char name [HT_NAME_MAX + 1];
    char organization_id [37];          //  "" when the principal speaks for no organization
    unsigned roles;
    bool revoked;
} ht_principal_t;

//  Role names, e.g. "park_admin"; NULL for a bit that is not a role.
const char *ht_role_name (ht_role_t role);

//  Parses a comma-separated list of role names. False (with the offending
//  name in `error`) when one is unknown.
bool ht_roles_parse (const char *text, unsigned *roles, char *error, size_t error_size);

//  Writes the comma-separated names of `roles` into `out`.
void ht_roles_format (unsigned roles, char *out, size_t size);

//  Parses one line of a principals file. False for a malformed line;
//  `error` says why. Blank lines and # comments give false with error "".
bool ht_principal_parse (const char *line, ht_principal_t *principal, char *error, size_t error_size);

//  Writes `principal` as one line of a principals file (with newline).
void ht_principal_format (const ht_principal_t *principal, char *out, size_t size);

//  Reads every principal of the file at `path` (a later line for the same key
//  replaces an earlier one). False, with the file and line in `error`, when
//  it cannot be read or a line is malformed. Caller frees *list.
bool ht_principals_read (const char *path, ht_principal_t **list, size_t *count,
                         char *error, size_t error_size);

//  ---------------------------------------------------------------------------
//  The principals of a running service

typedef struct _ht_principals_t ht_principals_t;

//  Loads `path`; NULL (with `error`) when it cannot be read or a line is
//  malformed. Caller owns the result.
ht_principals_t *ht_principals_new (const char *path, char *error, size_t error_size);
void ht_principals_destroy (ht_principals_t **self_p);

//  Finds the active principal with public key `key`, reading the file
//  again first if it changed. Thread-safe. False when unknown or revoked.
bool ht_principals_find (ht_principals_t *self, const char *key, ht_principal_t *principal);

//  Takes one request from the principal's budget of `per_second` requests
//  a second (bursts of up to `per_second`). False when it is spent.
//  Thread-safe; per_second 0 means no limit.
bool ht_principals_admit (ht_principals_t *self, const char *key, int per_second);

//  ---------------------------------------------------------------------------
//  The ZAP handler

typedef struct _ht_zap_t ht_zap_t;

//  ZAP domains: the request socket admits every active principal, the
//  event socket only those with the event_subscriber role.
#define HT_ZAP_REQUESTS "hetao.requests"
#define HT_ZAP_EVENTS   "hetao.events"

//  Starts the ZAP handler of this process. Must run before any CURVE
//  socket binds: libzmq admits everyone when no handler is there. NULL
//  when the ZAP endpoint cannot be bound (then the service must not start).
ht_zap_t *ht_zap_new (ht_principals_t *principals);
void ht_zap_destroy (ht_zap_t **self_p);

#endif

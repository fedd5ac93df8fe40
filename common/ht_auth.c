/*  ht_auth - who is calling: principals, roles and the ZAP handler  */

#include "ht_auth.h"
#include "ht_log.h"
#include "ht_text.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *s_role_names [HT_ROLE_COUNT] = {
    "park_admin", "finance_officer", "customs_officer", "applicant",
    "reporting_reader", "event_subscriber", "reviewer"
};

const char *
ht_role_name (ht_role_t role)
{
    for (int i = 0; i < HT_ROLE_COUNT; i++)
        if (role == (ht_role_t) (1u << i))
            return s_role_names [i];
    return NULL;
}

bool
ht_roles_parse (const char *text, unsigned *roles, char *error, size_t error_size)
{
    *roles = 0;
    char *copy = strdup (text);
    bool ok = true;
    for (char *save, *name = strtok_r (copy, ",", &save); ok && name; name = strtok_r (NULL, ",", &save)) {
        int i = 0;
        while (i < HT_ROLE_COUNT && strcmp (s_role_names [i], name) != 0)
            i++;
        if (i == HT_ROLE_COUNT) {
            snprintf (error, error_size, "'%s' is not a role (park_admin, finance_officer, "
                      "customs_officer, applicant, reporting_reader, event_subscriber, reviewer)", name);
            ok = false;
        }
        else
            *roles |= 1u << i;
    }
    free (copy);
    if (ok && *roles == 0) {
        snprintf (error, error_size, "a principal needs at least one role");
        ok = false;
    }
    return ok;
}

void
ht_roles_format (unsigned roles, char *out, size_t size)
{
    size_t used = 0;
    out [0] = 0;
    for (int i = 0; i < HT_ROLE_COUNT && used < size; i++)
        if (roles & (1u << i))
            used += (size_t) snprintf (out + used, size - used, "%s%s", used? ",": "", s_role_names [i]);
}

static bool
s_name_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > HT_NAME_MAX)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!(isalnum ((unsigned char) name [i]) || strchr ("._-@", name [i])))
            return false;
    return true;
}

bool
ht_principal_parse (const char *line, ht_principal_t *principal, char *error, size_t error_size)
{
    memset (principal, 0, sizeof *principal);
    error [0] = 0;
    const char *start = line + strspn (line, " \t");
    if (*start == 0 || *start == '\n' || *start == '#')
        return false;
    char key [64], name [128], organization [64], roles [256], status [32], extra [8];
    int count = sscanf (start, "%63s %127s %63s %255s %31s %7s", key, name, organization, roles, status, extra);
    if (count != 5) {
        snprintf (error, error_size, "expected 5 fields: key name organization roles status");
        return false;
    }
    if (strlen (key) != 40 || !zmq_z85_decode ((uint8_t [32]) { 0 }, key)) {
        snprintf (error, error_size, "'%s' is not a CURVE public key (40 characters of Z85)", key);
        return false;
    }
    if (!s_name_valid (name)) {
        snprintf (error, error_size, "name '%s' must be 1 to %d of A-Z a-z 0-9 . _ - @", name, HT_NAME_MAX);
        return false;
    }
    if (strcmp (organization, "-") != 0 && !ht_uuid_valid (organization)) {
        snprintf (error, error_size, "organization '%s' is not a UUID or '-'", organization);
        return false;
    }
    if (!ht_roles_parse (roles, &principal->roles, error, error_size))
        return false;
    if (strcmp (status, "active") != 0 && strcmp (status, "revoked") != 0) {
        snprintf (error, error_size, "status '%s' is not active or revoked", status);
        return false;
    }
    memcpy (principal->key, key, sizeof principal->key);
    snprintf (principal->name, sizeof principal->name, "%s", name);
    if (strcmp (organization, "-") != 0)
        memcpy (principal->organization_id, organization, sizeof principal->organization_id);
    principal->revoked = !strcmp (status, "revoked");
    return true;
}

void
ht_principal_format (const ht_principal_t *principal, char *out, size_t size)
{
    char roles [256];
    ht_roles_format (principal->roles, roles, sizeof roles);
    snprintf (out, size, "%s %s %s %s %s\n", principal->key, principal->name,
              *principal->organization_id? principal->organization_id: "-", roles,
              principal->revoked? "revoked": "active");
}

//  ---------------------------------------------------------------------------
//  The principals of a running service

typedef struct {
    ht_principal_t principal;
    double tokens;                  //  rate limit budget
    int64_t refilled_us;
} entry_t;

struct _ht_principals_t {
    char *path;
    pthread_mutex_t lock;
    entry_t *entries;
    size_t count;
    struct stat loaded;             //  the file as it was when read
};

bool
ht_principals_read (const char *path, ht_principal_t **list, size_t *count,
                    char *error, size_t error_size)
{
    *list = NULL;
    *count = 0;
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (error, error_size, "cannot read principals file %s: %s", path, strerror (errno));
        return false;
    }
    size_t capacity = 0;
    char line [1024], why [200];
    int number = 0;
    bool ok = true;
    while (ok && fgets (line, sizeof line, file)) {
        number++;
        ht_principal_t principal;
        if (!ht_principal_parse (line, &principal, why, sizeof why)) {
            if (*why) {
                snprintf (error, error_size, "%s line %d: %s", path, number, why);
                ok = false;
            }
            continue;
        }
        //  A later line for the same key wins (e.g. its revocation).
        size_t i = 0;
        while (i < *count && strcmp ((*list) [i].key, principal.key) != 0)
            i++;
        if (i == *count && *count == capacity) {
            capacity = capacity? capacity * 2: 16;
            *list = realloc (*list, capacity * sizeof **list);
            assert (*list);
        }
        if (i == *count)
            (*count)++;
        (*list) [i] = principal;
    }
    fclose (file);
    if (!ok) {
        free (*list);
        *list = NULL;
        *count = 0;
    }
    return ok;
}

//  Reads the file into a new table; false (with `error`) on failure.
static bool
s_load (ht_principals_t *self, char *error, size_t error_size)
{
    struct stat info;
    if (stat (self->path, &info) != 0) {
        snprintf (error, error_size, "cannot read principals file %s: %s", self->path, strerror (errno));
        return false;
    }
    ht_principal_t *list;
    size_t count;
    if (!ht_principals_read (self->path, &list, &count, error, error_size))
        return false;
    entry_t *entries = calloc (count + 1, sizeof *entries);
    assert (entries);
    for (size_t i = 0; i < count; i++)
        entries [i].principal = list [i];
    free (list);
    //  Keep the rate budgets of principals that remain.
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < self->count; j++)
            if (!strcmp (entries [i].principal.key, self->entries [j].principal.key)) {
                entries [i].tokens = self->entries [j].tokens;
                entries [i].refilled_us = self->entries [j].refilled_us;
            }
    free (self->entries);
    self->entries = entries;
    self->count = count;
    self->loaded = info;
    return true;
}

ht_principals_t *
ht_principals_new (const char *path, char *error, size_t error_size)
{
    ht_principals_t *self = calloc (1, sizeof *self);
    assert (self);
    self->path = strdup (path);
    pthread_mutex_init (&self->lock, NULL);
    if (!s_load (self, error, error_size))
        ht_principals_destroy (&self);
    return self;
}

void
ht_principals_destroy (ht_principals_t **self_p)
{
    ht_principals_t *self = *self_p;
    if (self) {
        pthread_mutex_destroy (&self->lock);
        free (self->entries);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

//  Reads the file again when it changed; keeps the old table if the new
//  file is broken (and says so), so a bad edit cannot lock everyone out.
static void
s_refresh (ht_principals_t *self)
{
    struct stat info;
    if (stat (self->path, &info) != 0)
        return;
    if (info.st_mtim.tv_sec == self->loaded.st_mtim.tv_sec
    &&  info.st_mtim.tv_nsec == self->loaded.st_mtim.tv_nsec
    &&  info.st_ino == self->loaded.st_ino && info.st_size == self->loaded.st_size)
        return;
    char error [300];
    if (s_load (self, error, sizeof error))
        ht_info ("principals: reloaded %s (%zu principals)", self->path, self->count);
    else {
        ht_error ("principals: keeping the previous list: %s", error);
        self->loaded = info;
    }
}

static entry_t *
s_find (ht_principals_t *self, const char *key)
{
    for (size_t i = 0; i < self->count; i++)
        if (!strcmp (self->entries [i].principal.key, key))
            return &self->entries [i];
    return NULL;
}

bool
ht_principals_find (ht_principals_t *self, const char *key, ht_principal_t *principal)
{
    pthread_mutex_lock (&self->lock);
    s_refresh (self);
    entry_t *entry = s_find (self, key);
    bool found = entry && !entry->principal.revoked;
    if (found)
        *principal = entry->principal;
    pthread_mutex_unlock (&self->lock);
    return found;
}

bool
ht_principals_admit (ht_principals_t *self, const char *key, int per_second)
{
    if (per_second <= 0)
        return true;
    pthread_mutex_lock (&self->lock);
    entry_t *entry = s_find (self, key);
    bool admitted = false;
    if (entry) {
        int64_t now = ht_mono_us ();
        if (entry->refilled_us == 0)
            entry->tokens = per_second;
        else
            entry->tokens += (double) (now - entry->refilled_us) * per_second / 1e6;
        if (entry->tokens > per_second)
            entry->tokens = per_second;
        entry->refilled_us = now;
        admitted = entry->tokens >= 1;
        if (admitted)
            entry->tokens -= 1;
    }
    pthread_mutex_unlock (&self->lock);
    return admitted;
}

//  ---------------------------------------------------------------------------
//  The ZAP handler (RFC 27): one reply per handshake

struct _ht_zap_t {
    zsock_t *handler;               //  REP at inproc://zeromq.zap.01
    zactor_t *actor;
    ht_principals_t *principals;
};

static void
s_zap_reply (zsock_t *handler, const char *request_id, const char *code, const char *text,
             const char *user_id)
{
    zstr_sendm (handler, "1.0");
    zstr_sendm (handler, request_id);
    zstr_sendm (handler, code);
    zstr_sendm (handler, text);
    zstr_sendm (handler, user_id);
    zsock_send (handler, "b", "", (size_t) 0);      //  no metadata
}

static void
s_zap_handle (ht_zap_t *self)
{
    zmsg_t *request = zmsg_recv (self->handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *request_id = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credential = zmsg_pop (request);
    char key [HT_KEY_TEXT] = "";
    ht_principal_t principal;
    const char *refusal = NULL;
    if (!version || strcmp (version, "1.0") != 0)
        refusal = "unsupported ZAP version";
    else
    if (!mechanism || strcmp (mechanism, "CURVE") != 0 || !credential || zframe_size (credential) != 32)
        refusal = "CURVE is required";
    else {
        zmq_z85_encode (key, zframe_data (credential), 32);
        if (!ht_principals_find (self->principals, key, &principal))
            refusal = "unknown or revoked key";
        else
        if (domain && !strcmp (domain, HT_ZAP_EVENTS) && !(principal.roles & HT_ROLE_EVENT_SUBSCRIBER))
            refusal = "not an event subscriber";
        else
        if (!domain || (strcmp (domain, HT_ZAP_EVENTS) != 0 && strcmp (domain, HT_ZAP_REQUESTS) != 0))
            refusal = "unknown ZAP domain";
    }
    if (refusal) {
        ht_warn ("refused connection from %s (key %s): %s", address? address: "?", *key? key: "none", refusal);
        s_zap_reply (self->handler, request_id? request_id: "", "400", refusal, "");
    }
    else {
        ht_debug ("admitted %s as %s on %s", address, principal.name, domain);
        s_zap_reply (self->handler, request_id, "200", "OK", key);
    }
    zstr_free (&version);
    zstr_free (&request_id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&identity);
    zstr_free (&mechanism);
    zframe_destroy (&credential);
    zmsg_destroy (&request);
}

static void
s_zap_actor (zsock_t *pipe, void *args)
{
    ht_zap_t *self = args;
    zpoller_t *poller = zpoller_new (pipe, self->handler, NULL);
    zpoller_set_nonstop (poller, true);
    zsock_signal (pipe, 0);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == pipe)
            break;
        if (which == self->handler)
            s_zap_handle (self);
    }
    zpoller_destroy (&poller);
}

ht_zap_t *
ht_zap_new (ht_principals_t *principals)
{
    ht_zap_t *self = calloc (1, sizeof *self);
    assert (self);
    self->principals = principals;
    self->handler = zsock_new (ZMQ_REP);
    assert (self->handler);
    zsock_set_linger (self->handler, 0);
    if (zsock_bind (self->handler, "inproc://zeromq.zap.01") != 0) {
        ht_error ("cannot start the ZAP handler: %s", zmq_strerror (zmq_errno ()));
        zsock_destroy (&self->handler);
        free (self);
        return NULL;
    }
    self->actor = zactor_new (s_zap_actor, self);
    return self;
}

void
ht_zap_destroy (ht_zap_t **self_p)
{
    ht_zap_t *self = *self_p;
    if (self) {
        zactor_destroy (&self->actor);
        zsock_destroy (&self->handler);
        free (self);
        *self_p = NULL;
    }
}

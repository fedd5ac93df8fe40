/*  hetao-dashboard - the park's live figures on a web page, served to browsers

    A gateway, not a service: it keeps no database. It answers HTTP with
    libmicrohttpd (one thread), asks the reporting service for the figures
    (figures.c), and decides who may look (access.c). The page is static
    files from --web-root (no build step); the JSON API is /api/<view>.
    Every answer carries a strict Content-Security-Policy: scripts, styles
    and data only from this origin, nothing inline.
*/

#include "access.h"
#include "figures.h"

#include "ht_config.h"
#include "ht_log.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#ifndef HT_DASHBOARD_WEB
#   define HT_DASHBOARD_WEB "tools/dashboard/web"
#endif

#define S_COOKIE    "hetao_dashboard"
#define S_BODY_MAX  1024        //  a login form is a token and little else

//  No inline script or style, no other origin, no framing, forms only here.
static const char s_csp [] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

//  The files the page is made of; nothing else under --web-root is served.
//  `open`: served to anyone, because the login page needs them.
typedef struct {
    const char *url, *file, *type;
    bool open;
} s_file_t;

static const s_file_t s_files [] = {
    { "/",           "index.html", "text/html; charset=utf-8",              false },
    { "/index.html", "index.html", "text/html; charset=utf-8",              false },
    { "/app.js",     "app.js",     "text/javascript; charset=utf-8",        false },
    { "/style.css",  "style.css",  "text/css; charset=utf-8",               true },
    { "/login",      "login.html", "text/html; charset=utf-8",              true },
    { NULL }
};

static struct {
    char *listen;
    char *web_root;
    char *reporting_endpoint;
    char *reporting_server_key;
    char *curve_cert;
    char *tokens;
    char *log_level;
    int login_failures;
    int login_window;
    int max_age_ms;
    bool trust_loopback;
} s_settings;

static const ht_option_t s_options [] = {
    { "listen", "HETAO_DASHBOARD_LISTEN", HT_OPT_STRING, &s_settings.listen, "127.0.0.1:7480", 0, 0,
      "IPv4 ADDRESS:PORT to serve HTTP on (beyond 127.0.0.1 only with --tokens)" },
    { "web-root", "HETAO_DASHBOARD_WEB", HT_OPT_STRING, &s_settings.web_root, HT_DASHBOARD_WEB, 0, 0,
      "directory of the page's static files" },
    { "reporting-endpoint", "HETAO_REPORTING_ENDPOINT", HT_OPT_STRING, &s_settings.reporting_endpoint,
      "tcp://127.0.0.1:7401", 0, 0, "the reporting service's request endpoint" },
    { "reporting-server-key", "HETAO_REPORTING_SERVER_KEY", HT_OPT_STRING, &s_settings.reporting_server_key,
      NULL, 0, 0, "the reporting service's public key, Z85 or a certificate file; required" },
    { "curve-cert", "HETAO_CURVE_CERT", HT_OPT_STRING, &s_settings.curve_cert, NULL, 0, 0,
      "the dashboard's own certificate (secret in FILE_secret), a reporting_reader principal; required" },
    { "tokens", "HETAO_DASHBOARD_TOKENS", HT_OPT_STRING, &s_settings.tokens, NULL, 0, 0,
      "the access tokens file (hetaoctl dashboard token); without it nobody from afar gets in" },
    { "trust-loopback", "HETAO_DASHBOARD_TRUST_LOOPBACK", HT_OPT_BOOL, &s_settings.trust_loopback, "true", 0, 0,
      "browsers on this machine (127.0.0.1, ::1) need no token; false behind a proxy on the same host or pod" },
    { "login-failures", "HETAO_DASHBOARD_LOGIN_FAILURES", HT_OPT_INT, &s_settings.login_failures, "5", 1, 1000,
      "failed logins a peer address may make per --login-window" },
    { "login-window", "HETAO_DASHBOARD_LOGIN_WINDOW", HT_OPT_INT, &s_settings.login_window, "60", 1, 86400,
      "seconds over which failed logins are counted" },
    { "max-age-ms", "HETAO_DASHBOARD_MAX_AGE_MS", HT_OPT_INT, &s_settings.max_age_ms, "250", 0, 10000,
      "how long one reply of reporting serves every browser" },
    { "log-level", "HETAO_LOG_LEVEL", HT_OPT_STRING, &s_settings.log_level, "info", 0, 0,
      "debug, info, warn or error" },
    { NULL }
};

typedef struct {
    figures_t *figures;
    access_t *access;
} s_dashboard_t;

//  The body of a POST as it arrives (the login form).
typedef struct {
    size_t size;
    bool too_large;
    char data [S_BODY_MAX + 1];
} s_body_t;

//  ---------------------------------------------------------------------------
//  Answers

//  Queues `body` (taken: freed by libmicrohttpd) with the headers every answer has.
static enum MHD_Result
s_answer (struct MHD_Connection *connection, unsigned status, const char *type, char *body, size_t size,
          const char *set_cookie, const char *location)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (size, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (response, "Content-Type", type);
    MHD_add_response_header (response, "Content-Security-Policy", s_csp);
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (response, "Cache-Control", "no-store");
    if (set_cookie)
        MHD_add_response_header (response, "Set-Cookie", set_cookie);
    if (location)
        MHD_add_response_header (response, "Location", location);
    enum MHD_Result result = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return result;
}

static enum MHD_Result
s_answer_text (struct MHD_Connection *connection, unsigned status, const char *type, const char *text)
{
    return s_answer (connection, status, type, strdup (text), strlen (text), NULL, NULL);
}

//  The bytes of one of the page's files (caller frees), or NULL (logged).
static char *
s_file_read (const s_file_t *file, size_t *size_p)
{
    char path [4200];
    snprintf (path, sizeof path, "%s/%s", s_settings.web_root, file->file);
    FILE *in = fopen (path, "rb");
    if (!in) {
        ht_error ("cannot read %s: %s", path, strerror (errno));
        return NULL;
    }
    char *data = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&data, &size);
    char chunk [16384];
    size_t got;
    while ((got = fread (chunk, 1, sizeof chunk, in)) > 0)
        fwrite (chunk, 1, got, out);
    fclose (in);
    fclose (out);
    *size_p = size;
    return data;
}

//  Serves one of the page's files.
static enum MHD_Result
s_answer_file (struct MHD_Connection *connection, unsigned status, const s_file_t *file)
{
    size_t size;
    char *data = s_file_read (file, &size);
    if (!data)
        return s_answer_text (connection, 500, "text/plain; charset=utf-8", "page file missing\n");
    return s_answer (connection, status, file->type, data, size, NULL, NULL);
}

//  Writes `text` escaped for an HTML attribute in double quotes.
static void
s_write_attribute (FILE *out, const char *text, size_t size)
{
    for (size_t i = 0; i < size; i++)
        switch (text [i]) {
            case '&':  fputs ("&amp;", out);  break;
            case '"':  fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out);  break;
            case '<':  fputs ("&lt;", out);   break;
            case '>':  fputs ("&gt;", out);   break;
            default:   fputc (text [i], out);
        }
}

//  Writes ` data-<attribute>="<JSON of view>"` when reporting answers the view.
static void
s_write_view_attribute (s_dashboard_t *self, FILE *out, const char *attribute, const char *view)
{
    char *json = NULL;
    size_t size = 0;
    FILE *memory = open_memstream (&json, &size);
    int status = figures_view (self->figures, view, memory);
    fclose (memory);
    if (status == 200) {
        fprintf (out, " data-%s=\"", attribute);
        s_write_attribute (out, json, size);
        fputc ('"', out);
    }
    free (json);
}

//  Serves the page with the figures of now on its <body>, as data
//  attributes: the first paint shows them, without waiting for the page's
//  first poll (so does a plain `chromium --headless --screenshot`), and
//  nothing is inlined that the CSP would have to allow.
static enum MHD_Result
s_answer_page (s_dashboard_t *self, struct MHD_Connection *connection, const s_file_t *file)
{
    size_t size;
    char *data = s_file_read (file, &size);
    if (!data)
        return s_answer_text (connection, 500, "text/plain; charset=utf-8", "page file missing\n");
    char *body = strstr (data, "<body");
    if (!body)
        return s_answer (connection, 200, file->type, data, size, NULL, NULL);
    char *page = NULL;
    size_t page_size = 0;
    FILE *out = open_memstream (&page, &page_size);
    size_t before = (size_t) (body - data) + strlen ("<body");
    fwrite (data, 1, before, out);
    s_write_view_attribute (self, out, "overview", "overview");
    s_write_view_attribute (self, out, "sectors", "projects-by-sector");
    s_write_view_attribute (self, out, "funding", "funding");
    s_write_view_attribute (self, out, "customs", "customs");
    s_write_view_attribute (self, out, "space", "space");
    fwrite (data + before, 1, size - before, out);
    fclose (out);
    free (data);
    return s_answer (connection, 200, file->type, page, page_size, NULL, NULL);
}

static const s_file_t *
s_file_find (const char *url)
{
    for (const s_file_t *file = s_files; file->url; file++)
        if (!strcmp (file->url, url))
            return file;
    return NULL;
}

//  The token a request presents: "Authorization: Bearer T", else the cookie.
static const char *
s_presented (struct MHD_Connection *connection)
{
    const char *header = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Authorization");
    if (header && !strncasecmp (header, "Bearer ", 7))
        return header + 7;
    return MHD_lookup_connection_value (connection, MHD_COOKIE_KIND, S_COOKIE);
}

//  The value of `name` in a form body (application/x-www-form-urlencoded),
//  decoded, into `out`; false when absent.
static bool
s_form_value (char *body, const char *name, char *out, size_t size)
{
    size_t length = strlen (name);
    for (char *pair = strtok (body, "&"); pair; pair = strtok (NULL, "&")) {
        if (strncmp (pair, name, length) || pair [length] != '=')
            continue;
        for (char *at = pair + length + 1; *at; at++)
            if (*at == '+')
                *at = ' ';
        size_t decoded = MHD_http_unescape (pair + length + 1);
        if (decoded >= size)
            return false;
        memcpy (out, pair + length + 1, decoded);
        out [decoded] = 0;
        return true;
    }
    return false;
}

//  ---------------------------------------------------------------------------
//  Requests

//  POST /login: a token from the form; right, it goes into a cookie.
static enum MHD_Result
s_login (s_dashboard_t *self, struct MHD_Connection *connection, const struct sockaddr *peer, s_body_t *body)
{
    char token [128] = "", peer_text [46], who [65];
    if (body->too_large || !s_form_value (body->data, "token", token, sizeof token))
        token [0] = 0;
    //  A token too long for any we issue still counts as a failed login.
    if (body->too_large)
        snprintf (token, sizeof token, "-");
    access_result_t result = access_check (self->access, peer, token, peer_text, who);
    if (result == ACCESS_LIMITED)
        return s_answer_file (connection, 429, s_file_find ("/login"));
    if (result == ACCESS_NO_TOKEN || result == ACCESS_REFUSED)
        return s_answer_file (connection, 401, s_file_find ("/login"));
    if (result == ACCESS_GRANTED) {
        ht_log_request_t audit = { .method = "dashboard.login", .status = "OK", .principal = who, .duration_us = -1 };
        ht_log_at (HT_LOG_INFO, &audit, "login: peer %s with the token of %s", peer_text, who);
    }
    //  HttpOnly: no script reads it; SameSite=Strict: no other site sends it.
    char cookie [300];
    snprintf (cookie, sizeof cookie, S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", token);
    return s_answer (connection, 303, "text/plain; charset=utf-8", strdup ("logged in\n"), 11,
                     result == ACCESS_GRANTED? cookie: NULL, "/");
}

static enum MHD_Result
s_request (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **request_p)
{
    s_dashboard_t *self = cls;
    bool post = !strcmp (method, MHD_HTTP_METHOD_POST);
    if (post) {
        //  libmicrohttpd calls again for each piece of the body, then once more with none.
        if (!*request_p) {
            *request_p = calloc (1, sizeof (s_body_t));
            return MHD_YES;
        }
        s_body_t *body = *request_p;
        if (*upload_data_size) {
            if (body->size + *upload_data_size > S_BODY_MAX)
                body->too_large = true;
            else {
                memcpy (body->data + body->size, upload_data, *upload_data_size);
                body->size += *upload_data_size;
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
    }
    else
    if (strcmp (method, MHD_HTTP_METHOD_GET) && strcmp (method, MHD_HTTP_METHOD_HEAD))
        return s_answer_text (connection, 405, "text/plain; charset=utf-8", "GET, HEAD or POST /login\n");

    const struct sockaddr *peer =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)->client_addr;

    //  For probes: says whether reporting answers, and nothing else.
    if (!strcmp (url, "/healthz"))
        return figures_healthy (self->figures)
             ? s_answer_text (connection, 200, "text/plain; charset=utf-8", "ok\n")
             : s_answer_text (connection, 503, "text/plain; charset=utf-8", "reporting does not answer\n");
    if (post)
        return !strcmp (url, "/login")
             ? s_login (self, connection, peer, *request_p)
             : s_answer_text (connection, 405, "text/plain; charset=utf-8", "only POST /login\n");

    const s_file_t *file = s_file_find (url);
    if (file && file->open)
        return s_answer_file (connection, 200, file);
    if (!strcmp (url, "/logout"))
        return s_answer (connection, 303, "text/plain; charset=utf-8", strdup ("logged out\n"), 12,
                         S_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", "/login");

    char peer_text [46], who [65];
    access_result_t result = access_check (self->access, peer, s_presented (connection), peer_text, who);
    bool api = !strncmp (url, "/api/", 5);
    if (result == ACCESS_LIMITED)
        return api? s_answer_text (connection, 429, "application/json", "{\"error\":\"too many failed logins\"}")
                  : s_answer_file (connection, 429, s_file_find ("/login"));
    if (result == ACCESS_NO_TOKEN || result == ACCESS_REFUSED)
        return api? s_answer_text (connection, 401, "application/json", "{\"error\":\"log in with a token\"}")
                  : s_answer_file (connection, 401, s_file_find ("/login"));

    if (file && !strcmp (file->file, "index.html"))
        return s_answer_page (self, connection, file);
    if (file)
        return s_answer_file (connection, 200, file);
    if (api) {
        char *json = NULL;
        size_t size = 0;
        FILE *out = open_memstream (&json, &size);
        int status = figures_view (self->figures, url + 5, out);
        fclose (out);
        return s_answer (connection, status, "application/json", json, size, NULL, NULL);
    }
    return s_answer_text (connection, 404, "text/plain; charset=utf-8", "not found\n");
}

static void
s_request_done (void *cls, struct MHD_Connection *connection, void **request_p,
                enum MHD_RequestTerminationCode code)
{
    free (*request_p);
    *request_p = NULL;
}

//  ---------------------------------------------------------------------------

//  Parses "A.B.C.D:PORT" into `address`; false when it is not that.
static bool
s_listen_parse (const char *text, struct sockaddr_in *address)
{
    char host [64];
    int port;
    char extra;
    memset (address, 0, sizeof *address);
    if (sscanf (text, "%63[0-9.]:%d%c", host, &port, &extra) != 2 || port < 1 || port > 65535)
        return false;
    address->sin_family = AF_INET;
    address->sin_port = htons ((uint16_t) port);
    return inet_pton (AF_INET, host, &address->sin_addr) == 1;
}

int
main (int argc, char **argv)
{
    char error [300];
    switch (ht_config_parse (s_options, argc, argv, 1, NULL, 0, NULL, error, sizeof error)) {
        case HT_CONFIG_HELP:
            ht_config_usage ("Usage: hetao-dashboard [options]", s_options);
            return 0;
        case HT_CONFIG_ERROR:
            fprintf (stderr, "hetao-dashboard: %s\n", error);
            return 2;
        case HT_CONFIG_OK:
            break;
    }
    int level = ht_log_level_parse (s_settings.log_level);
    if (level < 0) {
        fprintf (stderr, "hetao-dashboard: --log-level: debug, info, warn or error\n");
        return 2;
    }
    ht_log_init ("dashboard", (ht_log_level_t) level);
    struct sockaddr_in address;
    if (!s_listen_parse (s_settings.listen, &address)) {
        fprintf (stderr, "hetao-dashboard: --listen: ADDRESS:PORT expected, e.g. 127.0.0.1:7480\n");
        return 2;
    }
    if (!s_settings.curve_cert || !s_settings.reporting_server_key) {
        fprintf (stderr, "hetao-dashboard: %s is required\n",
                 !s_settings.curve_cert? "--curve-cert": "--reporting-server-key");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    s_dashboard_t dashboard = {
        .figures = figures_new (&(figures_options_t) {
            .endpoint = s_settings.reporting_endpoint, .cert = s_settings.curve_cert,
            .server_key = s_settings.reporting_server_key, .max_age_ms = s_settings.max_age_ms,
            .deadline_ms = 2000 }),
        .access = access_new (s_settings.tokens, s_settings.login_failures, s_settings.login_window,
                              s_settings.trust_loopback)
    };
    if (!dashboard.figures)
        return 1;
    //  One thread answers every connection: figures and access need no locks.
    struct MHD_Daemon *daemon = MHD_start_daemon (
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, s_request, &dashboard,
        MHD_OPTION_SOCK_ADDR, &address,
        MHD_OPTION_NOTIFY_COMPLETED, s_request_done, NULL,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned) 256,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) 32,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 30,
        MHD_OPTION_END);
    if (!daemon) {
        ht_error ("cannot serve HTTP on %s", s_settings.listen);
        figures_destroy (&dashboard.figures);
        access_destroy (&dashboard.access);
        return 1;
    }
    ht_info ("serving http://%s/ with the figures of %s%s%s", s_settings.listen, s_settings.reporting_endpoint,
             s_settings.tokens? "": "; no --tokens: only this machine gets in",
             s_settings.trust_loopback? "": "; every browser needs a token, this machine's too");
    //  CZMQ's signal handler sets zsys_interrupted on SIGINT and SIGTERM.
    while (!zsys_interrupted)
        zclock_sleep (100);
    ht_info ("stopping");
    MHD_stop_daemon (daemon);
    figures_destroy (&dashboard.figures);
    access_destroy (&dashboard.access);
    return 0;
}

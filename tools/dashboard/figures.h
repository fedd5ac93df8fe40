/*  figures - the park's figures as the dashboard's JSON views, asked of reporting

    The dashboard is a reporting client like any other: it calls
    reporting.Overview over ZeroMQ + CURVE with its own key (a principal with
    the reporting_reader role) and turns the reply into the small JSON views
    the page reads. A reply is reused for a short while, so any number of
    browsers polling costs reporting at most a few calls a second.
*/
#ifndef FIGURES_H_INCLUDED
#define FIGURES_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>

typedef struct _figures_t figures_t;

typedef struct {
    const char *endpoint;       //  reporting's request endpoint
    const char *cert;           //  the dashboard's CURVE certificate (secret in <file>_secret)
    const char *server_key;     //  reporting's public key, Z85 or a certificate file
    int max_age_ms;             //  how long one Overview reply serves every view
    int deadline_ms;            //  one call to reporting, all attempts
} figures_options_t;

//  Figures from the reporting service. NULL (logged) when the certificate
//  or the server key cannot be read. Caller owns the result.
figures_t *figures_new (const figures_options_t *options);
void figures_destroy (figures_t **self_p);

//  Writes the JSON of view `name` ("overview", "projects-by-sector",
//  "funding", "customs", "space") to `out`. Returns the HTTP status: 200;
//  404 for a view there is not; 502 when reporting refused the call and 504
//  when it did not answer (then `out` holds {"error": ...}).
int figures_view (figures_t *self, const char *name, FILE *out);

//  True when reporting answers (for /healthz).
bool figures_healthy (figures_t *self);

#endif

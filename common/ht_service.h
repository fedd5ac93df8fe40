/*  ht_service - what a service is, and the main() every service shares

    A service is data: its name, method table, statements, migrations,
    constraint meanings and event streams. ht_service_main does the rest:
    configuration, logging, migrations, the request server, the outbox relay,
    the consumers of other services' streams and clean shutdown. A service's
    main.c is one call.
*/
#ifndef HT_SERVICE_H_INCLUDED
#define HT_SERVICE_H_INCLUDED

#include "ht_call.h"
#include "ht_config.h"
#include "ht_consumer.h"
#include "ht_db.h"
#include "ht_job.h"

//  At most this many query tables per service.
#define HT_QUERY_TABLES_MAX 32

typedef struct {
    const char *name;                       //  "registry": log field, method prefix, database role
    const ht_route_t *routes;               //  ends with { NULL }
    const ht_query_t *const *queries;       //  one table per domain file, each ending with
                                            //  { NULL }; the list ends with NULL
    const ht_migration_t *migrations;       //  ends with { 0, NULL }
    const ht_constraint_t *const *constraints;  //  one table per domain file, each ending
                                            //  with { NULL }; the list ends with NULL
    const char *const *streams;             //  event streams it owns; ends with NULL
    int default_port;                       //  requests; events on default_port + 1
    const ht_option_t *options;             //  the service's own settings, parsed and shown by
                                            //  --help with the common ones; ends with { NULL };
                                            //  may be NULL
    const ht_consumer_spec_t *const *consumers;  //  streams of other services it follows
                                            //  (ht_consumer.h); ends with NULL; may be NULL
    const ht_job_t *jobs;                   //  work the service does on its own, outside
                                            //  any request (ht_job.h); ends with { NULL }; may be NULL
    const char *read_model_schema;          //  when set, the service's own migrations are read
                                            //  models of the streams it follows: they are made in
                                            //  this schema, which every connection puts first on
                                            //  its search path, and can be rebuilt from the
                                            //  streams (ht_rebuild.h); NULL: public
} ht_service_t;

//  Runs the service until SIGTERM or SIGINT, then finishes the requests in
//  flight and returns the process exit code (0 after a clean shutdown, 2 for
//  bad configuration, 1 when it could not start).
int ht_service_main (const ht_service_t *service, int argc, char **argv);

#endif

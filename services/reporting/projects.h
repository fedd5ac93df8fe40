/*  projects - the registry's projects as the figures count them  */
#ifndef PROJECTS_H_INCLUDED
#define PROJECTS_H_INCLUDED

#include "ht_call.h"
#include "ht_consumer.h"

extern const ht_query_t projects_queries [];

//  Applies a registry.project.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn projects_apply;

//  reporting.ProjectsBySector (its statements: projects_report_queries).
extern const ht_query_t projects_report_queries [];
ht_handler_fn projects_by_sector;

#endif

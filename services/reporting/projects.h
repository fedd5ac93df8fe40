/*  projects - the registry's projects as the figures count them  */
#ifndef PROJECTS_H_INCLUDED
#define PROJECTS_H_INCLUDED

#include "ht_consumer.h"

extern const ht_query_t projects_queries [];

//  Applies a registry.project.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn projects_apply;

#endif

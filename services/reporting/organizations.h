/*  organizations - the registry's organizations as the figures count them  */
#ifndef ORGANIZATIONS_H_INCLUDED
#define ORGANIZATIONS_H_INCLUDED

#include "ht_consumer.h"

extern const ht_query_t organizations_queries [];

//  Applies a registry.organization.* event (ht_consumer_apply_fn).
ht_consumer_apply_fn organizations_apply;

#endif

/*  routes - every method the registry answers, and what the registry is  */
#ifndef ROUTES_H_INCLUDED
#define ROUTES_H_INCLUDED

#include "ht_service.h"

extern const ht_service_t registry_service;

#endif

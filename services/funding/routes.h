/*  routes - every method the funding service answers, and what the service is  */
#ifndef ROUTES_H_INCLUDED
#define ROUTES_H_INCLUDED

#include "ht_service.h"

extern const ht_service_t funding_service;

#endif

/*  routes - every method customs answers, and what the customs service is  */
#ifndef ROUTES_H_INCLUDED
#define ROUTES_H_INCLUDED

#include "ht_service.h"

extern const ht_service_t customs_service;

#endif

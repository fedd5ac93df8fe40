/*  routes - every method reporting answers, and what reporting is  */
#ifndef ROUTES_H_INCLUDED
#define ROUTES_H_INCLUDED

#include "ht_service.h"

extern const ht_service_t reporting_service;

#endif

/*  report - what every `hetaoctl report` command prints alike  */
#ifndef REPORT_H_INCLUDED
#define REPORT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hetao/v1/reporting.pb-c.h"

//  A duration in seconds as hours with two places, rounded half up ("26.50").
void report_hours (char *out, size_t size, int64_t seconds);

//  One line per stream: "as of registry #42, applied <time>, lag 3 ms".
void report_as_of_print (FILE *out, Hetao__V1__StreamAsOf **as_of, size_t count);

//  The members "as_of":{stream: sequence} and "lag_ms":{stream: ms} of a
//  JSON object being printed on stdout (no comma before or after).
void report_as_of_json (Hetao__V1__StreamAsOf **as_of, size_t count);

#endif

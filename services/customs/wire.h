/*  wire - what customs adds to ht_row: dates in Asia/Shanghai and optional instants  */
#ifndef WIRE_H_INCLUDED
#define WIRE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "ht_call.h"
#include "ht_row.h"

//  SQL: the date in Asia/Shanghai of microseconds in parameter $n.
#define US_TO_DATE(n) "((" HT_SQL_FROM_US (n) " AT TIME ZONE 'Asia/Shanghai')::date)"

//  Sets *has when column `column` of `row` is not NULL, and *value to its integer (0 for NULL).
void wire_opt_int (const PGresult *result, int row, int column, protobuf_c_boolean *has, int64_t *value);

//  True for a real calendar date written YYYY-MM-DD; records a violation of `field` otherwise.
bool wire_check_date (ht_call_t *call, const char *field, const char *text);

#endif

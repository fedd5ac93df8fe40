/*  stream - the streams reporting follows, and what every apply shares  */
#ifndef STREAM_H_INCLUDED
#define STREAM_H_INCLUDED

#include "ht_call.h"
#include "ht_consumer.h"
#include "hetao/v1/reporting.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

//  Every consumer of reporting, one per followed stream; ends with NULL.
extern const ht_consumer_spec_t *const stream_consumers [];

//  The statements reports use to say how far each stream is applied.
extern const ht_query_t stream_queries [];

//  Sets `*list` and `*count` to one StreamAsOf per followed stream (in the
//  call's arena), 0 throughout for a stream not applied yet: a report's
//  "as of" and lag. False when the query failed (the call has failed).
//  The report reads its figures and this in one snapshot (ht_call_snapshot
//  before its first query): otherwise a batch applied between the two
//  reads makes the figures older than the positions they claim.
bool stream_as_of (ht_call_t *call, Hetao__V1__StreamAsOf ***list, size_t *count);

//  The key of enum `value` in the event's arena; `fallback` when absent or
//  UNSPECIFIED (read models keep 'none' rather than NULL, so it is counted).
const char *stream_key (ht_consumer_tx_t *tx, const ProtobufCEnumDescriptor *type, bool present,
                        int value, const char *fallback);

//  Logs that `event` carries no complete `what` and will not be counted;
//  returns true (an apply function's "applied": the stream goes on).
bool stream_unreadable (const Hetao__V1__Event *event, const char *what);

//  "true" or "false".
const char *stream_bool (bool value);

#endif

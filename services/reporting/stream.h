/*  stream - the streams reporting follows, and what every apply shares  */
#ifndef STREAM_H_INCLUDED
#define STREAM_H_INCLUDED

#include "ht_consumer.h"

#include <stdbool.h>

//  Every consumer of reporting, one per followed stream; ends with NULL.
extern const ht_consumer_spec_t *const stream_consumers [];

//  The key of enum `value` in the event's arena; `fallback` when absent or
//  UNSPECIFIED (read models keep 'none' rather than NULL, so it is counted).
const char *stream_key (ht_consumer_tx_t *tx, const ProtobufCEnumDescriptor *type, bool present,
                        int value, const char *fallback);

//  "true" or "false".
const char *stream_bool (bool value);

#endif

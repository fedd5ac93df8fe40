/*  settings - the customs service's own settings, and its clock

    Flags after the runtime's (hetao-customs --help). The test clock is a
    test-only setting: never set in production.
*/
#ifndef SETTINGS_H_INCLUDED
#define SETTINGS_H_INCLUDED

#include <stdint.h>

#include "ht_call.h"
#include "ht_config.h"

extern const ht_option_t customs_options [];

//  Days after resolution within which a case may be reopened.
int customs_reopen_days (void);

//  Share of yellow declarations sent to random inspection, per mille.
int customs_inspection_per_mille (void);

//  The seed of the inspection draw: --inspection-seed, or one chosen at
//  random when the process starts.
uint64_t customs_inspection_seed (void);

//  "Now" for everything customs stamps and every deadline it checks: the
//  call's time plus the test clock's offset (0 unless --test-clock-file).
int64_t customs_now_us (ht_call_t *call);

#endif

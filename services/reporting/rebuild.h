/*  rebuild - reporting.Rebuild and reporting.GetRebuild  */
#ifndef REBUILD_H_INCLUDED
#define REBUILD_H_INCLUDED

#include "ht_call.h"

//  Starts a rebuild of every read model (common/ht_rebuild.h); answers with it running.
ht_handler_fn rebuild_start;

//  The rebuild running, or the last one this replica ran.
ht_handler_fn rebuild_get;

#endif

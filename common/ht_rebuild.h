/*  ht_rebuild - read models rebuilt from the streams, then switched in one step

    A service that keeps read models of the streams it follows
    (ht_service_t.read_model_schema, "report" for reporting) keeps them in a
    schema of their own. A rebuild makes a fresh generation beside it: a new
    schema "<schema>_next" made by the same migrations, filled by replaying
    every followed stream from its start (system.ReadEvents) through the same
    apply functions as live consumption, while the live schema keeps
    answering. Then, in one transaction that holds every stream's checkpoint
    row (which pauses live apply for that long), it applies what came
    meanwhile, moves a checkpoint that the replay passed, and renames the
    live schema away and the new one into its place. The old one is dropped.

    Because the new schema is made by running every migration of the
    service, every read model takes part; there is no list of tables to keep.

    One rebuild at a time per database: the thread holds a session advisory
    lock for its whole run, so a second request, on this replica or another,
    is refused. The request returns at once; the outcome is asked for with
    ht_rebuild_status (kept by the process that ran it).
*/
#ifndef HT_REBUILD_H_INCLUDED
#define HT_REBUILD_H_INCLUDED

#include "ht_call.h"

#include <stdint.h>

#define HT_REBUILD_STREAMS_MAX 16

typedef enum {
    HT_REBUILD_NONE,                //  no rebuild has run in this process
    HT_REBUILD_RUNNING,
    HT_REBUILD_SWITCHED,            //  the new read models answer now
    HT_REBUILD_FAILED               //  the old ones still answer; nothing changed
} ht_rebuild_state_t;

typedef struct {
    char stream [64];
    uint64_t old_sequence;          //  the live position when the rebuild began
    uint64_t new_sequence;          //  the new read models' position when they took over
    uint64_t events;                //  events replayed into them
} ht_rebuild_stream_t;

typedef struct {
    ht_rebuild_state_t state;
    char phase [16];                //  "preparing", "replaying", "switching", "done"
    int64_t started_at_us;          //  wall clock
    int64_t finished_at_us;         //  0 while running
    char requested_by [128];        //  the principal that asked
    size_t n_streams;
    ht_rebuild_stream_t streams [HT_REBUILD_STREAMS_MAX];
    char error [512];               //  why it failed
} ht_rebuild_status_t;

//  Starts rebuilding the read models of the calling service in a thread of
//  its own, and returns once the rebuild holds its lock. False, with the
//  call failed (FAILED_PRECONDITION saying what runs), when a rebuild runs
//  already, here or on another replica, or the service keeps no read models.
bool ht_rebuild_start (ht_call_t *call);

//  Copies the state of the rebuild running, or last run, in this process.
void ht_rebuild_status (ht_rebuild_status_t *status);

#endif

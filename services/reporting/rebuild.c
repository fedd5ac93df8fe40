/*  rebuild - reporting.Rebuild and reporting.GetRebuild

    The read models are rebuilt from the streams by the runtime
    (common/ht_rebuild.c: a new schema beside the live one, filled by replay,
    switched in one transaction). Reporting's part is the wire: it starts
    one, and tells how the one running or last run stands.
*/

#include "rebuild.h"
#include "ht_rebuild.h"
#include "ht_text.h"
#include "hetao/v1/reporting.pb-c.h"

//  The status as a reply, in the call's arena.
static void
s_reply (ht_call_t *call, const ht_rebuild_status_t *status)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__RebuildReply *reply = ht_arena_alloc (arena, sizeof *reply);
    hetao__v1__rebuild_reply__init (reply);
    static const Hetao__V1__RebuildState s_states [] = {
        [HT_REBUILD_NONE] = HETAO__V1__REBUILD_STATE__REBUILD_STATE_NONE,
        [HT_REBUILD_RUNNING] = HETAO__V1__REBUILD_STATE__REBUILD_STATE_RUNNING,
        [HT_REBUILD_SWITCHED] = HETAO__V1__REBUILD_STATE__REBUILD_STATE_SWITCHED,
        [HT_REBUILD_FAILED] = HETAO__V1__REBUILD_STATE__REBUILD_STATE_FAILED,
    };
    reply->has_state = true;
    reply->state = s_states [status->state];
    if (status->state == HT_REBUILD_NONE) {
        ht_call_reply (call, &reply->base);
        return;
    }
    reply->phase = ht_arena_strdup (arena, status->phase);
    reply->has_started_at_us = reply->has_finished_at_us = true;
    reply->started_at_us = status->started_at_us;
    reply->finished_at_us = status->finished_at_us;
    reply->has_duration_ms = true;
    reply->duration_ms = ((status->finished_at_us? status->finished_at_us: ht_now_us ())
                          - status->started_at_us) / 1000;
    reply->requested_by = ht_arena_strdup (arena, status->requested_by);
    if (status->error [0])
        reply->error = ht_arena_strdup (arena, status->error);
    reply->streams = ht_arena_alloc (arena, (status->n_streams + 1) * sizeof (void *));
    for (size_t i = 0; i < status->n_streams; i++) {
        Hetao__V1__RebuildStream *stream = ht_arena_alloc (arena, sizeof *stream);
        hetao__v1__rebuild_stream__init (stream);
        stream->stream = ht_arena_strdup (arena, status->streams [i].stream);
        stream->has_old_sequence = stream->has_new_sequence = stream->has_events = true;
        stream->old_sequence = status->streams [i].old_sequence;
        stream->new_sequence = status->streams [i].new_sequence;
        stream->events = status->streams [i].events;
        reply->streams [reply->n_streams++] = stream;
    }
    ht_call_reply (call, &reply->base);
}

void
rebuild_start (ht_call_t *call, const ProtobufCMessage *message)
{
    (void) message;
    if (!ht_rebuild_start (call))
        return;
    ht_rebuild_status_t status;
    ht_rebuild_status (&status);
    s_reply (call, &status);
}

void
rebuild_get (ht_call_t *call, const ProtobufCMessage *message)
{
    (void) message;
    ht_rebuild_status_t status;
    ht_rebuild_status (&status);
    s_reply (call, &status);
}

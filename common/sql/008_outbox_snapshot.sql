-- The relay numbers a transaction's events as soon as it has committed,
-- whatever else still runs. It used to number only transactions below a
-- horizon (the oldest transaction that could still write here), so one slow
-- or stalled transaction held back every event committed after it began.
-- Now ht_stream keeps the snapshot of the last pass that numbered rows
-- (`numbered`): every row of a transaction visible in it is numbered, and
-- none of one that it does not see (but those of the band in progress:
-- `band`, `band_after`; see ht_outbox.c).

ALTER TABLE ht_stream
    ADD COLUMN numbered pg_snapshot NOT NULL DEFAULT '1:1:',
    ADD COLUMN band     pg_snapshot;

-- "Every transaction below numbered_below" is the snapshot that sees
-- exactly those (xid 0 is none: a snapshot starts at 1); a band in progress
-- keeps its end the same way.
UPDATE ht_stream
   SET numbered = (greatest(numbered_below, '1')::text || ':' || greatest(numbered_below, '1')::text || ':')::pg_snapshot,
       band = (band_end::text || ':' || band_end::text || ':')::pg_snapshot;

ALTER TABLE ht_stream
    DROP COLUMN numbered_below,
    DROP COLUMN band_end;

-- Events are numbered without rewriting their outbox rows. The relay used to
-- UPDATE each ht_outbox row to set its sequence: a second copy of the whole
-- row (payload included), new entries in its indexes, and a dead row for
-- vacuum. Now it inserts one narrow row per event into ht_outbox_seq, and
-- finds the events still to number by their writing transaction: every row
-- whose txid is below ht_stream.numbered_below is numbered, none above it is
-- (but those of the band in progress: band_end, band_after; see ht_outbox.c).

CREATE TABLE ht_outbox_seq (
    stream    text   NOT NULL,
    seq       bigint NOT NULL CHECK (seq > 0),
    outbox_id bigint NOT NULL,
    PRIMARY KEY (stream, seq)
);

ALTER TABLE ht_stream
    ADD COLUMN numbered_below xid8   NOT NULL DEFAULT '0',
    ADD COLUMN band_end       xid8,
    ADD COLUMN band_after     bigint NOT NULL DEFAULT 0;

-- The relay reads the rows of a band of transaction ids.
CREATE INDEX ht_outbox_txid ON ht_outbox (stream, txid);

-- Numbers given so far move to the new table.
INSERT INTO ht_outbox_seq (stream, seq, outbox_id)
    SELECT stream, seq, id FROM ht_outbox WHERE seq IS NOT NULL;

-- Rows the relay had not numbered yet, of transactions that have all ended
-- (below this snapshot's oldest running transaction, or below a transaction
-- the relay had already passed), are numbered here in id order, after the
-- numbered ones, as the relay would have. The rest it numbers when it runs.
CREATE TEMPORARY TABLE s_below ON COMMIT DROP AS
    SELECT s.stream,
           greatest(pg_snapshot_xmin(pg_current_snapshot()),
                    coalesce((SELECT (max(txid::text::bigint) + 1)::text::xid8 FROM ht_outbox o
                               WHERE o.stream = s.stream AND o.seq IS NOT NULL), '0')) AS below
      FROM (SELECT stream FROM ht_stream UNION SELECT DISTINCT stream FROM ht_outbox) s;
INSERT INTO ht_stream (stream) SELECT stream FROM s_below ON CONFLICT DO NOTHING;
INSERT INTO ht_outbox_seq (stream, seq, outbox_id)
    SELECT o.stream, t.last_seq + row_number() OVER (PARTITION BY o.stream ORDER BY o.id), o.id
      FROM ht_outbox o JOIN s_below b USING (stream) JOIN ht_stream t USING (stream)
     WHERE o.seq IS NULL AND o.txid < b.below;
UPDATE ht_stream t SET numbered_below = b.below,
       last_seq = greatest(t.last_seq, coalesce((SELECT max(seq) FROM ht_outbox_seq q WHERE q.stream = t.stream), 0))
  FROM s_below b WHERE b.stream = t.stream;

-- The old column goes, and with it UNIQUE (stream, seq) and the partial
-- index of unnumbered rows: both were written for every event.
ALTER TABLE ht_outbox DROP COLUMN seq;

-- Events with their numbers, for people and tests (NULL: not numbered yet).
CREATE VIEW ht_event AS
    SELECT o.id, o.stream, q.seq, o.txid, o.type, o.aggregate_id, o.request_id, o.payload, o.occurred_at
      FROM ht_outbox o LEFT JOIN ht_outbox_seq q ON q.outbox_id = o.id;

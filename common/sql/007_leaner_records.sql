-- Leaner records: the runtime's rows are written on every mutating request,
-- so what each costs beyond the row itself is cut where no query needs it.
-- Nothing here changes a column, a key or what a query returns.

-- Append-only indexes whose keys only grow (audit and outbox ids from their
-- sequences, event numbers, transaction ids): every insert lands on the
-- rightmost leaf, and a split there keeps fillfactor percent on the left
-- page, which no later key ever fills. 100 instead of btree's 90 leaves
-- full pages behind: a tenth fewer pages to split, write, cache and vacuum.
ALTER INDEX ht_audit_pkey      SET (fillfactor = 100);
ALTER INDEX ht_outbox_pkey     SET (fillfactor = 100);
ALTER INDEX ht_outbox_txid     SET (fillfactor = 100);
ALTER INDEX ht_outbox_seq_pkey SET (fillfactor = 100);

-- The purge (DELETE ... WHERE created_at < ...) reads every page range the
-- BRIN index has not summarized yet, and without autosummarize ranges are
-- summarized only by VACUUM: between two vacuums of a large table the purge
-- would read its whole recent tail every minute. Each range is now
-- summarized as soon as it is full.
ALTER INDEX ht_idempotency_created_at SET (autosummarize = on);

-- An event's payload and a stored reply are written once and read whole
-- (by the relay, ReadEvents and a replay). Above about 2 kB PostgreSQL
-- would first compress them (protobuf compresses little) and then move
-- them to the TOAST table: a second heap row and a TOAST index entry per
-- record, and a detour on every read. Rows up to a full page stay inline.
ALTER TABLE ht_outbox      SET (toast_tuple_target = 8160);
ALTER TABLE ht_idempotency SET (toast_tuple_target = 8160);

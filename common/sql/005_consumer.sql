-- Streams of other services this service follows (common/ht_consumer.c):
-- the last sequence applied, advanced in the transaction that applies it.
CREATE TABLE ht_checkpoint (
    stream     text        PRIMARY KEY,
    last_seq   bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    applied_at timestamptz NOT NULL DEFAULT now()
);

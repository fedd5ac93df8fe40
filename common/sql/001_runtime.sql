-- The runtime's tables, in every service's database.

-- One row per mutating request that committed, for 72 hours by default
-- (--idempotency-ttl-hours): a repeat of the key returns `reply`.
CREATE TABLE ht_idempotency (
    key          text        PRIMARY KEY,
    method       text        NOT NULL,
    request_hash bytea       NOT NULL,      -- sha256 of the request payload
    reply        bytea,                     -- the method's reply payload; set before commit
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ht_idempotency_created_at ON ht_idempotency (created_at);

-- Event streams a service owns, and the last sequence the relay gave out.
CREATE TABLE ht_stream (
    stream   text   PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
);

-- The outbox: events written in the transaction of the change that caused
-- them. `seq` stays NULL until the relay numbers the row (see ht_outbox.c).
CREATE TABLE ht_outbox (
    id           bigserial   PRIMARY KEY,
    stream       text        NOT NULL,
    seq          bigint,
    txid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type         text        NOT NULL,
    aggregate_id text        NOT NULL,
    request_id   text        NOT NULL,
    payload      bytea       NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream, seq)
);
CREATE INDEX ht_outbox_unnumbered ON ht_outbox (stream, id) WHERE seq IS NULL;

-- An idempotency key belongs to the principal that sent it: another
-- principal's same key is a different request and never sees this reply.
-- Rows stored before this migration belong to no principal ('') and so are
-- never matched again; they expire with the TTL like any other.
ALTER TABLE ht_idempotency ADD COLUMN principal_key text NOT NULL DEFAULT '';
ALTER TABLE ht_idempotency DROP CONSTRAINT ht_idempotency_pkey;
ALTER TABLE ht_idempotency ADD PRIMARY KEY (principal_key, key);
ALTER TABLE ht_idempotency ALTER COLUMN principal_key DROP DEFAULT;

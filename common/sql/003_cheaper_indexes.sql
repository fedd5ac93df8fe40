-- Every mutating request writes an idempotency row and an audit row; their
-- secondary indexes are paid on every write and read rarely.
-- Rows arrive in time order, so a BRIN index finds expired idempotency
-- records for the purge at a fraction of a btree's upkeep.
DROP INDEX ht_idempotency_created_at;
CREATE INDEX ht_idempotency_created_at ON ht_idempotency USING brin (created_at);
-- Audit reads filter by principal (kept) or by method; a method filter walks
-- the trail in id order instead.
DROP INDEX ht_audit_method;

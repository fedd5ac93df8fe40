-- The audit trail: one row per mutating request. A change writes its row
-- in its own transaction; a refused or replayed request writes one alone.
CREATE TABLE ht_audit (
    id              bigserial   PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    principal_key   text        NOT NULL,
    principal_name  text        NOT NULL,
    method          text        NOT NULL,
    request_id      text        NOT NULL,
    idempotency_key text,
    status          text        NOT NULL,
    message         text        NOT NULL DEFAULT ''
);
CREATE INDEX ht_audit_principal ON ht_audit (principal_name, id);
CREATE INDEX ht_audit_method ON ht_audit (method, id);

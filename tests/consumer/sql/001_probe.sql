-- Every event the probe's consumer applied, one row per application: a
-- sequence that appears twice was applied twice.
CREATE TABLE probe_applied (
    seq        bigint      NOT NULL,
    type       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The organizations and projects funding has learnt of from the registry:
-- only what its rules need (status, region, participants).
CREATE TABLE party_organization (
    id         uuid        PRIMARY KEY,
    status     text        NOT NULL,
    region     text        NOT NULL,
    version    bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE party_project (
    id              uuid        PRIMARY KEY,
    status          text        NOT NULL,
    lead_id         uuid        NOT NULL,
    participant_ids uuid[]      NOT NULL,
    version         bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

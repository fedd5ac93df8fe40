-- Researchers: only what the workflows need (no identity-document numbers).
-- The ORCID iD is stored in its canonical hyphenated form.
CREATE TABLE researcher (
    id              uuid        PRIMARY KEY,
    name            text        NOT NULL CHECK (name <> ''),
    region          text        NOT NULL CHECK (region IN ('mainland', 'hong_kong', 'macao', 'overseas')),
    organization_id uuid        NOT NULL REFERENCES organization (id),
    orcid           text        CHECK (orcid ~ '^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$'),
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    status_reason   text,
    version         bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT researcher_orcid_key UNIQUE (orcid)
);

CREATE INDEX researcher_organization ON researcher (organization_id);
CREATE INDEX researcher_region ON researcher (region);
CREATE INDEX researcher_name ON researcher USING gin (name gin_trgm_ops);

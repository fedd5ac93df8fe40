-- Organizations of the park. Enum columns hold the protocol's enum keys
-- (see common/ht_enum.h); the CHECKs keep the table honest if anything but
-- the service ever writes to it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organization (
    id                uuid        PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('research_institute', 'university',
                                      'enterprise', 'platform_laboratory', 'government_agency', 'other')),
    name_zh           text        CHECK (name_zh <> ''),
    name_en           text        CHECK (name_en <> ''),
    region            text        NOT NULL CHECK (region IN ('mainland', 'hong_kong', 'macao', 'overseas')),
    registration_type text        NOT NULL CHECK (registration_type IN ('uscc', 'hk_br', 'other')),
    registration_id   text        NOT NULL,
    sectors           text[]      NOT NULL DEFAULT '{}',
    major_platform    boolean     NOT NULL DEFAULT false,
    status            text        NOT NULL DEFAULT 'active'
                                  CHECK (status IN ('active', 'suspended', 'withdrawn')),
    status_reason     text,
    version           bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT organization_has_a_name CHECK (name_zh IS NOT NULL OR name_en IS NOT NULL),
    CONSTRAINT organization_registration_id_key UNIQUE (registration_id)
);

CREATE INDEX organization_kind ON organization (kind);
CREATE INDEX organization_region ON organization (region);
CREATE INDEX organization_status ON organization (status);
CREATE INDEX organization_sectors ON organization USING gin (sectors);
CREATE INDEX organization_names ON organization
    USING gin ((coalesce(name_zh, '') || ' ' || coalesce(name_en, '')) gin_trgm_ops);

INSERT INTO ht_stream (stream) VALUES ('registry') ON CONFLICT DO NOTHING;

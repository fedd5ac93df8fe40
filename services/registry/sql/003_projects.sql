-- Projects and the organizations taking part in them. Enum columns hold the
-- protocol's enum keys (common/ht_enum.h). The lead is also a participant
-- (role 'lead', position 0) so that "any participant" is one index lookup.
CREATE TABLE project (
    id                   uuid        PRIMARY KEY,
    title_zh             text        CHECK (title_zh <> ''),
    title_en             text        CHECK (title_en <> ''),
    lead_organization_id uuid        NOT NULL REFERENCES organization (id),
    origin               text        NOT NULL CHECK (origin IN ('hk_university', 'park_platform',
                                         'enterprise_rnd', 'other')),
    sector               text        NOT NULL CHECK (sector IN ('information_technology',
                                         'quantum_technology', 'biopharmaceuticals', 'artificial_intelligence',
                                         'microelectronics', 'new_materials', 'medical_devices',
                                         'financial_technology', 'robotics', 'other')),
    high_end             boolean     NOT NULL DEFAULT false,
    status               text        NOT NULL DEFAULT 'proposed'
                                     CHECK (status IN ('proposed', 'active', 'completed', 'terminated')),
    status_reason        text,
    start_date           date,
    end_date             date,
    version              bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT project_has_a_title CHECK (title_zh IS NOT NULL OR title_en IS NOT NULL),
    CONSTRAINT project_end_after_start CHECK (end_date > start_date),
    CONSTRAINT project_terminated_has_a_reason CHECK (status <> 'terminated' OR status_reason IS NOT NULL)
);

CREATE INDEX project_lead ON project (lead_organization_id);
CREATE INDEX project_sector ON project (sector);
CREATE INDEX project_status ON project (status);
CREATE INDEX project_title_zh ON project USING gin (title_zh gin_trgm_ops);
CREATE INDEX project_title_en ON project USING gin (title_en gin_trgm_ops);

CREATE TABLE project_participant (
    project_id      uuid NOT NULL REFERENCES project (id),
    organization_id uuid NOT NULL REFERENCES organization (id),
    role            text NOT NULL CHECK (role IN ('lead', 'partner', 'funder')),
    position        int  NOT NULL CHECK (position >= 0),
    PRIMARY KEY (project_id, organization_id),
    CONSTRAINT project_participant_position_key UNIQUE (project_id, position),
    CONSTRAINT project_participant_lead_first CHECK ((role = 'lead') = (position = 0))
);

CREATE INDEX project_participant_organization ON project_participant (organization_id);

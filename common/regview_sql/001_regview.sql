-- The registry's organizations and projects as this service knows them
-- (common/ht_regview.c), fed by the registry stream. Never written by
-- handlers; a row is replaced only by a newer version of it.
CREATE TABLE regview_organization (
    id             uuid        PRIMARY KEY,
    kind           text        NOT NULL,
    region         text        NOT NULL,
    status         text        NOT NULL,
    major_platform boolean     NOT NULL DEFAULT false,
    name_zh        text,
    name_en        text,
    version        bigint      NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE regview_project (
    id                   uuid        PRIMARY KEY,
    lead_organization_id uuid,
    sector               text,
    origin               text,
    status               text        NOT NULL,
    high_end             boolean     NOT NULL DEFAULT false,
    title_zh             text,
    title_en             text,
    version              bigint      NOT NULL,
    applied_at           timestamptz NOT NULL DEFAULT now()
);

-- Every organization of a project and its role; the lead is listed too.
CREATE TABLE regview_participant (
    project_id      uuid    NOT NULL REFERENCES regview_project (id) ON DELETE CASCADE,
    organization_id uuid    NOT NULL,
    role            text    NOT NULL,
    position        integer NOT NULL,
    PRIMARY KEY (project_id, organization_id)
);
CREATE INDEX regview_participant_organization ON regview_participant (organization_id);

-- Large facilities, their instruments, and researchers' access requests.
-- A scheduled request books [booked_from, booked_until) on its instrument;
-- the exclusion constraint keeps two bookings of one instrument from ever
-- overlapping, however many requests are scheduled at the same moment.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE facility (
    id                       uuid        PRIMARY KEY,
    name                     text        NOT NULL CHECK (name <> ''),
    operator_organization_id uuid        NOT NULL REFERENCES organization (id),
    description              text        CHECK (description <> ''),
    version                  bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL
);

CREATE INDEX facility_operator ON facility (operator_organization_id);
CREATE INDEX facility_name ON facility USING gin (name gin_trgm_ops);

CREATE TABLE instrument (
    id            uuid        PRIMARY KEY,
    facility_id   uuid        NOT NULL REFERENCES facility (id),
    name          text        NOT NULL CHECK (name <> ''),
    description   text        CHECK (description <> ''),
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    status_reason text,
    version       bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT instrument_name_key UNIQUE (facility_id, name)
);

CREATE TABLE access_request (
    id              uuid        PRIMARY KEY,
    researcher_id   uuid        NOT NULL REFERENCES researcher (id),
    instrument_id   uuid        NOT NULL REFERENCES instrument (id),
    facility_id     uuid        NOT NULL REFERENCES facility (id),
    organization_id uuid        NOT NULL REFERENCES organization (id),
    hours           integer     NOT NULL CHECK (hours BETWEEN 1 AND 8760),
    approved_hours  integer     CHECK (approved_hours BETWEEN 1 AND hours),
    purpose         text        NOT NULL CHECK (purpose <> ''),
    status          text        NOT NULL CHECK (status IN ('draft', 'submitted', 'approved',
                                    'rejected', 'scheduled', 'completed', 'cancelled')),
    status_reason   text,
    booked_from     timestamptz,
    booked_until    timestamptz,
    version         bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT access_request_booking_length CHECK (
        (booked_from IS NULL AND booked_until IS NULL)
        OR booked_until = booked_from + approved_hours * interval '1 hour'),
    CONSTRAINT access_request_booked_when_scheduled CHECK (
        status NOT IN ('scheduled', 'completed') OR booked_from IS NOT NULL),
    CONSTRAINT access_request_booking_overlap EXCLUDE USING gist (
        instrument_id WITH =, tstzrange (booked_from, booked_until, '[)') WITH &&)
        WHERE (status IN ('scheduled', 'completed'))
);

CREATE INDEX access_request_organization ON access_request (organization_id);
CREATE INDEX access_request_researcher ON access_request (researcher_id);
CREATE INDEX access_request_instrument ON access_request (instrument_id);

-- Customs assistance: routing, cases and their deadlines, the white list,
-- declarations and their lanes. Enum columns hold the protocol's enum keys
-- (see common/ht_enum.h); organization ids are the registry's and are
-- checked with the registry, not by a foreign key.

CREATE TABLE officer (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9._-]{1,64}$'),
    name       text        NOT NULL CHECK (name <> ''),
    team       text        NOT NULL CHECK (team ~ '^[a-z0-9._-]{1,64}$'),
    active     boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- category [+ priority] -> team + officer; priority '' is the category's rule for any priority.
CREATE TABLE routing_rule (
    category   text        NOT NULL,
    priority   text        NOT NULL DEFAULT '' CHECK (priority IN ('', 'urgent', 'high', 'normal', 'low')),
    team       text        NOT NULL CHECK (team ~ '^[a-z0-9._-]{1,64}$'),
    officer    text        NOT NULL REFERENCES officer (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category, priority)
);

CREATE TABLE assistance_case (
    id                uuid        PRIMARY KEY,
    organization_id   uuid        NOT NULL,
    category          text        NOT NULL CHECK (category IN ('registration_filing', 'account_establishment',
                                      'research_goods_import', 'biological_samples', 'hand_carried',
                                      'duties_and_tax', 'other')),
    priority          text        NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    description       text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('open', 'triaged', 'in_progress',
                                      'waiting_on_requester', 'resolved', 'closed')),
    team              text        NOT NULL,
    officer           text        NOT NULL REFERENCES officer (id),
    first_response_at timestamptz,
    resolved_at       timestamptz,
    closed_at         timestamptz,
    version           bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX assistance_case_organization ON assistance_case (organization_id, created_at);
CREATE INDEX assistance_case_created ON assistance_case (created_at);

-- Two deadlines per case. The breach timer claims due rows with
-- FOR UPDATE SKIP LOCKED and sets breached_at; meeting a deadline sets met_at.
CREATE TABLE case_deadline (
    case_id     uuid        NOT NULL REFERENCES assistance_case (id),
    kind        text        NOT NULL CHECK (kind IN ('first_response', 'resolution')),
    due_at      timestamptz NOT NULL,
    met_at      timestamptz,
    breached_at timestamptz,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX case_deadline_pending ON case_deadline (due_at) WHERE met_at IS NULL AND breached_at IS NULL;

CREATE TABLE case_note (
    id         uuid        PRIMARY KEY,
    case_id    uuid        NOT NULL REFERENCES assistance_case (id),
    author     text        NOT NULL,
    by_officer boolean     NOT NULL,
    text       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX case_note_case ON case_note (case_id, created_at);

CREATE TABLE whitelist_entry (
    id                  uuid        PRIMARY KEY,
    organization_id     uuid        NOT NULL,
    categories          text[]      NOT NULL CHECK (cardinality(categories) BETWEEN 1 AND 5),
    valid_from          date        NOT NULL,
    valid_until         date        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
    revoked_reason      text,
    revoked_at          timestamptz,
    relist_barred_until date,
    created_at          timestamptz NOT NULL,
    CONSTRAINT whitelist_entry_period CHECK (valid_until > valid_from),
    CONSTRAINT whitelist_entry_revocation CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
-- One active listing per organization at a time.
CREATE UNIQUE INDEX whitelist_entry_one_active ON whitelist_entry (organization_id) WHERE status = 'active';
CREATE INDEX whitelist_entry_organization ON whitelist_entry (organization_id, created_at);

-- A line of `category` (with biological risk or not) puts its declaration at least in `lane`.
CREATE TABLE lane_rule (
    category        text        NOT NULL CHECK (category IN ('instruments', 'reagents', 'consumables',
                                    'samples', 'biological_materials')),
    biological_risk boolean     NOT NULL,
    lane            text        NOT NULL CHECK (lane IN ('green', 'yellow', 'red')),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category, biological_risk)
);

CREATE TABLE centralised_declaration (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL,
    month           date        NOT NULL CHECK (extract(day FROM month) = 1),
    created_at      timestamptz NOT NULL,
    CONSTRAINT centralised_declaration_month_key UNIQUE (organization_id, month)
);

CREATE TABLE declaration (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('stored', 'registered', 'assessed', 'held',
                                    'released', 'refused')),
    lane            text        CHECK (lane IN ('green', 'yellow', 'red')),
    lane_reason     text,
    officer         text,
    centralised_id  uuid        REFERENCES centralised_declaration (id),
    status_reason   text,
    fast_track      boolean     NOT NULL DEFAULT false,
    registered_at   timestamptz,
    version         bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT declaration_lane_on_registration CHECK ((status = 'stored') = (lane IS NULL))
);
CREATE INDEX declaration_organization ON declaration (organization_id, registered_at);

CREATE TABLE declaration_line (
    declaration_id  uuid        NOT NULL REFERENCES declaration (id),
    line_no         int         NOT NULL,
    hs_code         text        NOT NULL CHECK (hs_code ~ '^[0-9]{6,10}$'),
    description     text        NOT NULL,
    quantity        numeric(15, 3) NOT NULL CHECK (quantity > 0),
    unit            text        NOT NULL,
    value_minor     bigint      NOT NULL CHECK (value_minor >= 0),
    currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    origin_country  text        NOT NULL CHECK (origin_country ~ '^[A-Z]{2}$'),
    category        text        NOT NULL,
    biological_risk boolean     NOT NULL,
    PRIMARY KEY (declaration_id, line_no)
);

-- A desk per team, and a rule for every category so that every case is
-- assigned from the first day; officers and rules change at run time.
INSERT INTO officer (id, name, team) VALUES
    ('registration.desk', 'Registration and accounts desk', 'enterprise_services'),
    ('goods.desk',        'Research goods desk',            'research_goods'),
    ('quarantine.desk',   'Quarantine approval desk',       'quarantine'),
    ('duty.desk',         'Duties and general desk',        'general');
INSERT INTO routing_rule (category, team, officer) VALUES
    ('registration_filing',   'enterprise_services', 'registration.desk'),
    ('account_establishment', 'enterprise_services', 'registration.desk'),
    ('research_goods_import', 'research_goods',      'goods.desk'),
    ('biological_samples',    'quarantine',          'quarantine.desk'),
    ('hand_carried',          'research_goods',      'goods.desk'),
    ('duties_and_tax',        'general',             'duty.desk'),
    ('other',                 'general',             'duty.desk');
-- Biological risk means physical inspection unless an officer rules otherwise.
INSERT INTO lane_rule (category, biological_risk, lane) VALUES
    ('instruments', true, 'red'), ('reagents', true, 'red'), ('consumables', true, 'red'),
    ('samples', true, 'red'), ('biological_materials', true, 'red');

INSERT INTO ht_stream (stream) VALUES ('customs') ON CONFLICT DO NOTHING;

-- Funding: programmes, calls, applications, reviews, awards, tranches,
-- disbursements and the double-entry journal. Money is bigint minor units
-- (fen) beside its ISO 4217 code; the CHECKs hold the invariants that must
-- survive concurrency (no budget below zero, nothing paid past an award)
-- even if anything but the service ever wrote here.

CREATE TABLE programme (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL CHECK (name <> ''),
    agency_id   uuid        NOT NULL,
    currency    text        NOT NULL CHECK (currency = 'CNY'),
    budget      bigint      NOT NULL CHECK (budget >= 0),
    available   bigint      NOT NULL,
    committed   bigint      NOT NULL,
    paid        bigint      NOT NULL,
    starts_on   date        NOT NULL,
    ends_on     date        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('open', 'closed')),
    status_reason text,
    version     bigint      NOT NULL CHECK (version >= 1),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT programme_available_not_negative CHECK (available >= 0),
    CONSTRAINT programme_committed_not_negative CHECK (committed >= 0),
    CONSTRAINT programme_paid_not_negative CHECK (paid >= 0),
    CONSTRAINT programme_balances CHECK (available + committed + paid = budget),
    CONSTRAINT programme_period CHECK (ends_on > starts_on)
);

CREATE TABLE funding_call (
    id           uuid        PRIMARY KEY,
    programme_id uuid        NOT NULL REFERENCES programme (id),
    name         text        NOT NULL CHECK (name <> ''),
    opens_at     timestamptz NOT NULL,
    closes_at    timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT funding_call_period CHECK (closes_at > opens_at),
    CONSTRAINT funding_call_name_key UNIQUE (programme_id, name)
);
CREATE INDEX funding_call_programme ON funding_call (programme_id);

CREATE TABLE application (
    id              uuid        PRIMARY KEY,
    call_id         uuid        NOT NULL REFERENCES funding_call (id),
    programme_id    uuid        NOT NULL REFERENCES programme (id),
    organization_id uuid        NOT NULL,
    project_id      uuid        NOT NULL,
    currency        text        NOT NULL CHECK (currency = 'CNY'),
    amount          bigint      NOT NULL CHECK (amount > 0),
    status          text        NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review',
                                    'approved', 'rejected', 'withdrawn')),
    status_reason   text,
    review_count    integer     NOT NULL DEFAULT 0 CHECK (review_count >= 0),
    score_total     integer     NOT NULL DEFAULT 0 CHECK (score_total >= 0),
    version         bigint      NOT NULL CHECK (version >= 1),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX application_call ON application (call_id);
CREATE INDEX application_organization ON application (organization_id);

CREATE TABLE application_line (
    application_id uuid   NOT NULL REFERENCES application (id),
    category       text   NOT NULL CHECK (category IN ('personnel', 'equipment', 'consumables',
                              'travel', 'other')),
    amount         bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (application_id, category)
);

CREATE TABLE review (
    id                       uuid        PRIMARY KEY,
    application_id           uuid        NOT NULL REFERENCES application (id),
    reviewer_key             text        NOT NULL,
    reviewer_name            text        NOT NULL,
    reviewer_organization_id uuid,
    score                    integer     NOT NULL CHECK (score BETWEEN 1 AND 10),
    comment                  text        NOT NULL,
    created_at               timestamptz NOT NULL,
    CONSTRAINT review_once_per_reviewer UNIQUE (application_id, reviewer_key)
);

CREATE TABLE award (
    id              uuid        PRIMARY KEY,
    application_id  uuid        NOT NULL REFERENCES application (id),
    programme_id    uuid        NOT NULL REFERENCES programme (id),
    organization_id uuid        NOT NULL,
    project_id      uuid        NOT NULL,
    currency        text        NOT NULL CHECK (currency = 'CNY'),
    amount          bigint      NOT NULL CHECK (amount > 0),
    in_payment      bigint      NOT NULL DEFAULT 0 CHECK (in_payment >= 0),
    paid            bigint      NOT NULL DEFAULT 0 CHECK (paid >= 0),
    version         bigint      NOT NULL CHECK (version >= 1),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT award_application_key UNIQUE (application_id),
    CONSTRAINT award_not_overpaid CHECK (in_payment + paid <= amount)
);
CREATE INDEX award_programme ON award (programme_id);
CREATE INDEX award_organization ON award (organization_id);

CREATE TABLE tranche (
    award_id uuid   NOT NULL REFERENCES award (id),
    position integer NOT NULL CHECK (position >= 1),
    due_on   date   NOT NULL,
    amount   bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (award_id, position),
    CONSTRAINT tranche_due_once UNIQUE (award_id, due_on)
);

CREATE TABLE disbursement (
    id             uuid        PRIMARY KEY,
    award_id       uuid        NOT NULL REFERENCES award (id),
    programme_id   uuid        NOT NULL REFERENCES programme (id),
    currency       text        NOT NULL CHECK (currency = 'CNY'),
    amount         bigint      NOT NULL CHECK (amount > 0),
    payee_currency text        NOT NULL CHECK (payee_currency IN ('CNY', 'HKD', 'MOP')),
    rate           numeric     NOT NULL CHECK (rate > 0),
    rate_text      text        NOT NULL,
    payee_amount   bigint      NOT NULL CHECK (payee_amount >= 0),
    status         text        NOT NULL CHECK (status IN ('requested', 'approved', 'paid', 'failed')),
    status_reason  text,
    version        bigint      NOT NULL CHECK (version >= 1),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX disbursement_award ON disbursement (award_id);

-- The journal: every movement of money is one entry of lines that sum to
-- zero. Accounts per programme: source (the agency's appropriation, negative
-- by the budget), available, committed, in_payment, paid. A line's amount is
-- signed: positive into the account, negative out of it.
CREATE TABLE journal_entry (
    id           uuid        PRIMARY KEY,
    programme_id uuid        NOT NULL REFERENCES programme (id),
    kind         text        NOT NULL CHECK (kind IN ('budget', 'budget_adjustment', 'award',
                                 'disbursement_requested', 'disbursement_paid', 'disbursement_failed')),
    reference_id uuid        NOT NULL,
    currency     text        NOT NULL CHECK (currency = 'CNY'),
    created_at   timestamptz NOT NULL
);
CREATE INDEX journal_entry_programme ON journal_entry (programme_id);

CREATE TABLE journal_line (
    entry_id     uuid    NOT NULL REFERENCES journal_entry (id),
    line         integer NOT NULL,
    programme_id uuid    NOT NULL REFERENCES programme (id),
    account      text    NOT NULL CHECK (account IN ('source', 'available', 'committed',
                             'in_payment', 'paid')),
    award_id     uuid    REFERENCES award (id),
    amount       bigint  NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (entry_id, line)
);
CREATE INDEX journal_line_programme ON journal_line (programme_id, account);
CREATE INDEX journal_line_award ON journal_line (award_id) WHERE award_id IS NOT NULL;

INSERT INTO ht_stream (stream) VALUES ('funding') ON CONFLICT DO NOTHING;

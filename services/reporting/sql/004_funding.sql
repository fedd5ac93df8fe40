-- Funding in CNY: programme budgets, award amounts (committed), disbursements
-- paid, and of those the ones paid across the boundary (payee currency other
-- than the programme's). Minor units (fen); other currencies are not summed.

CREATE TABLE report_programme (
    id           uuid   PRIMARY KEY,
    currency     text   NOT NULL,
    budget_minor bigint NOT NULL,
    version      bigint NOT NULL
);

CREATE FUNCTION report_programme_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.currency = 'CNY' THEN
        PERFORM report_bump ('funds_budget_cny_fen', '', -OLD.budget_minor);
    END IF;
    IF NEW.currency = 'CNY' THEN
        PERFORM report_bump ('funds_budget_cny_fen', '', NEW.budget_minor);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_programme_figures AFTER INSERT OR UPDATE ON report_programme
    FOR EACH ROW EXECUTE FUNCTION report_programme_changed ();

CREATE TABLE report_award (
    id           uuid   PRIMARY KEY,
    currency     text   NOT NULL,
    amount_minor bigint NOT NULL,
    version      bigint NOT NULL
);

CREATE FUNCTION report_award_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.currency = 'CNY' THEN
        PERFORM report_bump ('funds_committed_cny_fen', '', -OLD.amount_minor);
    END IF;
    IF NEW.currency = 'CNY' THEN
        PERFORM report_bump ('funds_committed_cny_fen', '', NEW.amount_minor);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_award_figures AFTER INSERT OR UPDATE ON report_award
    FOR EACH ROW EXECUTE FUNCTION report_award_changed ();

CREATE TABLE report_disbursement (
    id             uuid    PRIMARY KEY,
    currency       text    NOT NULL,
    amount_minor   bigint  NOT NULL,
    paid           boolean NOT NULL,
    cross_boundary boolean NOT NULL,
    version        bigint  NOT NULL
);

CREATE FUNCTION report_disbursement_figures (d report_disbursement, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF d.paid AND d.currency = 'CNY' THEN
        PERFORM report_bump ('funds_paid_cny_fen', '', sign * d.amount_minor);
        IF d.cross_boundary THEN
            PERFORM report_bump ('funds_paid_cross_boundary_cny_fen', '', sign * d.amount_minor);
        END IF;
    END IF;
END $$;

CREATE FUNCTION report_disbursement_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_disbursement_figures (OLD, -1);
    END IF;
    PERFORM report_disbursement_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_disbursement_figures AFTER INSERT OR UPDATE ON report_disbursement
    FOR EACH ROW EXECUTE FUNCTION report_disbursement_changed ();

-- Figures over time: projects registered per park day and sector, and per
-- programme the amounts committed and paid per park day. Kept by triggers as
-- the entity rows change, so a report over any window sums a few rows per
-- day, never the events. Days are calendar days in the park's time zone.

CREATE FUNCTION report_park_day (us bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (to_timestamp (us / 1000000.0) AT TIME ZONE 'Asia/Shanghai')::date
$$;

-- ---------------------------------------------------------------------------
-- Projects: each counts once, on the day it was registered, under its sector
-- and high-end mark as they are now (a change moves it between rows).
ALTER TABLE report_project ADD COLUMN registered_on date;

CREATE TABLE report_project_day (
    day        date   NOT NULL,
    sector     text   NOT NULL,
    registered bigint NOT NULL DEFAULT 0,
    high_end   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, sector)
);

CREATE FUNCTION report_project_day_bump (p report_project, sign bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_project_day AS d (day, sector, registered, high_end)
    SELECT p.registered_on, p.sector, sign, CASE WHEN p.high_end THEN sign ELSE 0 END
     WHERE p.registered_on IS NOT NULL
    ON CONFLICT (day, sector) DO UPDATE SET registered = d.registered + EXCLUDED.registered,
                                            high_end = d.high_end + EXCLUDED.high_end
$$;

CREATE FUNCTION report_project_day_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_project_day_bump (OLD, -1);
    END IF;
    PERFORM report_project_day_bump (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_project_days AFTER INSERT OR UPDATE ON report_project
    FOR EACH ROW EXECUTE FUNCTION report_project_day_changed ();

-- ---------------------------------------------------------------------------
-- Funding per programme, in the programme's currency: an award commits its
-- amount on the day it was made; a disbursement counts as paid (and across
-- the boundary when paid in another currency) on the day it was paid.
ALTER TABLE report_programme ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE report_award ADD COLUMN programme_id uuid, ADD COLUMN committed_on date;
ALTER TABLE report_disbursement ADD COLUMN programme_id uuid, ADD COLUMN paid_on date;

CREATE TABLE report_funding_day (
    programme_id              uuid   NOT NULL,
    day                       date   NOT NULL,
    committed_minor           bigint NOT NULL DEFAULT 0,
    paid_minor                bigint NOT NULL DEFAULT 0,
    paid_cross_boundary_minor bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, day)
);

CREATE FUNCTION report_funding_day_bump (p_programme uuid, p_day date, p_committed bigint, p_paid bigint,
                                         p_cross bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_funding_day AS f (programme_id, day, committed_minor, paid_minor, paid_cross_boundary_minor)
    SELECT p_programme, p_day, p_committed, p_paid, p_cross WHERE p_programme IS NOT NULL AND p_day IS NOT NULL
    ON CONFLICT (programme_id, day) DO UPDATE SET
        committed_minor = f.committed_minor + EXCLUDED.committed_minor,
        paid_minor = f.paid_minor + EXCLUDED.paid_minor,
        paid_cross_boundary_minor = f.paid_cross_boundary_minor + EXCLUDED.paid_cross_boundary_minor
$$;

CREATE FUNCTION report_award_day_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_funding_day_bump (OLD.programme_id, OLD.committed_on, -OLD.amount_minor, 0, 0);
    END IF;
    PERFORM report_funding_day_bump (NEW.programme_id, NEW.committed_on, NEW.amount_minor, 0, 0);
    RETURN NULL;
END $$;

CREATE TRIGGER report_award_days AFTER INSERT OR UPDATE ON report_award
    FOR EACH ROW EXECUTE FUNCTION report_award_day_changed ();

CREATE FUNCTION report_disbursement_day_bump (d report_disbursement, sign bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT report_funding_day_bump (d.programme_id, d.paid_on, 0, sign * d.amount_minor,
                                    CASE WHEN d.cross_boundary THEN sign * d.amount_minor ELSE 0 END)
     WHERE d.paid
$$;

CREATE FUNCTION report_disbursement_day_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_disbursement_day_bump (OLD, -1);
    END IF;
    PERFORM report_disbursement_day_bump (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_disbursement_days AFTER INSERT OR UPDATE ON report_disbursement
    FOR EACH ROW EXECUTE FUNCTION report_disbursement_day_changed ();

-- ---------------------------------------------------------------------------
-- A report's window, [from, until) in park days; an absent end is open.
CREATE FUNCTION report_window_from (us bigint) RETURNS date
LANGUAGE sql STABLE AS $$ SELECT coalesce (report_park_day (us), '-infinity'::date) $$;

CREATE FUNCTION report_window_until (us bigint) RETURNS date
LANGUAGE sql STABLE AS $$ SELECT coalesce (report_park_day (us), 'infinity'::date) $$;

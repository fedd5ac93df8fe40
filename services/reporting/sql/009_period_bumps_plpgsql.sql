-- The period tables' helpers (migration 006), unchanged in what they do, in
-- PL/pgSQL instead of SQL, for the reason migration 007 gave report_bump: a
-- SQL-language function called from a PL/pgSQL trigger is parsed, analysed
-- and planned again on every call; PL/pgSQL prepares its statements once per
-- connection. Each runs for every project, award and disbursement applied.
-- report_park_day and the window functions stay SQL: they are single
-- expressions the planner inlines into the statements that call them.

CREATE OR REPLACE FUNCTION report_project_day_bump (p report_project, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p.registered_on IS NOT NULL THEN
        INSERT INTO report_project_day AS d (day, sector, registered, high_end)
        VALUES (p.registered_on, p.sector, sign, CASE WHEN p.high_end THEN sign ELSE 0 END)
        ON CONFLICT (day, sector) DO UPDATE SET registered = d.registered + EXCLUDED.registered,
                                                high_end = d.high_end + EXCLUDED.high_end;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION report_funding_day_bump (p_programme uuid, p_day date, p_committed bigint,
                                                    p_paid bigint, p_cross bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_programme IS NOT NULL AND p_day IS NOT NULL THEN
        INSERT INTO report_funding_day AS f (programme_id, day, committed_minor, paid_minor,
                                             paid_cross_boundary_minor)
        VALUES (p_programme, p_day, p_committed, p_paid, p_cross)
        ON CONFLICT (programme_id, day) DO UPDATE SET
            committed_minor = f.committed_minor + EXCLUDED.committed_minor,
            paid_minor = f.paid_minor + EXCLUDED.paid_minor,
            paid_cross_boundary_minor = f.paid_cross_boundary_minor + EXCLUDED.paid_cross_boundary_minor;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION report_disbursement_day_bump (d report_disbursement, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF d.paid THEN
        PERFORM report_funding_day_bump (d.programme_id, d.paid_on, 0, sign * d.amount_minor,
                                         CASE WHEN d.cross_boundary THEN sign * d.amount_minor ELSE 0 END);
    END IF;
END $$;

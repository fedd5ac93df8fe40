-- report_bump, unchanged in what it does, in PL/pgSQL instead of SQL.
-- The triggers call it for every figure an event moves; a SQL-language
-- function called from PL/pgSQL is parsed, analysed and planned again on
-- every call, which took most of the database's time per event applied
-- (bench/reporting). PL/pgSQL prepares its statement once per connection.
CREATE OR REPLACE FUNCTION report_bump (p_name text, p_key text, p_delta bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_figure AS f (name, key, value) VALUES (p_name, p_key, p_delta)
    ON CONFLICT (name, key) DO UPDATE SET value = f.value + EXCLUDED.value;
END $$;

-- A change that moves no figure bumps none. The triggers used to take the
-- old row's figures out and put the new row's in, two bumps per figure even
-- when they cancel (an organization renamed, a project moved from proposed
-- to active, a booking completed). Same figures, fewer statements; a figure
-- at 0 may now have no row at all, which the overview shows alike (it
-- leaves out every figure at 0).

CREATE OR REPLACE FUNCTION report_organization_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.status, OLD.kind, OLD.major_platform) IS NOT DISTINCT FROM
           (NEW.status, NEW.kind, NEW.major_platform) THEN
            RETURN NULL;
        END IF;
        PERFORM report_organization_figures (OLD, -1);
    END IF;
    PERFORM report_organization_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_project_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.status, OLD.sector, OLD.origin, OLD.high_end) IS NOT DISTINCT FROM
           (NEW.status, NEW.sector, NEW.origin, NEW.high_end) THEN
            RETURN NULL;
        END IF;
        -- Only the status moved, between two statuses that both count.
        IF (OLD.sector, OLD.origin, OLD.high_end) IS NOT DISTINCT FROM (NEW.sector, NEW.origin, NEW.high_end)
           AND OLD.status <> 'terminated' AND NEW.status <> 'terminated' THEN
            PERFORM report_bump ('projects_by_status', OLD.status, -1);
            PERFORM report_bump ('projects_by_status', NEW.status, 1);
            RETURN NULL;
        END IF;
        PERFORM report_project_figures (OLD, -1);
    END IF;
    PERFORM report_project_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_researcher_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.region = NEW.region THEN
        IF NEW.booked_hours <> OLD.booked_hours THEN
            PERFORM report_bump ('facility_hours_by_region', NEW.region, NEW.booked_hours - OLD.booked_hours);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.booked_hours <> 0 THEN
        PERFORM report_bump ('facility_hours_by_region', OLD.region, -OLD.booked_hours);
    END IF;
    IF NEW.booked_hours <> 0 THEN
        PERFORM report_bump ('facility_hours_by_region', NEW.region, NEW.booked_hours);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_access_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.researcher_id = NEW.researcher_id THEN
        -- The same researcher: only the difference in hours moves.
        IF NEW.booked_hours <> OLD.booked_hours THEN
            INSERT INTO report_researcher AS r (id, region, booked_hours, version)
            VALUES (NEW.researcher_id, 'none', NEW.booked_hours - OLD.booked_hours, 0)
            ON CONFLICT (id) DO UPDATE SET booked_hours = r.booked_hours + EXCLUDED.booked_hours;
        END IF;
    ELSE
        IF TG_OP = 'UPDATE' AND OLD.booked_hours <> 0 THEN
            UPDATE report_researcher SET booked_hours = booked_hours - OLD.booked_hours
             WHERE id = OLD.researcher_id;
        END IF;
        IF NEW.booked_hours <> 0 THEN
            INSERT INTO report_researcher AS r (id, region, booked_hours, version)
            VALUES (NEW.researcher_id, 'none', NEW.booked_hours, 0)
            ON CONFLICT (id) DO UPDATE SET booked_hours = r.booked_hours + EXCLUDED.booked_hours;
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR OLD.status <> NEW.status THEN
        PERFORM report_bump ('access_requests_by_status', NEW.status, 1);
        IF TG_OP = 'UPDATE' THEN
            PERFORM report_bump ('access_requests_by_status', OLD.status, -1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_park_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.status, OLD.area_x100) IS NOT DISTINCT FROM (NEW.status, NEW.area_x100) THEN
            RETURN NULL;
        END IF;
        PERFORM report_park_figures (OLD, -1);
    END IF;
    PERFORM report_park_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_allocation_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.in_force, OLD.area_x100) IS NOT DISTINCT FROM (NEW.in_force, NEW.area_x100) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.in_force THEN
        PERFORM report_bump ('space_allocated_m2_x100', '', -OLD.area_x100);
    END IF;
    IF NEW.in_force THEN
        PERFORM report_bump ('space_allocated_m2_x100', '', NEW.area_x100);
    END IF;
    RETURN NULL;
END $$;

-- Facility hours by the region researchers live in now: each researcher's
-- region and booked hours, and each access request's booked hours. A booking
-- moves its researcher's hours; a researcher who moves region carries them.

CREATE TABLE report_researcher (
    id           uuid   PRIMARY KEY,
    region       text   NOT NULL,
    booked_hours bigint NOT NULL DEFAULT 0,
    version      bigint NOT NULL            -- 0 while only its bookings are known
);

-- Hours booked (scheduled or completed) on facilities, by region.
CREATE FUNCTION report_researcher_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_bump ('facility_hours_by_region', OLD.region, -OLD.booked_hours);
    END IF;
    PERFORM report_bump ('facility_hours_by_region', NEW.region, NEW.booked_hours);
    RETURN NULL;
END $$;

CREATE TRIGGER report_researcher_figures AFTER INSERT OR UPDATE ON report_researcher
    FOR EACH ROW EXECUTE FUNCTION report_researcher_changed ();

CREATE TABLE report_access (
    id            uuid   PRIMARY KEY,
    researcher_id uuid   NOT NULL,
    status        text   NOT NULL,
    booked_hours  bigint NOT NULL,         -- 0 unless scheduled or completed
    version       bigint NOT NULL
);

CREATE FUNCTION report_access_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.booked_hours <> 0 THEN
        UPDATE report_researcher SET booked_hours = booked_hours - OLD.booked_hours
         WHERE id = OLD.researcher_id;
    END IF;
    IF NEW.booked_hours <> 0 THEN
        INSERT INTO report_researcher AS r (id, region, booked_hours, version)
        VALUES (NEW.researcher_id, 'none', NEW.booked_hours, 0)
        ON CONFLICT (id) DO UPDATE SET booked_hours = r.booked_hours + EXCLUDED.booked_hours;
    END IF;
    PERFORM report_bump ('access_requests_by_status', NEW.status, 1);
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_bump ('access_requests_by_status', OLD.status, -1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_access_figures AFTER INSERT OR UPDATE ON report_access
    FOR EACH ROW EXECUTE FUNCTION report_access_changed ();

-- Customs, from its stream: assistance cases, white-list entries and
-- declarations, one row each, and the figures their triggers keep.

-- ---------------------------------------------------------------------------
-- Assistance cases. A case is resolved when its status is resolved or closed
-- (closing follows resolving); resolution_us is then the time from opening
-- to resolution. A recorded breach stays recorded, as customs keeps it.
CREATE TABLE report_case (
    id                      uuid    PRIMARY KEY,
    category                text    NOT NULL,       -- a CaseCategory key, 'none' when unset
    status                  text    NOT NULL,
    opened_at_us            bigint  NOT NULL,
    resolution_us           bigint,                 -- NULL unless resolved
    first_response_breached boolean NOT NULL,
    resolution_breached     boolean NOT NULL,
    version                 bigint  NOT NULL,
    CHECK ((resolution_us IS NOT NULL) = (status IN ('resolved', 'closed')))
);

-- The customs report's window is on the opening time; the overview's median
-- walks the resolution times in order.
CREATE INDEX report_case_opened ON report_case (opened_at_us);
CREATE INDEX report_case_resolution ON report_case (resolution_us) WHERE resolution_us IS NOT NULL;

CREATE FUNCTION report_case_figures (c report_case, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF c.resolution_us IS NOT NULL THEN
        PERFORM report_bump ('customs_cases_resolved', '', sign);
        PERFORM report_bump ('customs_cases_resolved_by_category', c.category, sign);
    ELSE
        PERFORM report_bump ('customs_cases_open', '', sign);
        PERFORM report_bump ('customs_cases_open_by_category', c.category, sign);
    END IF;
    IF c.first_response_breached OR c.resolution_breached THEN
        PERFORM report_bump ('customs_deadline_breaches', '',
                             sign * (c.first_response_breached::int + c.resolution_breached::int));
    END IF;
END $$;

CREATE FUNCTION report_case_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_case_figures (OLD, -1);
    END IF;
    PERFORM report_case_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_case_figures AFTER INSERT OR UPDATE ON report_case
    FOR EACH ROW EXECUTE FUNCTION report_case_changed ();

-- ---------------------------------------------------------------------------
-- White-list entries. At most one is active per organization (customs'
-- rule); whether it counts today depends on its period, so the overview
-- counts the active entries whose period covers today when it is asked
-- (a few rows: one per organization at most).
CREATE TABLE report_whitelist (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    status          text NOT NULL,                  -- active, revoked, expired
    valid_from      date NOT NULL,
    valid_until     date NOT NULL                   -- exclusive
);

CREATE INDEX report_whitelist_active ON report_whitelist (organization_id) WHERE status = 'active';

-- ---------------------------------------------------------------------------
-- Declarations, by the lane they are in now ('none' until registered).
CREATE TABLE report_declaration (
    id      uuid   PRIMARY KEY,
    lane    text   NOT NULL,
    version bigint NOT NULL
);

CREATE FUNCTION report_declaration_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.lane <> 'none' THEN
        PERFORM report_bump ('declarations_by_lane', OLD.lane, -1);
    END IF;
    IF NEW.lane <> 'none' THEN
        PERFORM report_bump ('declarations_by_lane', NEW.lane, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_declaration_figures AFTER INSERT OR UPDATE ON report_declaration
    FOR EACH ROW EXECUTE FUNCTION report_declaration_changed ();

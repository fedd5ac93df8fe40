-- Reporting's read models: the current state of each entity the figures
-- count, and the figures themselves, kept incrementally. A trigger on each
-- entity table moves the figures by the difference between a row's old and
-- new state, so the overview reads a handful of counters, never history.

-- Every figure: `name` (major_platforms, projects_by_sector, ...) and, for a
-- breakdown, `key` (a sector, a status); '' for a single number.
CREATE TABLE report_figure (
    name  text   NOT NULL,
    key   text   NOT NULL DEFAULT '',
    value bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (name, key)
);

-- Moves figure (name, key) by delta.
CREATE FUNCTION report_bump (p_name text, p_key text, p_delta bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_figure AS f (name, key, value) VALUES (p_name, p_key, p_delta)
    ON CONFLICT (name, key) DO UPDATE SET value = f.value + EXCLUDED.value
$$;

-- How far each followed stream has been applied, and when its last event
-- happened at the source: the overview's "as of" and lag.
CREATE TABLE report_stream (
    stream         text        PRIMARY KEY,
    last_sequence  bigint      NOT NULL,
    occurred_at_us bigint      NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- The registry's organizations, as far as the figures need them.
CREATE TABLE report_organization (
    id             uuid    PRIMARY KEY,
    kind           text    NOT NULL,
    region         text    NOT NULL,
    status         text    NOT NULL,
    major_platform boolean NOT NULL,
    version        bigint  NOT NULL
);

CREATE FUNCTION report_organization_figures (o report_organization, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF o.status = 'active' THEN
        PERFORM report_bump ('organizations_by_kind', o.kind, sign);
        IF o.major_platform THEN
            PERFORM report_bump ('major_platforms', '', sign);
        END IF;
    END IF;
END $$;

CREATE FUNCTION report_organization_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_organization_figures (OLD, -1);
    END IF;
    PERFORM report_organization_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_organization_figures AFTER INSERT OR UPDATE ON report_organization
    FOR EACH ROW EXECUTE FUNCTION report_organization_changed ();

-- ---------------------------------------------------------------------------
-- The registry's projects.
CREATE TABLE report_project (
    id       uuid    PRIMARY KEY,
    sector   text    NOT NULL,          -- 'none' when the project has none
    origin   text    NOT NULL,          -- 'none' likewise
    status   text    NOT NULL,
    high_end boolean NOT NULL,
    version  bigint  NOT NULL
);

CREATE FUNCTION report_project_figures (p report_project, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_bump ('projects_by_status', p.status, sign);
    IF p.status <> 'terminated' THEN
        PERFORM report_bump ('projects_total', '', sign);
        PERFORM report_bump ('projects_by_sector', p.sector, sign);
        IF p.high_end THEN
            PERFORM report_bump ('projects_high_end', '', sign);
            PERFORM report_bump ('projects_high_end_by_sector', p.sector, sign);
        END IF;
        IF p.origin = 'hk_university' THEN
            PERFORM report_bump ('hk_university_projects', '', sign);
        END IF;
    END IF;
END $$;

CREATE FUNCTION report_project_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_project_figures (OLD, -1);
    END IF;
    PERFORM report_project_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_project_figures AFTER INSERT OR UPDATE ON report_project
    FOR EACH ROW EXECUTE FUNCTION report_project_changed ();

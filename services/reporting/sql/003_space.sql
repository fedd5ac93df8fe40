-- Industrial parks and the space in them: each park's status and area, each
-- allocation's area while it is in force (not ended). Areas in hundredths of m².

CREATE TABLE report_park (
    id         uuid   PRIMARY KEY,
    status     text   NOT NULL,
    area_x100  bigint NOT NULL,
    version    bigint NOT NULL
);

CREATE FUNCTION report_park_figures (p report_park, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_bump ('parks_by_status', p.status, sign);
    IF p.status = 'operating' THEN
        PERFORM report_bump ('industrial_parks_operating', '', sign);
        PERFORM report_bump ('space_prepared_m2_x100', '', sign * p.area_x100);
    END IF;
END $$;

CREATE FUNCTION report_park_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM report_park_figures (OLD, -1);
    END IF;
    PERFORM report_park_figures (NEW, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER report_park_figures AFTER INSERT OR UPDATE ON report_park
    FOR EACH ROW EXECUTE FUNCTION report_park_changed ();

CREATE TABLE report_allocation (
    id        uuid    PRIMARY KEY,
    area_x100 bigint  NOT NULL,
    in_force  boolean NOT NULL,
    version   bigint  NOT NULL
);

CREATE FUNCTION report_allocation_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.in_force THEN
        PERFORM report_bump ('space_allocated_m2_x100', '', -OLD.area_x100);
    END IF;
    IF NEW.in_force THEN
        PERFORM report_bump ('space_allocated_m2_x100', '', NEW.area_x100);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_allocation_figures AFTER INSERT OR UPDATE ON report_allocation
    FOR EACH ROW EXECUTE FUNCTION report_allocation_changed ();

-- Space per park (reporting.SpaceByPark): each park's names, and per park
-- the area prepared (its area while it is operating) and the area of its
-- allocations in force, kept by triggers like every other figure, so the
-- report reads one row per park, never history. Summed over the parks they
-- are space_prepared_m2_x100 and space_allocated_m2_x100 of the overview.
--
-- Allocations applied before this migration carry no park: their area counts
-- in the overview's total but in no park until `hetaoctl report rebuild`,
-- which replays them all through these triggers (parks likewise have no
-- names until then, or until their next event).

ALTER TABLE report_park ADD COLUMN name_zh text NOT NULL DEFAULT '',
                        ADD COLUMN name_en text NOT NULL DEFAULT '';
ALTER TABLE report_allocation ADD COLUMN park_id uuid;

-- A row per park with space prepared or allocated; an allocation may be
-- applied before its park's row exists (the row waits for it).
CREATE TABLE report_park_space (
    park_id        uuid   PRIMARY KEY,
    prepared_x100  bigint NOT NULL DEFAULT 0,
    allocated_x100 bigint NOT NULL DEFAULT 0
);

-- Moves the park's figures by the deltas.
CREATE FUNCTION report_park_space_bump (p_park uuid, p_prepared bigint, p_allocated bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_park_space AS s (park_id, prepared_x100, allocated_x100)
    VALUES (p_park, p_prepared, p_allocated)
    ON CONFLICT (park_id) DO UPDATE SET prepared_x100 = s.prepared_x100 + EXCLUDED.prepared_x100,
                                        allocated_x100 = s.allocated_x100 + EXCLUDED.allocated_x100;
END $$;

CREATE FUNCTION report_park_space_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before bigint := 0;
    after  bigint := 0;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'operating' THEN
        before := OLD.area_x100;
    END IF;
    IF NEW.status = 'operating' THEN
        after := NEW.area_x100;
    END IF;
    IF after <> before THEN
        PERFORM report_park_space_bump (NEW.id, after - before, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_park_space AFTER INSERT OR UPDATE ON report_park
    FOR EACH ROW EXECUTE FUNCTION report_park_space_changed ();

CREATE FUNCTION report_allocation_space_changed () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.park_id, OLD.area_x100, OLD.in_force) IS NOT DISTINCT FROM
           (NEW.park_id, NEW.area_x100, NEW.in_force) THEN
            RETURN NULL;
        END IF;
        IF OLD.in_force AND OLD.park_id IS NOT NULL THEN
            PERFORM report_park_space_bump (OLD.park_id, 0, -OLD.area_x100);
        END IF;
    END IF;
    IF NEW.in_force AND NEW.park_id IS NOT NULL THEN
        PERFORM report_park_space_bump (NEW.park_id, 0, NEW.area_x100);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_allocation_space AFTER INSERT OR UPDATE ON report_allocation
    FOR EACH ROW EXECUTE FUNCTION report_allocation_space_changed ();

-- The parks already applied: what they have prepared.
INSERT INTO report_park_space (park_id, prepared_x100)
SELECT id, area_x100 FROM report_park WHERE status = 'operating'
ON CONFLICT (park_id) DO NOTHING;

-- Industrial parks, their units, and allocations of unit space.
--
-- Areas are numeric(12,2): square metres, exact to the hundredth, as the
-- protocol carries them ("1000.50"). Allocations are day-granular half-open
-- date ranges [from, until), upper bound absent when open-ended.
--
-- Two invariants must hold whatever writes, and however many at once:
--   1. the units of a park (but retired ones) never add up to more than the
--      park's area;
--   2. at no date does the area allocated from a unit exceed the unit's area.
-- Neither is a row-local CHECK and an exclusion constraint cannot sum, so
-- each is a trigger that first locks the row whose capacity is shared (the
-- park, the unit) FOR UPDATE and then sums in a new statement: in READ
-- COMMITTED that statement sees every change committed by the transaction
-- that held the lock before, so two writers can never both see room that
-- only one of them may take. The service takes the same locks first, in the
-- same order (unit before park, never the reverse), and checks the same sums
-- to tell the caller how much room is left; the triggers are what makes the
-- rules hold for any writer.

CREATE TABLE park (
    id                       uuid          PRIMARY KEY,
    name_zh                  text          CHECK (name_zh <> ''),
    name_en                  text          CHECK (name_en <> ''),
    operator_organization_id uuid          NOT NULL REFERENCES organization (id),
    area_m2                  numeric(12,2) NOT NULL CHECK (area_m2 > 0),
    operating_since          date,
    status                   text          NOT NULL CHECK (status IN ('planned', 'operating', 'closed')),
    status_reason            text,
    version                  bigint        NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at               timestamptz   NOT NULL,
    updated_at               timestamptz   NOT NULL,
    CONSTRAINT park_has_a_name CHECK (name_zh IS NOT NULL OR name_en IS NOT NULL),
    CONSTRAINT park_planned_has_not_opened CHECK (status <> 'planned' OR operating_since IS NULL),
    CONSTRAINT park_operating_has_opened CHECK (status <> 'operating' OR operating_since IS NOT NULL)
);

CREATE INDEX park_operator ON park (operator_organization_id);

CREATE TABLE unit (
    id            uuid          PRIMARY KEY,
    park_id       uuid          NOT NULL REFERENCES park (id),
    code          text          NOT NULL CHECK (code <> ''),
    building      text          CHECK (building <> ''),
    floor         text          CHECK (floor <> ''),
    area_m2       numeric(12,2) NOT NULL CHECK (area_m2 > 0),
    use           text          NOT NULL CHECK (use IN ('research', 'laboratory', 'industrial',
                                    'office', 'common')),
    status        text          NOT NULL CHECK (status IN ('available', 'unavailable', 'retired')),
    status_reason text,
    version       bigint        NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz   NOT NULL,
    updated_at    timestamptz   NOT NULL,
    CONSTRAINT unit_code_key UNIQUE (park_id, code)
);

CREATE TABLE allocation (
    id              uuid          PRIMARY KEY,
    unit_id         uuid          NOT NULL REFERENCES unit (id),
    organization_id uuid          NOT NULL REFERENCES organization (id),
    area_m2         numeric(12,2) NOT NULL CHECK (area_m2 > 0),
    period          daterange     NOT NULL,
    version         bigint        NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz   NOT NULL,
    updated_at      timestamptz   NOT NULL,
    CONSTRAINT allocation_period_has_a_start CHECK (NOT isempty (period) AND NOT lower_inf (period))
);

CREATE INDEX allocation_unit ON allocation (unit_id);
CREATE INDEX allocation_organization ON allocation (organization_id);

-- The most area allocated from `p_unit` on any one date of `p_period`,
-- leaving out the allocation `p_except` (NULL: none). The total only rises
-- where an allocation starts, so it is enough to look at the first date of
-- the period and at every start inside it.
CREATE FUNCTION unit_peak_allocated (p_unit uuid, p_period daterange, p_except uuid)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce (max (total), 0) FROM (
        SELECT (SELECT sum (a.area_m2) FROM allocation a
                 WHERE a.unit_id = p_unit AND a.id IS DISTINCT FROM p_except
                   AND a.period @> d.day) AS total
          FROM (SELECT lower (p_period) AS day
                UNION
                SELECT lower (a.period) FROM allocation a
                 WHERE a.unit_id = p_unit AND a.id IS DISTINCT FROM p_except
                   AND a.period && p_period) AS d
         WHERE d.day IS NOT NULL AND p_period @> d.day) AS peaks
$$;

-- Invariant 2 for a new or changed allocation.
CREATE FUNCTION allocation_fits_unit () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unit_area numeric;
BEGIN
    SELECT area_m2 INTO unit_area FROM unit WHERE id = NEW.unit_id FOR UPDATE;
    IF unit_peak_allocated (NEW.unit_id, NEW.period, NEW.id) + NEW.area_m2 > unit_area THEN
        RAISE EXCEPTION 'allocation of % m2 would overbook unit %', NEW.area_m2, NEW.unit_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'allocation_within_unit_area';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER allocation_fits_unit BEFORE INSERT OR UPDATE OF unit_id, area_m2, period ON allocation
    FOR EACH ROW EXECUTE FUNCTION allocation_fits_unit ();

-- Invariants 1 and 2 for a new or changed unit: it fits its park, and it
-- still holds what was ever allocated from it.
CREATE FUNCTION unit_fits_park () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    park_area numeric;
    others    numeric;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.area_m2 < OLD.area_m2
       AND unit_peak_allocated (NEW.id, '(,)'::daterange, NULL) > NEW.area_m2 THEN
        RAISE EXCEPTION 'unit % is allocated beyond % m2', NEW.id, NEW.area_m2
            USING ERRCODE = 'check_violation', CONSTRAINT = 'unit_holds_its_allocations';
    END IF;
    IF NEW.status = 'retired' THEN
        RETURN NEW;
    END IF;
    SELECT area_m2 INTO park_area FROM park WHERE id = NEW.park_id FOR UPDATE;
    SELECT coalesce (sum (area_m2), 0) INTO others FROM unit
     WHERE park_id = NEW.park_id AND status <> 'retired' AND id <> NEW.id;
    IF others + NEW.area_m2 > park_area THEN
        RAISE EXCEPTION 'units of park % would exceed its % m2', NEW.park_id, park_area
            USING ERRCODE = 'check_violation', CONSTRAINT = 'unit_within_park_area';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER unit_fits_park BEFORE INSERT OR UPDATE OF park_id, area_m2, status ON unit
    FOR EACH ROW EXECUTE FUNCTION unit_fits_park ();

-- Invariant 1 when a park shrinks (its row is locked by the UPDATE itself).
CREATE FUNCTION park_holds_its_units () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT coalesce (sum (area_m2), 0) FROM unit
         WHERE park_id = NEW.id AND status <> 'retired') > NEW.area_m2 THEN
        RAISE EXCEPTION 'units of park % add up to more than % m2', NEW.id, NEW.area_m2
            USING ERRCODE = 'check_violation', CONSTRAINT = 'park_holds_its_units';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER park_holds_its_units BEFORE UPDATE OF area_m2 ON park
    FOR EACH ROW WHEN (NEW.area_m2 < OLD.area_m2) EXECUTE FUNCTION park_holds_its_units ();

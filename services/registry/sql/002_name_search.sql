-- name_contains matches each name on its own: a search must not match
-- across the join of the Chinese and the English name.
DROP INDEX organization_names;
CREATE INDEX organization_name_zh ON organization USING gin (name_zh gin_trgm_ops);
CREATE INDEX organization_name_en ON organization USING gin (name_en gin_trgm_ops);

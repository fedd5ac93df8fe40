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

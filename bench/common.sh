# bench/common.sh - what bench/run and bench/floor share; sourced, after the
# script has defined die and sql (sql DB [psql args]).

# A PostgreSQL program: where deploy/dev finds initdb, else on PATH.
pg_tool() {
    local dir
    for dir in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
        [ -x "$dir/$1" ] && { echo "$dir/$1"; return; }
    done
    command -v "$1" || die "$1 not found: install postgresql-contrib (pgbench) and postgresql-client"
}

# fresh_statistics DB: ANALYZE every table of DB of ten pages or more, then
# CHECKPOINT, so that each phase, on both sides, runs on statistics of its
# tables as they are, the way a database in service has them. A connection
# keeps the plan of each prepared statement and foreign-key check until its
# table is analyzed again, and a plan made on a page or two scans the whole
# table once the preparation has added thousands of rows; autovacuum's next
# visit may be a minute away. Smaller tables are left alone: analyzed, a
# table that fills during the phase would get such plans; never analyzed,
# PostgreSQL takes it for ten pages and plans index scans.
fresh_statistics() {
    sql "$1" <<'SQL'
SELECT format('ANALYZE %s', c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND pg_relation_size(c.oid) >= 10 * current_setting('block_size')::int
\gexec
CHECKPOINT;
SQL
}

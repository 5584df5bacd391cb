-- Calls partitioned by UTC week (Monday to Monday) instead of by day (issue 16). A page
-- or a call names the account and not a time, so PostgreSQL opens and locks every
-- partition and its indexes for each query: at 99 day tables, far past a backend's 16
-- fast-path locks, 8 connections served a quarter of what one table serves. pgbench,
-- 8 clients, 1,000,000 calls over 99 days, queries per second:
--
--                  first page   a call by id
--   99 days           3,585         2,110
--   15 weeks         15,528        12,713
--    4 months        20,696        21,514
--   one table        23,171        29,819
--
-- Weeks keep calls at most a week past their retention; months would keep them up to
-- a month, which a customer who set a retention would not expect.

-- The table of the calls of the UTC week (from Monday) that holds `day`,
-- `log_entries_YYYYMMDD` after its Monday, created unless it exists. Instances that
-- create one at once wait for each other on a lock.
CREATE FUNCTION log_entries_week(day DATE) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    monday DATE := day - (extract(isodow FROM day)::INT - 1);
    name TEXT := 'log_entries_' || to_char(monday, 'YYYYMMDD');
BEGIN
    IF to_regclass(quote_ident(name)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('log_entries partitions'));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF log_entries FOR VALUES FROM (%L) TO (%L)',
            name, monday::TIMESTAMP AT TIME ZONE 'UTC', (monday + 7)::TIMESTAMP AT TIME ZONE 'UTC'
        );
    END IF;
END $$;

-- The day tables step aside under another name (a Monday's would be its week's), then
-- their calls, ids kept, go into the weeks' tables.
DO $$
DECLARE
    days TEXT[];
    day_table TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('log_entries partitions'));
    SELECT COALESCE(array_agg(c.relname::TEXT), '{}') INTO days
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'log_entries'::regclass;
    FOREACH day_table IN ARRAY days LOOP
        EXECUTE format('ALTER TABLE log_entries DETACH PARTITION %I', day_table);
        EXECUTE format('ALTER TABLE %I RENAME TO %I', day_table, 'day_' || day_table);
    END LOOP;
    FOREACH day_table IN ARRAY days LOOP
        PERFORM log_entries_week(to_date(right(day_table, 8), 'YYYYMMDD'));
        EXECUTE format('INSERT INTO log_entries SELECT * FROM %I', 'day_' || day_table);
        EXECUTE format('DROP TABLE %I', 'day_' || day_table);
    END LOOP;
END $$;
DROP FUNCTION log_entries_day(DATE);

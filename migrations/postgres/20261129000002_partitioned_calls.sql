-- Calls partitioned by UTC day (issue 16). Retention drops a past day's table whole
-- instead of deleting its rows (no dead tuples to vacuum, no bloat), a query with a
-- time range reads only its days, and a page's ordered scan stops in the newest.
-- Daily rather than monthly, measured with pgbench (1,000,000 calls, 99 daily or 5
-- monthly partitions, prepared, one client): a first page 0.24 ms against 0.14, a call
-- by id 0.32 against 0.13 (0.14 and 0.13 unpartitioned), for calls kept at most a day
-- past their retention instead of a month. Under 8 connections the cost is larger
-- (README, Benchmarks): every query locks every day's table.
--
-- Every unique key holds the partition key, and the account, by which the table
-- distributes past one server (README, "Past one PostgreSQL").

-- The old table steps aside with everything named after it.
ALTER TABLE log_entries RENAME TO log_entries_unpartitioned;
ALTER TABLE log_entries_unpartitioned ALTER COLUMN id DROP IDENTITY;
ALTER TABLE log_entries_unpartitioned DROP CONSTRAINT log_entries_pkey;
DROP INDEX log_entries_account_time, log_entries_account_request, log_entries_bodies_trgm;

-- Identity columns need PostgreSQL 17 on a partitioned table; a sequence does the same.
CREATE SEQUENCE log_entries_id_seq;
SELECT setval('log_entries_id_seq', COALESCE(max(id), 0) + 1, false)
FROM log_entries_unpartitioned;

CREATE TABLE log_entries (
    id                       BIGINT NOT NULL DEFAULT nextval('log_entries_id_seq'),
    account_id               BIGINT NOT NULL REFERENCES accounts (id),
    api_key_id               BIGINT REFERENCES api_keys (id),
    occurred_at              TIMESTAMPTZ NOT NULL,
    request_id               TEXT NOT NULL,
    method                   TEXT NOT NULL,
    endpoint                 TEXT NOT NULL,
    query                    TEXT NOT NULL DEFAULT '',
    status                   INTEGER NOT NULL,
    duration_ms              INTEGER NOT NULL,
    credits                  INTEGER NOT NULL,
    request_headers          TEXT NOT NULL DEFAULT '{}',  -- JSON object
    request_body             TEXT,
    response_body            TEXT,
    error_message            TEXT,
    client_ip                TEXT,
    user_agent               TEXT,
    request_body_full_size   BIGINT,                      -- NULL: stored whole
    response_body_full_size  BIGINT,                      -- NULL: stored whole
    -- The logs list: one account, newest first, keyset-paginated on (occurred_at, id).
    PRIMARY KEY (account_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE log_entries_id_seq OWNED BY log_entries.id;
-- A call by its id, as its page's URL names it.
CREATE INDEX log_entries_id ON log_entries (id);
CREATE INDEX log_entries_account_request ON log_entries (account_id, request_id);
CREATE INDEX log_entries_bodies_trgm ON log_entries USING gin (
    (COALESCE(request_body, '') || E'\n' || COALESCE(response_body, '')) gin_trgm_ops
);

-- The table of the calls of UTC day `day`, `log_entries_YYYYMMDD`, created unless it
-- exists. Instances that create one at once wait for each other on a lock.
CREATE FUNCTION log_entries_day(day DATE) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    name TEXT := 'log_entries_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(quote_ident(name)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('log_entries partitions'));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF log_entries FOR VALUES FROM (%L) TO (%L)',
            name, day::TIMESTAMP AT TIME ZONE 'UTC', (day + 1)::TIMESTAMP AT TIME ZONE 'UTC'
        );
    END IF;
END $$;

SELECT log_entries_day(day)
FROM (SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::DATE AS day
      FROM log_entries_unpartitioned) AS days;
INSERT INTO log_entries (id, account_id, api_key_id, occurred_at, request_id, method,
    endpoint, query, status, duration_ms, credits, request_headers, request_body,
    response_body, error_message, client_ip, user_agent, request_body_full_size,
    response_body_full_size)
SELECT id, account_id, api_key_id, occurred_at, request_id, method, endpoint, query,
    status, duration_ms, credits, request_headers, request_body, response_body,
    error_message, client_ip, user_agent, request_body_full_size, response_body_full_size
FROM log_entries_unpartitioned;
DROP TABLE log_entries_unpartitioned;

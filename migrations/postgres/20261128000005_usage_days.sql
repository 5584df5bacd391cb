-- Each account's calls per UTC day, kept as calls are written and deleted (in the same
-- transaction), so that the page's summary and chart read a row a day, not the calls.
CREATE TABLE usage_days (
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    day            DATE NOT NULL,      -- UTC
    calls          BIGINT NOT NULL,
    credits        BIGINT NOT NULL,
    client_errors  BIGINT NOT NULL,    -- 4xx
    server_errors  BIGINT NOT NULL,    -- 5xx
    PRIMARY KEY (account_id, day)
);
INSERT INTO usage_days (account_id, day, calls, credits, client_errors, server_errors)
SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date, count(*), sum(credits),
       count(*) FILTER (WHERE status BETWEEN 400 AND 499), count(*) FILTER (WHERE status >= 500)
FROM log_entries GROUP BY 1, 2;

-- Each account's calls per UTC day, kept as calls are written and deleted (in the same
-- transaction), so that the page's summary and chart read a row a day, not the calls.
CREATE TABLE usage_days (
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    day            TEXT NOT NULL,      -- YYYY-MM-DD, UTC
    calls          INTEGER NOT NULL,
    credits        INTEGER NOT NULL,
    client_errors  INTEGER NOT NULL,   -- 4xx
    server_errors  INTEGER NOT NULL,   -- 5xx
    PRIMARY KEY (account_id, day)
) WITHOUT ROWID;
INSERT INTO usage_days (account_id, day, calls, credits, client_errors, server_errors)
SELECT account_id, substr(occurred_at, 1, 10), count(*), sum(credits),
       sum(status BETWEEN 400 AND 499), sum(status >= 500)
FROM log_entries GROUP BY 1, 2;

-- Support asks for access with a ticket and a reason; the customer grants or declines,
-- or the request lapses.
CREATE TABLE access_requests (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    requested_at  TEXT NOT NULL,
    lapses_at     TEXT NOT NULL,
    ticket        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    -- NULL while open; then how it ended.
    outcome       TEXT CHECK (outcome IN ('granted', 'declined', 'lapsed')),
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TEXT,
    CHECK (lapses_at > requested_at)
);
-- One open request per account, whoever asks: kept by the account's lock, as grants
-- are (a request past `lapses_at` is no longer open, before the job records it).
CREATE INDEX access_requests_account ON access_requests (account_id, id);
-- The request a grant answered, and its ticket.
ALTER TABLE support_grants ADD COLUMN request_id INTEGER REFERENCES access_requests (id);
ALTER TABLE support_grants ADD COLUMN ticket TEXT;

-- Support asks for access with a ticket and a reason; the customer grants or declines,
-- or the request lapses.
CREATE TABLE access_requests (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    requested_by  BIGINT NOT NULL REFERENCES users (id),
    requested_at  TIMESTAMPTZ NOT NULL,
    lapses_at     TIMESTAMPTZ NOT NULL,
    ticket        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    -- NULL while open; then how it ended.
    outcome       TEXT CHECK (outcome IN ('granted', 'declined', 'lapsed')),
    decided_by    BIGINT REFERENCES users (id),
    decided_at    TIMESTAMPTZ,
    CHECK (lapses_at > requested_at)
);
-- One open request per account, whoever asks: kept by the account's lock, as grants
-- are (a request past `lapses_at` is no longer open, before the job records it).
CREATE INDEX access_requests_account ON access_requests (account_id, id);
-- The request a grant answered, and its ticket.
ALTER TABLE support_grants ADD COLUMN request_id BIGINT REFERENCES access_requests (id);
ALTER TABLE support_grants ADD COLUMN ticket TEXT;

-- The outbox: every access event is announced. A trigger writes the event's notice in
-- the event's own transaction, so no change goes unannounced whatever wrote it; the
-- job adds a notice when a grant is a day from its end. A worker turns each notice into
-- deliveries (emails, webhook calls), each with a stable message id, and delivers each
-- at least once.
ALTER TABLE access_events ADD COLUMN request_id INTEGER REFERENCES access_requests (id);

CREATE TABLE notices (
    id             INTEGER PRIMARY KEY,
    topic          TEXT NOT NULL,  -- the event's action, or 'ending'
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    event_id       INTEGER,        -- no foreign key: events are purged after their retention
    grant_id       INTEGER REFERENCES support_grants (id),
    created_at     TEXT NOT NULL,
    fanned_out_at  TEXT            -- when its deliveries were written
);
CREATE INDEX notices_waiting ON notices (id) WHERE fanned_out_at IS NULL;
-- A grant's "ends in 24 hours" is announced once, however many instances notice it.
CREATE UNIQUE INDEX notices_one_ending ON notices (grant_id) WHERE topic = 'ending';

CREATE TRIGGER access_events_announced AFTER INSERT ON access_events
BEGIN
    INSERT INTO notices (topic, account_id, event_id, grant_id, created_at)
    VALUES (NEW.action, NEW.account_id, NEW.id, NEW.grant_id, NEW.occurred_at);
END;

CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,  -- the same on every attempt
    notice_id        INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient        TEXT NOT NULL,         -- an address, or a webhook endpoint's id
    topic            TEXT NOT NULL,
    payload          TEXT NOT NULL,         -- the message as every attempt sends it
    created_at       TEXT NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    leased_until     TEXT,                  -- an instance is sending it until then
    delivered_at     TEXT,
    failed_at        TEXT,                  -- given up
    last_error       TEXT,
    last_status      INTEGER
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX deliveries_account ON deliveries (account_id, channel, id);

-- apilogs schema, SQLite flavour. Times are UTC, stored as RFC 3339 text (which sorts
-- in time order); the PostgreSQL flavour uses TIMESTAMPTZ.

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,  -- stored lower-case
    password_hash  TEXT NOT NULL,         -- argon2 PHC string
    role           TEXT NOT NULL CHECK (role IN ('customer', 'support', 'admin')),
    account_id     INTEGER REFERENCES accounts (id),
    created_at     TEXT NOT NULL,
    -- a customer belongs to exactly one account; staff to none
    CHECK ((role = 'customer') = (account_id IS NOT NULL))
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,  -- SHA-256 of the cookie's token: a leak of this table opens no session
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per email and per client address, to refuse guessing for a while.
CREATE TABLE sign_in_failures (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL,  -- 'email:<address>' or 'ip:<address>'
    failed_at  TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, failed_at);

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,         -- the first characters, shown to tell keys apart
    key_hash    TEXT NOT NULL UNIQUE,  -- SHA-256 of the whole key
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE log_entries (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    api_key_id       INTEGER REFERENCES api_keys (id),
    occurred_at      TEXT NOT NULL,
    request_id       TEXT NOT NULL,
    method           TEXT NOT NULL,
    endpoint         TEXT NOT NULL,
    query            TEXT NOT NULL DEFAULT '',
    status           INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    credits          INTEGER NOT NULL,
    request_headers  TEXT NOT NULL DEFAULT '{}',  -- JSON object
    request_body     TEXT,
    response_body    TEXT,
    error_message    TEXT,
    client_ip        TEXT,
    user_agent       TEXT
);
-- The logs list: one account, newest first, keyset-paginated on (occurred_at, id).
CREATE INDEX log_entries_account_time ON log_entries (account_id, occurred_at DESC, id DESC);
CREATE INDEX log_entries_account_request ON log_entries (account_id, request_id);

CREATE TABLE support_grants (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    granted_by  INTEGER NOT NULL REFERENCES users (id),
    granted_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  INTEGER REFERENCES users (id),
    CHECK (expires_at > granted_at)
);
CREATE INDEX support_grants_account ON support_grants (account_id, expires_at DESC);

-- Append-only audit trail: who did what to which account or log entry, and when.
CREATE TABLE access_events (
    id            INTEGER PRIMARY KEY,
    occurred_at   TEXT NOT NULL,
    actor_id      INTEGER REFERENCES users (id),  -- NULL: the system (an expiry)
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    action        TEXT NOT NULL,
    log_entry_id  INTEGER,  -- no foreign key: the trail outlives retention
    grant_id      INTEGER REFERENCES support_grants (id),
    detail        TEXT
);
CREATE INDEX access_events_account ON access_events (account_id, occurred_at DESC, id DESC);
-- A grant's expiry is recorded once, however many instances notice it.
CREATE UNIQUE INDEX access_events_one_expiry ON access_events (grant_id) WHERE action = 'expire';

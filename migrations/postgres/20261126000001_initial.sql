-- apilogs schema, PostgreSQL flavour. Times are UTC (TIMESTAMPTZ).

CREATE TABLE accounts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,  -- stored lower-case
    password_hash  TEXT NOT NULL,         -- argon2 PHC string
    role           TEXT NOT NULL CHECK (role IN ('customer', 'support', 'admin')),
    account_id     BIGINT REFERENCES accounts (id),
    created_at     TIMESTAMPTZ NOT NULL,
    -- a customer belongs to exactly one account; staff to none
    CHECK ((role = 'customer') = (account_id IS NOT NULL))
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,  -- SHA-256 of the cookie's token: a leak of this table opens no session
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per email and per client address, to refuse guessing for a while.
CREATE TABLE sign_in_failures (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key        TEXT NOT NULL,  -- 'email:<address>' or 'ip:<address>'
    failed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, failed_at);

CREATE TABLE api_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,         -- the first characters, shown to tell keys apart
    key_hash    TEXT NOT NULL UNIQUE,  -- SHA-256 of the whole key
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE log_entries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id),
    api_key_id       BIGINT REFERENCES api_keys (id),
    occurred_at      TIMESTAMPTZ NOT NULL,
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
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    granted_by  BIGINT NOT NULL REFERENCES users (id),
    granted_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    revoked_by  BIGINT REFERENCES users (id),
    CHECK (expires_at > granted_at)
);
CREATE INDEX support_grants_account ON support_grants (account_id, expires_at DESC);

-- Append-only audit trail: who did what to which account or log entry, and when.
CREATE TABLE access_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    actor_id      BIGINT REFERENCES users (id),  -- NULL: the system (an expiry)
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    action        TEXT NOT NULL,
    log_entry_id  BIGINT,  -- no foreign key: the trail outlives retention
    grant_id      BIGINT REFERENCES support_grants (id),
    detail        TEXT
);
CREATE INDEX access_events_account ON access_events (account_id, occurred_at DESC, id DESC);
-- A grant's expiry is recorded once, however many instances notice it.
CREATE UNIQUE INDEX access_events_one_expiry ON access_events (grant_id) WHERE action = 'expire';

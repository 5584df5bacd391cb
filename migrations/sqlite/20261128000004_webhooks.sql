-- The customer's webhook endpoints: Support's access, pushed to the customer's own
-- systems, signed as the Standard Webhooks specification says.
CREATE TABLE webhook_endpoints (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,  -- whsec_<base64>, shown to the customer once
    secret_shown_at  TEXT,           -- NULL until the settings page has shown it
    created_at       TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,  -- since the last success
    disabled_at      TEXT,
    disabled_reason  TEXT
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id);
-- A test event goes to one endpoint.
ALTER TABLE notices ADD COLUMN endpoint_id INTEGER REFERENCES webhook_endpoints (id) ON DELETE CASCADE;

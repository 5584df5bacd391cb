-- A share link (issue 17): the customer hands one call, as Support would see it, to
-- anyone holding the link, without signing in, until it expires or is revoked. The
-- token is kept only as its SHA-256: the database cannot give a link away.
CREATE TABLE share_links (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    -- No foreign key: calls are partitioned, and retention may drop the call first
    -- (the link then shows nothing).
    log_entry_id  BIGINT NOT NULL,
    -- The call as it was shared, so the customer's list stays readable after it.
    request_id    TEXT NOT NULL,
    method        TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    BIGINT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    revoked_by    BIGINT REFERENCES users (id),
    CHECK (expires_at > created_at)
);
CREATE INDEX share_links_account ON share_links (account_id, id);

-- The link an access event is about (made, revoked, opened), and a link's openings.
ALTER TABLE access_events ADD COLUMN share_link_id BIGINT REFERENCES share_links (id);
CREATE INDEX access_events_share_link ON access_events (share_link_id, occurred_at, id)
    WHERE share_link_id IS NOT NULL;

-- A share link (issue 17): the customer hands one call, as Support would see it, to
-- anyone holding the link, without signing in, until it expires or is revoked. The
-- token is kept only as its SHA-256: the database cannot give a link away.
CREATE TABLE share_links (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    -- No foreign key: retention may delete the call first (the link then shows nothing).
    log_entry_id  INTEGER NOT NULL,
    -- The call as it was shared, so the customer's list stays readable after it.
    request_id    TEXT NOT NULL,
    method        TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT,
    revoked_by    INTEGER REFERENCES users (id),
    CHECK (expires_at > created_at)
);
CREATE INDEX share_links_account ON share_links (account_id, id);

-- The link an access event is about (made, revoked, opened), and a link's openings.
ALTER TABLE access_events ADD COLUMN share_link_id INTEGER REFERENCES share_links (id);
CREATE INDEX access_events_share_link ON access_events (share_link_id, occurred_at, id)
    WHERE share_link_id IS NOT NULL;

-- When a session was last used: a session unused for longer than the idle timeout ends,
-- whatever its absolute expiry. NULL: not used since it was created.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;

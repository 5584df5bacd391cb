-- The access history: events are append-only in the database itself. An UPDATE always
-- fails; a DELETE fails for an event less than a year old (the history is kept at
-- least that long, whatever the app is told).
CREATE TRIGGER access_events_no_update BEFORE UPDATE ON access_events
BEGIN
    SELECT RAISE(ABORT, 'access events are append-only: UPDATE refused');
END;
CREATE TRIGGER access_events_no_delete BEFORE DELETE ON access_events
WHEN julianday(OLD.occurred_at) > julianday('now', '-365 days')
BEGIN
    SELECT RAISE(ABORT, 'access events are append-only: DELETE of an event under a year old refused');
END;
-- A grant's activity, in order.
CREATE INDEX access_events_grant ON access_events (grant_id, occurred_at, id);

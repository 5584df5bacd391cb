-- The access history: events are append-only in the database itself. An UPDATE or a
-- TRUNCATE always fails; a DELETE fails for an event less than a year old (the history
-- is kept at least that long, whatever the app is told).
CREATE FUNCTION access_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - INTERVAL '365 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access events are append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE ON access_events
    FOR EACH ROW EXECUTE FUNCTION access_events_append_only();
CREATE TRIGGER access_events_no_truncate BEFORE TRUNCATE ON access_events
    FOR EACH STATEMENT EXECUTE FUNCTION access_events_append_only();
-- A grant's activity, in order.
CREATE INDEX access_events_grant ON access_events (grant_id, occurred_at, id);

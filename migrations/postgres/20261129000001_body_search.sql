-- Body search answered by an index (issue 16): pg_trgm's GIN indexes hold every three
-- characters of each body, so `ILIKE '%term%'` finds the calls that hold a term with a
-- run of three letters or digits without reading the others. pg_trgm is a trusted
-- extension: the database's owner may create it (managed services allow it too).
-- On a large existing table these take a while; the app is stopped during migrations.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX log_entries_request_body_trgm ON log_entries USING gin (request_body gin_trgm_ops);
CREATE INDEX log_entries_response_body_trgm ON log_entries USING gin (response_body gin_trgm_ops);

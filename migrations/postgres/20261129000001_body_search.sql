-- Body search answered by an index (issue 16): pg_trgm's GIN index holds every three
-- characters of the bodies, so `ILIKE '%term%'` finds the calls that hold a term with a
-- run of three letters or digits without reading the others. One index over both
-- bodies, not one each: half the lookups a search makes, and a trigram both bodies
-- share is written once. pg_trgm is a trusted extension: the database's owner may
-- create it (managed services allow it too). On a large existing table this takes a
-- while; the app is stopped during migrations.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX log_entries_bodies_trgm ON log_entries USING gin (
    (COALESCE(request_body, '') || E'\n' || COALESCE(response_body, '')) gin_trgm_ops
);

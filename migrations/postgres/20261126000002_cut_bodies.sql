-- A body longer than the ingest limit is stored cut; its full size is kept beside it.
ALTER TABLE log_entries ADD COLUMN request_body_full_size BIGINT;   -- NULL: stored whole
ALTER TABLE log_entries ADD COLUMN response_body_full_size BIGINT;  -- NULL: stored whole

-- Body search answered by an index (issue 16): FTS5's trigram tokenizer indexes every
-- three characters of both bodies, case folded, so `LIKE '%term%'` on the index finds
-- the calls that hold a term of three or more characters without reading the others.
-- External content (the bodies stay in log_entries, once); detail=none keeps the index
-- about the size of the text it covers (detail=full measured 3.5 times as large) and
-- still answers LIKE, which checks each candidate against the body itself.
CREATE VIRTUAL TABLE log_search USING fts5(
    request_body, response_body,
    content = 'log_entries', content_rowid = 'id',
    tokenize = 'trigram', detail = 'none'
);
INSERT INTO log_search (log_search) VALUES ('rebuild');

-- Kept in step in the same transaction as every write: ingest and the recorder insert,
-- retention deletes, a scrub rewrites bodies.
CREATE TRIGGER log_search_insert AFTER INSERT ON log_entries BEGIN
    INSERT INTO log_search (rowid, request_body, response_body)
    VALUES (new.id, new.request_body, new.response_body);
END;
CREATE TRIGGER log_search_delete AFTER DELETE ON log_entries BEGIN
    INSERT INTO log_search (log_search, rowid, request_body, response_body)
    VALUES ('delete', old.id, old.request_body, old.response_body);
END;
CREATE TRIGGER log_search_update AFTER UPDATE OF request_body, response_body ON log_entries
BEGIN
    INSERT INTO log_search (log_search, rowid, request_body, response_body)
    VALUES ('delete', old.id, old.request_body, old.response_body);
    INSERT INTO log_search (rowid, request_body, response_body)
    VALUES (new.id, new.request_body, new.response_body);
END;

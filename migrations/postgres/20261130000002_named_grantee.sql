-- A grant that answers a request may let the agent who asked read, and nobody else
-- (issue 17). NULL: all of Customer Support. The agent's email is kept beside it, as
-- the request's ticket is, for the banner and the console to say whose it is.
ALTER TABLE support_grants ADD COLUMN grantee_id BIGINT REFERENCES users (id);
ALTER TABLE support_grants ADD COLUMN grantee_email TEXT;

-- Near the end of a grant, the agent it lets read may ask to extend it (issue 17): the
-- request names the grant it would extend. Confirmed, the grant ends and a fresh one
-- of two weeks, with the same scope and agent, follows it: the old one names it.
ALTER TABLE access_requests ADD COLUMN extends BIGINT REFERENCES support_grants (id);
ALTER TABLE support_grants ADD COLUMN extended_to BIGINT REFERENCES support_grants (id);

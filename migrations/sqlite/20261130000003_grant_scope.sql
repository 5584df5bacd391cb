-- A grant may let Support read only some of the account's calls (issue 17): a time
-- range, errors only, chosen endpoints or chosen calls, as JSON. NULL: every call, as
-- every grant before this.
ALTER TABLE support_grants ADD COLUMN scope TEXT;

-- The account's errors by time (issue 17): the errors filter, and a grant limited to
-- errors, read a page of this index instead of eight calls of every call's per call
-- shown (12 % of calls are errors). The queries write `status BETWEEN 400 AND 599`
-- in, not bound, so that the planner sees it matches.
CREATE INDEX log_entries_account_errors ON log_entries (account_id, occurred_at DESC, id DESC)
    WHERE status BETWEEN 400 AND 599;

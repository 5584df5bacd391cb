//! The SQL of support access: grants and the audit trail of access events.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{
    query::{Query, QueryAs},
    Database, Encode, Type,
};

use super::{
    in_force, may_ask_to_extend, AccessAction, AccessDetail, AccessEvent, AccessRequest, Grant,
    GrantRecord, Grantees, RequestState, Scope,
};
use crate::store::{with_pool, with_writer, Locking, Store, StoreError};

/// A grant's columns, as [`Grant`] holds them.
const GRANT_COLUMNS: &str = "id, account_id, granted_by, granted_at, expires_at, revoked_at, \
     revoked_by, ticket, grantee_id, grantee_email, scope";

const LATEST_GRANT: &str = "SELECT id, account_id, granted_by, granted_at, expires_at, \
     revoked_at, revoked_by, ticket, grantee_id, grantee_email, scope FROM support_grants \
     WHERE account_id = $1 ORDER BY id DESC LIMIT 1";

/// Grants with the emails of who granted and who revoked them; `g` is `support_grants`.
pub(crate) const SELECT_GRANT_RECORDS: &str = "SELECT g.id, g.account_id, g.granted_by, \
     g.granted_at, g.expires_at, g.revoked_at, g.revoked_by, g.ticket, g.grantee_id, \
     g.grantee_email, g.scope, g.extended_to, gu.email AS granted_by_email, \
     ru.email AS revoked_by_email \
     FROM support_grants g LEFT JOIN users gu ON gu.id = g.granted_by LEFT JOIN users ru ON ru.id = g.revoked_by";

/// A request with its agent's email; `r` is `access_requests`.
pub(crate) const SELECT_REQUEST: &str = "SELECT r.id, r.account_id, r.requested_by, \
     u.email AS requested_by_email, r.requested_at, r.lapses_at, r.ticket, r.reason, \
     r.outcome AS state, r.decided_at, r.extends FROM access_requests r \
     LEFT JOIN users u ON u.id = r.requested_by";

/// The latest grant and the latest request (with its agent's email) of the account `a`
/// of a query: [`LATEST_ACCESS_COLUMNS`] over [`LATEST_ACCESS_JOINS`], read into a
/// [`LatestAccessRow`] flattened into the query's row. What a page shows beside an
/// account, in the same statement as the rest of it.
pub(crate) const LATEST_ACCESS_COLUMNS: &str = "g.id AS grant_id, g.granted_by, \
     g.granted_at, g.expires_at, g.revoked_at, g.revoked_by, g.ticket AS grant_ticket, \
     g.grantee_id, g.grantee_email, g.scope AS grant_scope, \
     r.id AS request_id, r.requested_by, ru.email AS requested_by_email, r.requested_at, \
     r.lapses_at, r.ticket, r.reason, r.outcome, r.decided_at, r.extends";
pub(crate) const LATEST_ACCESS_JOINS: &str = "LEFT JOIN support_grants g ON g.id = \
     (SELECT MAX(id) FROM support_grants WHERE account_id = a.id) \
     LEFT JOIN access_requests r ON r.id = \
     (SELECT MAX(id) FROM access_requests WHERE account_id = a.id) \
     LEFT JOIN users ru ON ru.id = r.requested_by";

/// [`LATEST_ACCESS_COLUMNS`]: NULL where the account has no grant or no request (the
/// outer joins).
#[derive(sqlx::FromRow)]
pub(crate) struct LatestAccessRow {
    grant_id: Option<i64>,
    granted_by: Option<i64>,
    granted_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    revoked_by: Option<i64>,
    grant_ticket: Option<String>,
    grantee_id: Option<i64>,
    grantee_email: Option<String>,
    grant_scope: Option<String>,
    request_id: Option<i64>,
    requested_by: Option<i64>,
    requested_by_email: Option<String>,
    requested_at: Option<DateTime<Utc>>,
    lapses_at: Option<DateTime<Utc>>,
    ticket: Option<String>,
    reason: Option<String>,
    outcome: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    extends: Option<i64>,
}

impl LatestAccessRow {
    /// The latest grant and request of `account_id`, each `None` where it has none.
    pub(crate) fn into_parts(
        self,
        account_id: i64,
    ) -> Result<(Option<Grant>, Option<AccessRequest>), StoreError> {
        let grant = match (self.grant_id, self.granted_by, self.granted_at, self.expires_at) {
            (Some(id), Some(granted_by), Some(granted_at), Some(expires_at)) => Some(Grant {
                id,
                account_id,
                granted_by,
                granted_at,
                expires_at,
                revoked_at: self.revoked_at,
                revoked_by: self.revoked_by,
                ticket: self.grant_ticket,
                grantee_id: self.grantee_id,
                grantee_email: self.grantee_email,
                scope: Scope::try_from(self.grant_scope)
                    .map_err(|error| StoreError::Query(sqlx::Error::Decode(error.into())))?,
            }),
            _ => None,
        };
        let request = (self.request_id, self.requested_by, self.requested_at, self.lapses_at);
        let request = match (request, self.ticket, self.reason) {
            (
                (Some(id), Some(requested_by), Some(requested_at), Some(lapses_at)),
                Some(ticket),
                Some(reason),
            ) => Some(AccessRequest {
                id,
                account_id,
                requested_by,
                requested_by_email: self.requested_by_email,
                requested_at,
                lapses_at,
                ticket,
                reason,
                state: RequestState::try_from(self.outcome)
                    .map_err(|error| StoreError::Query(sqlx::Error::Decode(error.into())))?,
                decided_at: self.decided_at,
                extends: self.extends,
            }),
            _ => None,
        };
        Ok((grant, request))
    }
}

/// The account `$1`'s request waiting for an answer at `$2`, if any.
static OPEN_REQUEST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{SELECT_REQUEST} WHERE r.account_id = $1 AND r.outcome IS NULL AND r.lapses_at > $2 \
         ORDER BY r.id DESC LIMIT 1"
    )
});

/// The query of the account's request waiting for an answer at `now`, if any.
fn open_request<'q, DB>(
    account_id: i64,
    now: DateTime<Utc>,
) -> QueryAs<'q, DB, AccessRequest, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    AccessRequest: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query_as(&OPEN_REQUEST).bind(account_id).bind(now)
}

const DECIDE_REQUEST: &str =
    "UPDATE access_requests SET outcome = $1, decided_by = $2, decided_at = $3 WHERE id = $4";

const INSERT_EVENT: &str = "INSERT INTO access_events (occurred_at, actor_id, account_id, \
     action, log_entry_id, grant_id, request_id, share_link_id, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// What granting did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantChange {
    Granted(Grant),
    /// The grant in force was extended, at Support's request: this one follows it.
    Extended(Grant),
    /// A grant was in force already; nothing changed.
    AlreadyInForce(Grant),
}

/// What revoking did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeChange {
    /// The grant as revoked (boxed: a grant with its scope is large beside nothing).
    Revoked(Box<Grant>),
    /// No grant was in force; nothing changed.
    NothingInForce,
}

/// An access event about to be recorded.
pub struct NewAccessEvent {
    pub actor_id: Option<i64>,
    pub account_id: i64,
    pub action: AccessAction,
    pub log_entry_id: Option<i64>,
    pub grant_id: Option<i64>,
    /// The request for access it is about (asked, answered, lapsed).
    pub request_id: Option<i64>,
    /// The share link it is about (made, revoked, opened).
    pub share_link_id: Option<i64>,
    pub detail: AccessDetail,
}

/// The INSERT of `event` at `now`, for either back-end, to run where it belongs (inside
/// a grant's or a revoke's transaction, or alone).
pub(crate) fn insert_event<'q, DB>(
    event: &'q NewAccessEvent,
    now: DateTime<Utc>,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
{
    let detail = (!event.detail.is_empty())
        .then(|| serde_json::to_string(&event.detail).expect("a detail serialises"));
    sqlx::query(INSERT_EVENT)
        .bind(now)
        .bind(event.actor_id)
        .bind(event.account_id)
        .bind(event.action.as_str())
        .bind(event.log_entry_id)
        .bind(event.grant_id)
        .bind(event.request_id)
        .bind(event.share_link_id)
        .bind(detail)
}

/// The UPDATE that records a request's answer.
fn decide_request<'q, DB>(
    id: i64,
    state: RequestState,
    by: i64,
    now: DateTime<Utc>,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<&'static str>: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(DECIDE_REQUEST).bind(state.as_str()).bind(by).bind(now).bind(id)
}

impl NewAccessEvent {
    /// An event about a request (asked, declined, lapsed), carrying its ticket.
    fn request(
        actor_id: Option<i64>,
        action: AccessAction,
        (account_id, request_id, ticket): (i64, i64, &str),
    ) -> Self {
        NewAccessEvent {
            actor_id,
            account_id,
            action,
            log_entry_id: None,
            grant_id: None,
            request_id: Some(request_id),
            share_link_id: None,
            detail: AccessDetail { ticket: Some(ticket.to_owned()), ..AccessDetail::default() },
        }
    }
}

impl Store {
    /// The account's most recent grant, in force or not. Grants never overlap, so
    /// this one alone says whether support may read the account now.
    pub async fn latest_grant(&self, account_id: i64) -> Result<Option<Grant>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(LATEST_GRANT).bind(account_id).fetch_optional(pool).await?
        }))
    }

    /// Grants support access to every call of `account_id` until `expires_at`, unless a
    /// grant is in force already: a grant answering a request lets the agent who asked
    /// read, and nobody else (see [`Store::grant_access_to`]).
    pub async fn grant_access(
        &self,
        account_id: i64,
        by: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<GrantChange, StoreError> {
        let everything = Scope::default();
        self.grant_access_to(account_id, by, now, expires_at, Grantees::AskingAgent, &everything)
            .await
    }

    /// Grants support access to the calls of `account_id` in `scope` until `expires_at`,
    /// to `grantees`, unless a grant is in force already. A grant in force that Support
    /// asked to extend is extended instead: it ends now, and a grant until `expires_at`
    /// with its scope and its agent follows it. Records the grant (or the extension) as
    /// an access event by `by`.
    pub async fn grant_access_to(
        &self,
        account_id: i64,
        by: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        grantees: Grantees,
        scope: &Scope,
    ) -> Result<GrantChange, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let latest: Option<Grant> =
                sqlx::query_as(LATEST_GRANT).bind(account_id).fetch_optional(&mut *tx).await?;
            // A grant answers the request waiting, if one is.
            let request: Option<AccessRequest> =
                open_request(account_id, now).fetch_optional(&mut *tx).await?;
            let in_force = latest.filter(|grant| in_force(grant, now));
            let extending = match (&in_force, &request) {
                (Some(grant), Some(request)) => request.extends == Some(grant.id),
                _ => false,
            };
            let change = match in_force {
                Some(grant) if !extending => GrantChange::AlreadyInForce(grant),
                extended => {
                    // An extension keeps what the grant it extends covered, and whom.
                    let (grantee, scope) = match &extended {
                        Some(old) => (
                            old.grantee_id.map(|id| (id, old.grantee_email.clone())),
                            old.scope.clone(),
                        ),
                        None => (
                            request
                                .as_ref()
                                .filter(|_| grantees == Grantees::AskingAgent)
                                .map(|r| (r.requested_by, r.requested_by_email.clone())),
                            scope.clone(),
                        ),
                    };
                    if let Some(old) = &extended {
                        sqlx::query(
                            "UPDATE support_grants SET revoked_at = $1, revoked_by = $2 \
                             WHERE id = $3",
                        )
                        .bind(now)
                        .bind(by)
                        .bind(old.id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let grant: Grant = sqlx::query_as(&format!(
                        "INSERT INTO support_grants (account_id, granted_by, granted_at, \
                         expires_at, request_id, ticket, grantee_id, grantee_email, scope) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {GRANT_COLUMNS}"
                    ))
                    .bind(account_id)
                    .bind(by)
                    .bind(now)
                    .bind(expires_at)
                    .bind(request.as_ref().map(|r| r.id))
                    .bind(request.as_ref().map(|r| r.ticket.clone()))
                    .bind(grantee.as_ref().map(|(id, _)| *id))
                    .bind(grantee.and_then(|(_, email)| email))
                    .bind(scope.stored())
                    .fetch_one(&mut *tx)
                    .await?;
                    if let Some(old) = &extended {
                        sqlx::query("UPDATE support_grants SET extended_to = $1 WHERE id = $2")
                            .bind(grant.id)
                            .bind(old.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(request) = &request {
                        decide_request(request.id, RequestState::Granted, by, now)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let action = if extending { AccessAction::Extend } else { AccessAction::Grant };
                    let event = NewAccessEvent {
                        actor_id: Some(by),
                        account_id,
                        action,
                        log_entry_id: None,
                        grant_id: Some(grant.id),
                        request_id: request.as_ref().map(|r| r.id),
                        share_link_id: None,
                        detail: AccessDetail {
                            ticket: grant.ticket.clone(),
                            scope: grant.scope.words(),
                            ..AccessDetail::default()
                        },
                    };
                    insert_event(&event, now).execute(&mut *tx).await?;
                    if extending { GrantChange::Extended(grant) } else { GrantChange::Granted(grant) }
                }
            };
            tx.commit().await?;
            change
        }))
    }

    /// Ends the grant in force on `account_id` now, recording it as an access event.
    pub async fn revoke_access(
        &self,
        account_id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<RevokeChange, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let latest: Option<Grant> =
                sqlx::query_as(LATEST_GRANT).bind(account_id).fetch_optional(&mut *tx).await?;
            let change = match latest {
                Some(grant) if in_force(&grant, now) => {
                    let revoked: Grant = sqlx::query_as(&format!(
                        "UPDATE support_grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3 \
                         RETURNING {GRANT_COLUMNS}"
                    ))
                    .bind(now)
                    .bind(by)
                    .bind(grant.id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let event = NewAccessEvent {
                        actor_id: Some(by),
                        account_id,
                        action: AccessAction::Revoke,
                        log_entry_id: None,
                        grant_id: Some(grant.id),
                        request_id: None,
                        share_link_id: None,
                        detail: AccessDetail::default(),
                    };
                    insert_event(&event, now).execute(&mut *tx).await?;
                    RevokeChange::Revoked(Box::new(revoked))
                }
                _ => RevokeChange::NothingInForce,
            };
            tx.commit().await?;
            change
        }))
    }

    /// Records, once each, the expiry of every grant that ran out by `now`, dated at
    /// the instant it expired. Safe to run from several instances at once.
    /// How many accounts' grants are in force at `now`.
    pub async fn grants_in_force(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM support_grants WHERE revoked_at IS NULL AND expires_at > $1",
            )
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn record_expiries(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "INSERT INTO access_events (occurred_at, actor_id, account_id, action, grant_id) \
                 SELECT g.expires_at, NULL, g.account_id, 'expire', g.id FROM support_grants g \
                 WHERE g.revoked_at IS NULL AND g.expires_at <= $1 AND NOT EXISTS \
                 (SELECT 1 FROM access_events e WHERE e.grant_id = g.id AND e.action = 'expire') \
                 ON CONFLICT DO NOTHING",
            )
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    pub async fn record_access_event(
        &self,
        event: NewAccessEvent,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            insert_event(&event, now).execute(pool).await?;
        });
        Ok(())
    }

    /// Records `events`, each at its time, all or none: one transaction, one sync to
    /// disk.
    pub async fn record_access_events(
        &self,
        events: &[(NewAccessEvent, DateTime<Utc>)],
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for (event, at) in events {
                insert_event(event, *at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The account's audit trail, newest first.
    pub async fn access_events(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<AccessEvent>, StoreError> {
        self.access_events_before(account_id, None, limit).await
    }

    /// The account's audit trail, newest first, before `before` (time, id) when given.
    pub async fn access_events_before(
        &self,
        account_id: i64,
        before: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> Result<Vec<AccessEvent>, StoreError> {
        let (at, id) = before.unwrap_or((end_of_time(), i64::MAX));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SELECT_EVENTS} WHERE e.account_id = $1 AND (e.occurred_at, e.id) < ($2, $3) \
                 ORDER BY e.occurred_at DESC, e.id DESC LIMIT $4"
            ))
            .bind(account_id)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Deletes up to `batch` access events from before `cutoff`; returns how many went.
    /// The database refuses to delete one under a year old.
    pub async fn purge_access_events(
        &self,
        cutoff: DateTime<Utc>,
        batch: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "DELETE FROM access_events WHERE id IN \
                 (SELECT id FROM access_events WHERE occurred_at < $1 LIMIT $2)",
            )
            .bind(cutoff)
            .bind(batch)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// The account's grants, newest first, before grant `before` (all of them from the
    /// newest without it), with who granted and revoked them.
    pub async fn grants_page(
        &self,
        account_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SELECT_GRANT_RECORDS} WHERE g.account_id = $1 AND g.id < $2 \
                 ORDER BY g.id DESC LIMIT $3"
            ))
            .bind(account_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// What Support did under one of the account's grants, newest first, before
    /// `before` (time, id) when given.
    pub async fn grant_activity(
        &self,
        account_id: i64,
        grant_id: i64,
        before: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> Result<Vec<AccessEvent>, StoreError> {
        let views = AccessAction::VIEWS.map(|a| format!("'{}'", a.as_str())).join(", ");
        let (at, id) = before.unwrap_or((end_of_time(), i64::MAX));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SELECT_EVENTS} WHERE e.account_id = $1 AND e.grant_id = $2 \
                 AND e.action IN ({views}) AND (e.occurred_at, e.id) < ($3, $4) \
                 ORDER BY e.occurred_at DESC, e.id DESC LIMIT $5"
            ))
            .bind(account_id)
            .bind(grant_id)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// Year 9999: after every event, and as text on SQLite too.
fn end_of_time() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).expect("a valid time")
}

pub(crate) const SELECT_EVENTS: &str = "SELECT e.id, e.occurred_at, e.actor_id, \
     u.email AS actor_email, e.account_id, e.action, e.log_entry_id, e.grant_id, e.request_id, \
     e.share_link_id, e.detail FROM access_events e \
     LEFT JOIN users u ON u.id = e.actor_id";

/// What asking for access did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestChange {
    Requested(AccessRequest),
    /// A request was waiting already (perhaps another agent's); nothing changed.
    AlreadyOpen(AccessRequest),
    /// A grant is in force; nothing changed.
    AlreadyGranted(Grant),
}

/// A request about to be made.
pub struct NewAccessRequest<'a> {
    pub account_id: i64,
    pub by: i64,
    pub ticket: &'a str,
    pub reason: &'a str,
    pub lapses_at: DateTime<Utc>,
}

impl Store {
    /// Asks the account's customer for access, unless a request is waiting or a grant
    /// is in force: one request at a time per account, under the account's lock. Under
    /// a grant the agent [`may_ask_to_extend`], it asks to extend it, and lapses when
    /// the grant ends if not before.
    pub async fn request_access(
        &self,
        new: NewAccessRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<RequestChange, StoreError> {
        let account_id = new.account_id;
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let latest: Option<Grant> =
                sqlx::query_as(LATEST_GRANT).bind(account_id).fetch_optional(&mut *tx).await?;
            let open: Option<AccessRequest> =
                open_request(account_id, now).fetch_optional(&mut *tx).await?;
            let in_force = latest.filter(|grant| in_force(grant, now));
            let change = match (in_force, open) {
                (_, Some(open)) => RequestChange::AlreadyOpen(open),
                (Some(grant), None) if !may_ask_to_extend(&grant, new.by, now) => {
                    RequestChange::AlreadyGranted(grant)
                }
                (extends, None) => {
                    // A request to extend means nothing once its grant has ended.
                    let lapses_at = extends.as_ref().map_or(new.lapses_at, |grant| {
                        new.lapses_at.min(grant.expires_at)
                    });
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO access_requests (account_id, requested_by, requested_at, \
                         lapses_at, ticket, reason, extends) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(account_id)
                    .bind(new.by)
                    .bind(now)
                    .bind(lapses_at)
                    .bind(new.ticket)
                    .bind(new.reason)
                    .bind(extends.map(|grant| grant.id))
                    .fetch_one(&mut *tx)
                    .await?;
                    let event = NewAccessEvent::request(
                        Some(new.by),
                        AccessAction::Request,
                        (account_id, id, new.ticket),
                    );
                    insert_event(&event, now).execute(&mut *tx).await?;
                    let request: AccessRequest =
                        sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = $1"))
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await?;
                    RequestChange::Requested(request)
                }
            };
            tx.commit().await?;
            change
        }))
    }

    /// Declines the account's request waiting for an answer, if one is; returns it.
    pub async fn decline_request(
        &self,
        account_id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<AccessRequest>, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let open: Option<AccessRequest> =
                open_request(account_id, now).fetch_optional(&mut *tx).await?;
            if let Some(request) = &open {
                decide_request(request.id, RequestState::Declined, by, now)
                    .execute(&mut *tx)
                    .await?;
                let event = NewAccessEvent::request(
                    Some(by),
                    AccessAction::Decline,
                    (account_id, request.id, &request.ticket),
                );
                insert_event(&event, now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            open.map(|request| AccessRequest {
                state: RequestState::Declined,
                decided_at: Some(now),
                ..request
            })
        }))
    }

    /// Records, once each, the lapse of every request nobody answered by `now`, dated
    /// the instant it lapsed. Safe to run from several instances at once: a request is
    /// marked lapsed by one statement, and only the one that marked it records it.
    pub async fn record_lapses(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let lapsed: Vec<(i64, i64, DateTime<Utc>, String)> = sqlx::query_as(
                "UPDATE access_requests SET outcome = 'lapsed', decided_at = lapses_at \
                 WHERE outcome IS NULL AND lapses_at <= $1 \
                 RETURNING id, account_id, lapses_at, ticket",
            )
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for (id, account_id, lapsed_at, ticket) in &lapsed {
                let event =
                    NewAccessEvent::request(None, AccessAction::Lapse, (*account_id, *id, ticket));
                insert_event(&event, *lapsed_at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            lapsed.len() as u64
        }))
    }

    /// The account's latest request, in any state.
    pub async fn latest_request(
        &self,
        account_id: i64,
    ) -> Result<Option<AccessRequest>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SELECT_REQUEST} WHERE r.account_id = $1 ORDER BY r.id DESC LIMIT 1"
            ))
            .bind(account_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The account's requests, newest first, at most `limit`.
    pub async fn access_requests(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "{SELECT_REQUEST} WHERE r.account_id = $1 ORDER BY r.id DESC LIMIT $2"
            ))
            .bind(account_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}

//! The SQL of the support console: accounts with their latest grant and request.

use chrono::{DateTime, Utc};

use crate::{
    store::{like_pattern, with_pool, Store, StoreError},
    support_access::{AccessRequest, Grant, RequestState},
};

/// An account as the support console lists it, with its most recent grant.
#[derive(sqlx::FromRow)]
struct ListedAccountRow {
    id: i64,
    name: String,
    contact_email: Option<String>,
    grant_id: Option<i64>,
    granted_by: Option<i64>,
    granted_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    revoked_by: Option<i64>,
    grant_ticket: Option<String>,
    request_id: Option<i64>,
    requested_by: Option<i64>,
    requested_by_email: Option<String>,
    requested_at: Option<DateTime<Utc>>,
    lapses_at: Option<DateTime<Utc>>,
    ticket: Option<String>,
    reason: Option<String>,
    outcome: Option<String>,
    decided_at: Option<DateTime<Utc>>,
}

/// An account for the support console: who it is, and its most recent grant (which
/// may have ended; [`crate::support_access::in_force`] says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedAccount {
    pub id: i64,
    pub name: String,
    /// Its first customer's email, to recognise it by.
    pub contact_email: Option<String>,
    pub latest_grant: Option<Grant>,
    /// Its most recent request for access, in whatever state.
    pub latest_request: Option<AccessRequest>,
}

impl From<ListedAccountRow> for ListedAccount {
    fn from(row: ListedAccountRow) -> Self {
        let latest_grant = match (row.grant_id, row.granted_by, row.granted_at, row.expires_at) {
            (Some(id), Some(granted_by), Some(granted_at), Some(expires_at)) => Some(Grant {
                id,
                account_id: row.id,
                granted_by,
                granted_at,
                expires_at,
                revoked_at: row.revoked_at,
                revoked_by: row.revoked_by,
                ticket: row.grant_ticket,
            }),
            _ => None,
        };
        let latest_request = match (
            row.request_id,
            row.requested_by,
            row.requested_at,
            row.lapses_at,
            row.ticket,
            row.reason,
        ) {
            (
                Some(id),
                Some(requested_by),
                Some(requested_at),
                Some(lapses_at),
                Some(ticket),
                Some(reason),
            ) => Some(AccessRequest {
                id,
                account_id: row.id,
                requested_by,
                requested_by_email: row.requested_by_email,
                requested_at,
                lapses_at,
                ticket,
                reason,
                state: RequestState::try_from(row.outcome).unwrap_or(RequestState::Lapsed),
                decided_at: row.decided_at,
            }),
            _ => None,
        };
        ListedAccount {
            id: row.id,
            name: row.name,
            contact_email: row.contact_email,
            latest_grant,
            latest_request,
        }
    }
}

impl Store {
    /// Accounts whose name or a user's email contains `search` (any case), by name.
    pub async fn accounts_for_support(
        &self,
        search: &str,
        limit: i64,
    ) -> Result<Vec<ListedAccount>, StoreError> {
        let rows: Vec<ListedAccountRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, a.name, \
                 (SELECT MIN(u.email) FROM users u WHERE u.account_id = a.id) AS contact_email, \
                 g.id AS grant_id, g.granted_by, g.granted_at, g.expires_at, g.revoked_at, \
                 g.revoked_by, g.ticket AS grant_ticket, r.id AS request_id, r.requested_by, \
                 ru.email AS requested_by_email, r.requested_at, r.lapses_at, r.ticket, \
                 r.reason, r.outcome, r.decided_at \
                 FROM accounts a LEFT JOIN support_grants g ON g.id = \
                 (SELECT MAX(id) FROM support_grants WHERE account_id = a.id) \
                 LEFT JOIN access_requests r ON r.id = \
                 (SELECT MAX(id) FROM access_requests WHERE account_id = a.id) \
                 LEFT JOIN users ru ON ru.id = r.requested_by \
                 WHERE $1 = '' OR lower(a.name) LIKE $2 ESCAPE '\\' OR EXISTS \
                 (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.email LIKE $2 ESCAPE '\\') \
                 ORDER BY a.name, a.id LIMIT $3",
            )
            .bind(search.trim())
            .bind(like_pattern(search))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(ListedAccount::from).collect())
    }
}

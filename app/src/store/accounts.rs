use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{with_pool, Store, StoreError};
use crate::support_access::Grant;

/// One of the vendor's customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn create_account(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Conflict("an account needs a name".into()));
        }
        with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO accounts (name, created_at) VALUES ($1, $2) \
                 RETURNING id, name, created_at",
            )
            .bind(name)
            .bind(now)
            .fetch_one(pool)
            .await
        })
        .map_err(|e| StoreError::conflict_or(e, || format!("an account named {name:?} exists")))
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, created_at FROM accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Which of `ids` are accounts.
    pub async fn existing_accounts(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new("SELECT id FROM accounts WHERE id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(")");
            query.build_query_scalar().fetch_all(pool).await?
        }))
    }

    /// Every account's id, for jobs that go through them all.
    pub async fn account_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM accounts ORDER BY id").fetch_all(pool).await?
        }))
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, created_at FROM accounts WHERE name = $1")
                .bind(name.trim())
                .fetch_optional(pool)
                .await?
        }))
    }
}

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
            }),
            _ => None,
        };
        ListedAccount { id: row.id, name: row.name, contact_email: row.contact_email, latest_grant }
    }
}

/// `%search%`, lower-case, where `%` and `_` match themselves (with `ESCAPE '\'`).
pub(super) fn like_pattern(search: &str) -> String {
    let escaped =
        search.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
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
                 g.revoked_by \
                 FROM accounts a LEFT JOIN support_grants g ON g.id = \
                 (SELECT MAX(id) FROM support_grants WHERE account_id = a.id) \
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

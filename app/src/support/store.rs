//! The SQL of the support console: accounts with their latest grant and request.

use crate::{
    store::{like_pattern, with_pool, Store, StoreError},
    support_access::{
        AccessRequest, Grant, LatestAccessRow, LATEST_ACCESS_COLUMNS, LATEST_ACCESS_JOINS,
    },
};

/// An account as the support console lists it, with its most recent grant and request.
#[derive(sqlx::FromRow)]
struct ListedAccountRow {
    id: i64,
    name: String,
    contact_email: Option<String>,
    #[sqlx(flatten)]
    access: LatestAccessRow,
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

impl ListedAccountRow {
    fn into_listed(self) -> Result<ListedAccount, StoreError> {
        let (latest_grant, latest_request) = self.access.into_parts(self.id)?;
        Ok(ListedAccount {
            id: self.id,
            name: self.name,
            contact_email: self.contact_email,
            latest_grant,
            latest_request,
        })
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
            sqlx::query_as(&format!(
                "SELECT a.id, a.name, \
                 (SELECT MIN(u.email) FROM users u WHERE u.account_id = a.id) AS contact_email, \
                 {LATEST_ACCESS_COLUMNS} FROM accounts a {LATEST_ACCESS_JOINS} \
                 WHERE $1 = '' OR lower(a.name) LIKE $2 ESCAPE '\\' OR EXISTS \
                 (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.email LIKE $2 ESCAPE '\\') \
                 ORDER BY a.name, a.id LIMIT $3",
            ))
            .bind(search.trim())
            .bind(like_pattern(search))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(ListedAccountRow::into_listed).collect()
    }
}

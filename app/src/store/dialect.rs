//! Where SQLite and PostgreSQL differ, for queries that must read the same on both:
//! case-insensitive matching and locking one account's rows.

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use super::Store;

/// `%search%`, lower-case, where `%` and `_` match themselves (with `ESCAPE '\'`).
pub fn like_pattern(search: &str) -> String {
    let escaped =
        search.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Case-insensitive `LIKE` on both back-ends (SQLite's ignores case for ASCII).
    pub fn like(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => " LIKE ",
            Store::Postgres(_) => " ILIKE ",
        }
    }
}

/// A transaction that holds an account's rows still until it ends, so that two changes
/// to one account at once (two grants, a grant and a revoke) apply one after the other.
/// Every branch must end the transaction itself: a dropped PostgreSQL transaction would
/// hold the lock until its connection is used again.
pub(crate) trait AccountLock {
    type Db: sqlx::Database;
    async fn lock_account(
        &self,
        account_id: i64,
    ) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
}

impl AccountLock for SqlitePool {
    type Db = Sqlite;
    async fn lock_account(&self, _: i64) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        // SQLite has one writer: taking the write lock up front serialises us.
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl AccountLock for PgPool {
    type Db = Postgres;
    async fn lock_account(
        &self,
        account_id: i64,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

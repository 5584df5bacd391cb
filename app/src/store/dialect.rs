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
            Store::Sqlite(..) => " LIKE ",
            Store::Postgres(..) => " ILIKE ",
        }
    }
}

/// A transaction that holds the things it names still until it ends, so that two
/// changes to one of them at once (two grants of an account, two sign-in attempts of a
/// user) apply one after the other. Names are free text (`account:7`,
/// `sign-in:alice@acme.example`). Every branch must end the transaction itself: a
/// dropped PostgreSQL transaction would hold its locks until its connection is used
/// again.
pub(crate) trait Locking {
    type Db: sqlx::Database;
    async fn begin_locked(
        &self,
        names: &[String],
    ) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
}

impl Locking for SqlitePool {
    type Db = Sqlite;
    async fn begin_locked(
        &self,
        _: &[String],
    ) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        // SQLite has one writer: taking the write lock up front serialises us.
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl Locking for PgPool {
    type Db = Postgres;
    async fn begin_locked(
        &self,
        names: &[String],
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        // Transaction-scoped advisory locks, taken in one order so that two
        // transactions never wait on each other in a circle.
        let mut names = names.to_vec();
        names.sort();
        names.dedup();
        for name in names {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }
}

//! The database behind apilogs: SQLite (the embedded default) or PostgreSQL, chosen by
//! the database URL. Callers see one `Store` whatever the back-end.
//!
//! This module holds only what every feature shares: the back-ends, their errors,
//! connecting and migrating, and the dialect helpers. Each feature writes its own
//! queries beside it, as `impl Store` blocks in its `store.rs` (`auth/store.rs`,
//! `logs/store.rs`, …); nothing here knows of any feature.
//!
//! Each query is written once: SQLite understands PostgreSQL's `$1` placeholders, and
//! [`with_pool!`] compiles the same body against each back-end's pool. Where the two
//! dialects differ, the method says so with its own `match`.

mod dialect;
#[cfg(feature = "testing")]
pub mod testing;

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

pub use dialect::like_pattern;
pub(crate) use dialect::AccountLock;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The causes are `source`s, not in the messages: `{:#}` prints the chain once.
    #[error("invalid database URL {url:?}")]
    InvalidUrl { url: String, source: sqlx::Error },
    #[error("cannot connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A uniqueness rule refused the write, e.g. an email already in use.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] with `message`.
    pub fn conflict_or(error: sqlx::Error, message: impl FnOnce() -> String) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(message())
            }
            _ => StoreError::Query(error),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// `with_pool!(store, pool => body)`: runs `body` with `pool` bound to the store's
/// pool, whichever back-end it is.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Store {
    /// Connects to `url`: `postgres://…` or `postgresql://…` for PostgreSQL; for SQLite
    /// `sqlite://path`, `sqlite::memory:` or a bare file path. A SQLite file is created
    /// when missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let invalid = |source| StoreError::InvalidUrl { url: url.to_owned(), source };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(invalid)?;
            return Self::connect_postgres(options).await;
        }
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(invalid)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every commit reaches the disk before it is acknowledged: an ingest batch
            // answered 200 survives a crash, and a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        Ok(Store::Sqlite(pool))
    }

    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        Ok(Store::Postgres(pool))
    }

    /// Brings the schema up to date. Safe to run at every start-up.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "SQLite",
            Store::Postgres(_) => "PostgreSQL",
        }
    }
}

//! The database behind apilogs: SQLite (the embedded default) or PostgreSQL, chosen by
//! the database URL. Callers see one `Store` whatever the back-end.
//!
//! This module holds only what every feature shares: the back-ends, their errors,
//! connecting and migrating, and the dialect helpers. Each feature writes its own
//! queries beside it, as `impl Store` blocks in its `store.rs` (`auth/store.rs`,
//! `logs/store.rs`, …); nothing here knows of any feature. What the schema itself needs
//! is here too: the SQL function SQLite's triggers call (`trigrams`), given to every
//! connection as it opens.
//!
//! Each query is written once: SQLite understands PostgreSQL's `$1` placeholders, and
//! [`with_pool!`] compiles the same body against each back-end's pool. Where the two
//! dialects differ, the method says so with its own `match`.

mod dialect;
mod sql_function;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trigrams;

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    str::FromStr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

pub use dialect::like_pattern;
pub(crate) use dialect::Locking;

/// How long one use of a connection may run: a crafted search, say, is stopped there
/// rather than hold a connection and a core. Migrations, which may rightly take longer,
/// are exempt.
pub const STATEMENT_BUDGET: Duration = Duration::from_secs(5);

/// SQLite virtual-machine steps between two looks at the clock: about a millisecond.
const SQLITE_STEPS_PER_CHECK: i32 = 50_000;

/// A PostgreSQL connection idle longer than this is pinged before it is used again.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

/// How often SQLite's write-ahead log is copied back into the database file, by a task
/// of the store's own rather than inside the commit that fills it past SQLite's 1,000
/// pages: that commit, and every write queued behind it, waited for the copy and a sync
/// of the whole file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// WAL pages (of 4 KB) past which a commit still checkpoints itself: only when the
/// background checkpoints fall far behind.
const WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS: &str = "16384";

/// A pool's connections: open (`size`), of which `idle`, and at most `max`; and the
/// store's calls `waiting` for one (or, on SQLite, for their turn to write).
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
    pub waiting: usize,
}

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
    /// The query ran past [`STATEMENT_BUDGET`] and was stopped.
    #[error("the query took longer than {} s and was stopped", STATEMENT_BUDGET.as_secs())]
    TooSlow,
    #[error(transparent)]
    Query(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        // SQLite's SQLITE_INTERRUPT (9), PostgreSQL's query_canceled (57014).
        let stopped = error
            .as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "9" || code == "57014");
        if stopped {
            StoreError::TooSlow
        } else {
            StoreError::Query(error)
        }
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] with `message`.
    pub fn conflict_or(error: sqlx::Error, message: impl FnOnce() -> String) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(message())
            }
            _ => StoreError::from(error),
        }
    }
}

/// `url` with its password (in the user info or a `password=` parameter) replaced:
/// it may be printed.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
            format!("{user}:***@{host}")
        }
        _ => authority.to_owned(),
    };
    let path = match path.split_once('?') {
        Some((path, query)) => {
            let hide = |pair: &str| match pair.split_once('=') {
                Some(("password", _)) => "password=***".to_owned(),
                _ => pair.to_owned(),
            };
            let query: Vec<String> = query.split('&').map(hide).collect();
            format!("{path}?{}", query.join("&"))
        }
        None => path.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool, WriteQueue, Shared),
    Postgres(PgPool, Shared),
}

/// SQLite lets one connection write at a time. A writer that finds the file locked
/// sleeps in SQLite's busy handler, longer at each look (1, 2, 5 … 100 ms), so under
/// concurrent writes one waited up to hundreds of milliseconds for a lock that was free
/// most of that time. This process's writers queue here instead, in arrival order, each
/// let in the moment the one before it is done. Readers never queue (WAL).
#[derive(Clone, Debug, Default)]
pub struct WriteQueue(Arc<tokio::sync::Mutex<()>>);

impl WriteQueue {
    pub async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.0.lock().await
    }
}

/// What every clone of a store shares beside its pool.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    pub(crate) in_flight: InFlight,
    kept: Kept,
}

/// The store's calls under way, each counted from before it asks for a connection
/// until its body is done. sqlx does not say how many wait for a connection; the calls
/// under way beyond the connections in use do.
#[derive(Clone, Debug, Default)]
pub(crate) struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    pub(crate) fn enter(&self) -> InFlightCall<'_> {
        self.0.fetch_add(1, Ordering::Relaxed);
        InFlightCall(&self.0)
    }
}

/// One call under way, counted until it is dropped.
pub(crate) struct InFlightCall<'a>(&'a AtomicUsize);

impl Drop for InFlightCall<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Checkpoints SQLite's write-ahead log every [`CHECKPOINT_EVERY`] until the pool is
/// closed (or the runtime ends). Passive: it copies what no reader still needs, never
/// waits for a writer, and a writer never waits for it; with nothing new it does not
/// sync.
fn spawn_checkpoints(pool: SqlitePool, in_flight: InFlight) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                return;
            }
            let _call = in_flight.enter();
            let checkpoint = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await;
            if let Err(error) = checkpoint {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %error, "could not checkpoint SQLite's write-ahead log");
            }
        }
    });
}

/// What features keep beside the pool, one of each type, made on first use: a
/// feature's own queue of writes, say. The store names no feature.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>);

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept").finish_non_exhaustive()
    }
}

/// `with_pool!(store, pool => body)`: runs `body` with `pool` bound to the store's
/// pool, whichever back-end it is, counted [`InFlight`]. For reads; a body that writes
/// uses [`with_writer!`].
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool, _, shared) => {
                let _call = shared.in_flight.enter();
                $body
            }
            $crate::store::Store::Postgres($pool, shared) => {
                let _call = shared.in_flight.enter();
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// `with_writer!(store, pool => body)`: as [`with_pool!`], for a body that writes: on
/// SQLite it runs in its turn on the [`WriteQueue`], the whole body (a transaction
/// included) in one turn. The body must not call another writing `Store` method: the
/// queue is not re-entrant.
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool, queue, shared) => {
                let _call = shared.in_flight.enter();
                let _turn = queue.turn().await;
                $body
            }
            $crate::store::Store::Postgres($pool, shared) => {
                let _call = shared.in_flight.enter();
                $body
            }
        }
    };
}
pub(crate) use with_writer;

impl Store {
    /// Connects to `url`: `postgres://…` or `postgresql://…` for PostgreSQL; for SQLite
    /// `sqlite://path`, `sqlite::memory:` or a bare file path. A SQLite file is created
    /// when missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let invalid = |source| StoreError::InvalidUrl { url: without_password(url), source };
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
            .busy_timeout(Duration::from_secs(5))
            .pragma("wal_autocheckpoint", WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            // A file's connection cannot go stale: no ping (a round trip to the
            // connection's thread) before each use.
            .test_before_acquire(false)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    let mut handle = connection.lock_handle().await?;
                    sql_function::register(
                        handle.as_raw_handle(),
                        c"search_trigrams",
                        trigrams::words,
                    )
                })
            })
            // SQLite has no statement timeout: each use of a connection gets a deadline,
            // which a progress handler enforces by interrupting the statement.
            .before_acquire(|connection, _| {
                Box::pin(async move {
                    let deadline = Instant::now() + STATEMENT_BUDGET;
                    let mut handle = connection.lock_handle().await?;
                    handle.set_progress_handler(SQLITE_STEPS_PER_CHECK, move || {
                        Instant::now() < deadline
                    });
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        let shared = Shared::default();
        spawn_checkpoints(pool.clone(), shared.in_flight.clone());
        Ok(Store::Sqlite(pool, WriteQueue::default(), shared))
    }

    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Self, StoreError> {
        let budget = format!("{}ms", STATEMENT_BUDGET.as_millis());
        let options = options.options([("statement_timeout", budget)]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            // A ping before every use doubled a page's round trips: only a connection
            // idle a while is checked (the server may have dropped it meanwhile).
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        Ok(Store::Postgres(pool, Shared::default()))
    }

    /// Brings the schema up to date. Safe to run at every start-up. Migrations run on
    /// a connection freed of [`STATEMENT_BUDGET`]: on a large database they may rightly
    /// take longer.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool, ..) => {
                let mut connection = pool.acquire().await?;
                connection.lock_handle().await?.set_progress_handler(0, || true);
                sqlx::migrate!("../migrations/sqlite").run(&mut *connection).await?;
            }
            Store::Postgres(pool, _) => {
                let mut connection = pool.acquire().await?;
                sqlx::query("SET statement_timeout = 0").execute(&mut *connection).await?;
                let migrated = sqlx::migrate!("../migrations/postgres").run(&mut *connection).await;
                sqlx::query("RESET statement_timeout").execute(&mut *connection).await?;
                migrated?;
            }
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

    /// The pool's connections now, and the calls waiting for one.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = match self {
            Store::Sqlite(pool, ..) => {
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
            Store::Postgres(pool, _) => {
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
        };
        let in_use = (size as usize).saturating_sub(idle);
        let waiting = self.shared().in_flight.0.load(Ordering::Relaxed).saturating_sub(in_use);
        PoolStats { size, idle, max, waiting }
    }

    fn shared(&self) -> &Shared {
        match self {
            Store::Sqlite(_, _, shared) | Store::Postgres(_, shared) => shared,
        }
    }

    /// The `T` this store keeps for a feature, made on first use.
    pub fn kept<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut kept = self.shared().kept.0.lock().expect("not poisoned");
        let kept = kept.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()));
        kept.clone().downcast().expect("kept by its type")
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(..) => "SQLite",
            Store::Postgres(..) => "PostgreSQL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_printed_database_url_shows_no_password() {
        let cases = [
            (
                "postgres://app:s3cr%40t@db.example:5432/logs?sslmode=require",
                "postgres://app:***@db.example:5432/logs?sslmode=require",
            ),
            ("postgres://app@db.example/logs", "postgres://app@db.example/logs"),
            (
                "postgres://db.example/logs?password=x&a=b",
                "postgres://db.example/logs?password=***&a=b",
            ),
            ("sqlite://apilogs.db", "sqlite://apilogs.db"),
            ("apilogs.db", "apilogs.db"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_password(url), shown, "{url}");
        }
    }
}

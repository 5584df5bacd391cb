//! Databases for tests, one fresh database per test so tests run in parallel and leave
//! nothing behind: a SQLite file in a temporary folder, or a PostgreSQL schema of its
//! own on the server at `APILOGS_TEST_POSTGRES_URL` (default
//! `postgres://127.0.0.1:5432/test`), dropped when the test ends.
//!
//! When PostgreSQL is unreachable, its tests fail under `CI=true`, and elsewhere say
//! loudly that they skipped.

use std::str::FromStr;

use sqlx::{
    postgres::{PgConnectOptions, PgConnection},
    ConnectOptions, Connection,
};

use super::Store;

pub struct TestDb {
    pub store: Store,
    /// The database's URL, for a server process started on it.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres_schema: Option<(PgConnectOptions, String)>,
}

/// The test PostgreSQL server's URL.
pub fn postgres_url() -> String {
    std::env::var("APILOGS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://127.0.0.1:5432/test".into())
}

/// A new empty schema named `<prefix>_<random>` on the server `admin` is connected to;
/// returns it with the `search_path` that puts the app in it: the schema, then
/// `public`, where the extensions the migrations use live once for every schema (an
/// extension belongs to one schema of the database).
pub async fn postgres_schema(admin: &mut PgConnection, prefix: &str) -> (String, String) {
    let mut tx = admin.begin().await.expect("a transaction");
    // Tests start at once; `IF NOT EXISTS` alone still races.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('apilogs test extensions'))")
        .execute(&mut *tx)
        .await
        .expect("the extensions' lock");
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .execute(&mut *tx)
        .await
        .expect("pg_trgm");
    tx.commit().await.expect("the extensions");
    let schema = format!("{prefix}_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut *admin)
        .await
        .expect("a test schema");
    let search_path = format!("{schema},public");
    (schema, search_path)
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.expect("a SQLite database");
        store.migrate().await.expect("migrations");
        TestDb { store, url, _dir: Some(dir), postgres_schema: None }
    }

    /// A fresh schema on the test PostgreSQL server; `None` (after a loud notice) when
    /// the server is unreachable outside CI.
    pub async fn postgres() -> Option<TestDb> {
        let url = postgres_url();
        let options = PgConnectOptions::from_str(&url).expect("a valid APILOGS_TEST_POSTGRES_URL");
        let mut admin = match options.connect().await {
            Ok(connection) => connection,
            Err(error) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!("PostgreSQL at {url} is unreachable, and CI=true requires it: {error}")
            }
            Err(error) => {
                eprintln!(
                    "\n!!! SKIPPED: PostgreSQL at {url} is unreachable ({error}); \
                     the PostgreSQL half of this test did not run !!!\n"
                );
                return None;
            }
        };
        let (schema, search_path) = postgres_schema(&mut admin, "test").await;
        let _ = admin.close().await;
        let scoped = options.clone().options([("search_path", search_path.as_str())]);
        let store = Store::connect_postgres(scoped).await.expect("a PostgreSQL pool");
        store.migrate().await.expect("migrations");
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}options[search_path]={search_path}");
        Some(TestDb { store, url, _dir: None, postgres_schema: Some((options, schema)) })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((options, schema)) = self.postgres_schema.take() else {
            return;
        };
        // Drop cannot await, and runs inside the test's runtime, which is blocked
        // meanwhile: use a thread with a runtime of its own, and leave the pool (whose
        // connections belong to the test's runtime) to close when it is dropped.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut admin = options.connect().await?;
                sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a PostgreSQL test schema");
        }
    }
}

/// `store_conformance_tests!(name, …)` runs each `async fn name(store: &Store)` of the
/// calling module twice: on SQLite (`sqlite::name`) and on PostgreSQL (`postgres::name`).
#[macro_export]
macro_rules! store_conformance_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::store::testing::TestDb::sqlite().await;
                    super::$name(&db.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::store::testing::TestDb::postgres().await else {
                        return;
                    };
                    super::$name(&db.store).await;
                }
            )*
        }
    };
}

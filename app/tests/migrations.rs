//! Databases made by earlier schemas, brought over by the migrations: PostgreSQL's from
//! before calls were partitioned, through the day tables to the week tables (every
//! call, its id and its page stay; new calls go on from there); SQLite's search index
//! from FTS5's trigram tokenizer to the app's own trigrams.

use std::borrow::Cow;

use app::support_access::Scope;
use app::{
    logs::{Call, LogFilter, NewLogEntry, PageFrom},
    store::{
        testing::{self, TestDb},
        Store,
    },
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sqlx::{
    migrate::Migrator, postgres::PgConnectOptions, sqlite::SqliteConnectOptions, ConnectOptions,
    Connection,
};

/// The first migration of the partitioned calls.
const PARTITIONED: i64 = 20261129000002;
/// The first migration of SQLite's index of the app's own trigrams.
const OWN_TRIGRAMS: i64 = 20261201000001;

/// An account and its 30 calls, 8 hours apart back from the time returned, written as
/// an earlier schema had them: `Needle req_<i>` in each request body.
async fn old_calls<DB: sqlx::Database>(connection: &mut DB::Connection) -> DateTime<Utc>
where
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
    sqlx::query("INSERT INTO accounts (name, created_at) VALUES ('Acme', $1)")
        .bind(t0)
        .execute(&mut *connection)
        .await
        .unwrap();
    for i in 0..30_i64 {
        sqlx::query(
            "INSERT INTO log_entries (account_id, occurred_at, request_id, method, endpoint, \
             status, duration_ms, credits, request_body, response_body) \
             VALUES (1, $1, $2, 'POST', '/v1/x', 200, 5, 1, 'Needle ' || $2, '{\"ok\":true}')",
        )
        .bind(t0 - TimeDelta::hours(i * 8))
        .bind(format!("req_{i}"))
        .execute(&mut *connection)
        .await
        .unwrap();
    }
    t0
}

/// `migrator` without its migrations from `version` on.
fn before(mut migrator: Migrator, version: i64) -> Migrator {
    migrator.migrations =
        Cow::Owned(migrator.migrations.iter().filter(|m| m.version < version).cloned().collect());
    migrator
}

#[tokio::test]
async fn calls_stored_before_partitioning_are_brought_over() {
    // Skips loudly when PostgreSQL is unreachable, or fails under CI.
    let Some(_reachable) = TestDb::postgres().await else { return };
    let options: PgConnectOptions = testing::postgres_url().parse().unwrap();
    let mut admin = options.connect().await.unwrap();
    let (schema, search_path) = testing::postgres_schema(&mut admin, "migrate").await;
    let scoped = options.clone().options([("search_path", search_path.as_str())]);

    // The schema as it was, with calls over ten days.
    let mut connection = scoped.connect().await.unwrap();
    before(sqlx::migrate!("../migrations/postgres"), PARTITIONED)
        .run(&mut connection)
        .await
        .unwrap();
    let t0 = old_calls::<sqlx::Postgres>(&mut connection).await;
    connection.close().await.unwrap();

    // The app starts on it.
    let store = Store::connect_postgres(scoped).await.unwrap();
    store.migrate().await.unwrap();
    let page = store
        .log_page(1, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap();
    let ids: Vec<String> = page.rows.iter().map(|r| r.request_id.clone()).collect();
    assert_eq!(ids, (0..30).map(|i| format!("req_{i}")).collect::<Vec<_>>());
    assert_eq!(page.rows[0].id, 1, "ids kept");
    let search = LogFilter { search: Some("needle req_17".into()), ..LogFilter::default() };
    let found = store.log_page(1, &Scope::EVERYTHING, &search, PageFrom::Newest, 50).await.unwrap();
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [18]);
    let (tables,): (Vec<String>,) = sqlx::query_as(
        "SELECT array_agg(c.relname::TEXT ORDER BY c.relname) FROM pg_inherits i \
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'log_entries'::regclass",
    )
    .fetch_one(match &store {
        Store::Postgres(pool, _) => pool,
        Store::Sqlite(..) => unreachable!(),
    })
    .await
    .unwrap();
    let weeks = ["log_entries_20261116", "log_entries_20261123"];
    assert_eq!(tables, weeks, "a table for each week with calls, the 16th to the 26th");
    store.insert_log_entries(&[NewLogEntry::new(1, Call::sample(t0, 99))]).await.unwrap();
    let page = store
        .log_page(1, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 1)
        .await
        .unwrap();
    assert_eq!(page.rows[0].id, 31, "new calls go on after the old ids");

    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await.unwrap();
}

#[tokio::test]
async fn sqlite_calls_indexed_by_fts5s_tokenizer_are_found_through_the_new_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("before.db");
    // The schema as it was (its triggers need no function of the app's), with calls.
    let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let mut connection = options.connect().await.unwrap();
    before(sqlx::migrate!("../migrations/sqlite"), OWN_TRIGRAMS)
        .run(&mut connection)
        .await
        .unwrap();
    let t0 = old_calls::<sqlx::Sqlite>(&mut connection).await;
    connection.close().await.unwrap();

    // The app starts on it: every call is in the new index, and found by it.
    let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    store.migrate().await.unwrap();
    let Store::Sqlite(pool, ..) = &store else { unreachable!() };
    let indexed = |query: &'static str| async move {
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM log_search WHERE log_search MATCH $1")
                .bind(query)
                .fetch_one(pool)
                .await
                .unwrap();
        count
    };
    assert_eq!(indexed(r#""nee" "req""#).await, 30);
    assert_eq!(indexed(r#""tru""#).await, 30, "both bodies");
    let found = |term: &'static str| async {
        let search = LogFilter { search: Some(term.into()), ..LogFilter::default() };
        let page = store.log_page(1, &Scope::EVERYTHING, &search, PageFrom::Newest, 50).await;
        page.unwrap().rows.iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(found("NEEDLE REQ_17").await, [18]);
    // New calls go into it too.
    let call = Call { request_body: Some("needle req_99".into()), ..Call::sample(t0, 99) };
    store.insert_log_entries(&[NewLogEntry::new(1, call)]).await.unwrap();
    assert_eq!(found("needle req_99").await, [31]);
    assert_eq!(indexed(r#""nee" "req""#).await, 31);
    store.close().await;
}

//! How fast the API Logs table pages through a large account: 1,000,000 calls on
//! SQLite and 10,000,000 on PostgreSQL in one account among 1,000 accounts. Each case
//! runs through the store (as the app does) and, interleaved in the same run, as the
//! same SQL sent straight through sqlx: the floor the store is measured against. On
//! PostgreSQL, then, retention's two ways with old calls: deleting a day's rows in
//! batches against dropping a week's table. On both, the first page an agent reads
//! under a grant limited to some calls, against the page of every call, interleaved.
//!
//! `cargo xtask bench` runs it. `APILOGS_BENCH_CALLS` (SQLite, default 1000000),
//! `APILOGS_BENCH_POSTGRES_CALLS` (default 10000000) and `APILOGS_BENCH_SAMPLES`
//! (default 300) scale it; `APILOGS_TEST_POSTGRES_URL` names the PostgreSQL server
//! (default `postgres://127.0.0.1:5432/test`), where it works in a schema of its own,
//! dropped at the end.

use std::time::{Duration, Instant};

use app::{
    logs::{Cursor, LogFilter, LogRow, PageFrom, StatusClass, PAGE_SIZE},
    store::{like_pattern, testing::TestDb, trigrams, Store},
    support_access::Scope,
};
use bench::{env_number, realistic_call};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

const ACCOUNTS: i64 = 1_000;
/// Calls of each of the other 999 accounts.
const OTHER_CALLS: i64 = 100;
/// Calls written per transaction while loading.
const LOAD_BATCH: usize = 5_000;

#[tokio::main]
async fn main() {
    let sqlite_calls = env_number("APILOGS_BENCH_CALLS", 1_000_000) as i64;
    let postgres_calls = env_number("APILOGS_BENCH_POSTGRES_CALLS", 10_000_000) as i64;
    let samples = env_number("APILOGS_BENCH_SAMPLES", 300) as usize;
    println!(
        "log pages: one account among {ACCOUNTS} accounts ({OTHER_CALLS} calls each for \
         the others), {PAGE_SIZE} rows a page, {samples} samples a case, store and direct \
         SQL interleaved"
    );
    let sqlite = TestDb::sqlite().await;
    run(&sqlite.store, sqlite_calls, samples).await;
    drop(sqlite);
    match TestDb::postgres().await {
        Some(postgres) => {
            run(&postgres.store, postgres_calls, samples).await;
            retention_by_week(&postgres.store).await;
        }
        None => {
            eprintln!("PostgreSQL is unreachable: its half of the benchmark did not run");
            std::process::exit(1);
        }
    }
}

async fn run(store: &Store, calls: i64, samples: usize) {
    let started = Instant::now();
    let account = load(store, calls).await;
    println!(
        "\n{}: {calls} calls loaded in {:.1} s",
        store.backend(),
        started.elapsed().as_secs_f64()
    );

    let deep = direct_cursor_at(store, account, 10_000).await;
    let errors = LogFilter { status: Some(StatusClass::Errors), ..LogFilter::default() };
    // A body search for text only in the oldest call: the search index finds it.
    let oldest = format!("results.example.com/{:x}\"", calls - 1);
    let search = LogFilter { search: Some(oldest), ..LogFilter::default() };
    let cases = [
        ("first page", LogFilter::default(), PageFrom::Newest, samples),
        ("page 10,000 rows deep", LogFilter::default(), PageFrom::Older(deep), samples),
        ("errors only, first page", errors, PageFrom::Newest, samples),
        ("body search, a rare term", search, PageFrom::Newest, samples),
    ];
    println!(
        "  {:<26} {:>12} {:>10} {:>13} {:>10} {:>7}",
        "case", "store median", "store p99", "direct median", "direct p99", "ratio"
    );
    for (name, filter, from, samples) in cases {
        // Both answer the same rows, or the comparison means nothing.
        let through_store = store_page(store, account, &filter, from).await;
        assert_eq!(through_store, direct_page(store, account, &filter, from).await, "{name}");
        let expected = if filter.search.is_some() { 1 } else { PAGE_SIZE };
        assert_eq!(through_store.len(), expected, "{name}");

        let warm_up = samples.min(10);
        let (mut by_store, mut direct) = (Vec::new(), Vec::new());
        for i in 0..samples + warm_up {
            // Alternate who goes first, so neither always meets a warmer cache.
            let through_store = || time(store_page(store, account, &filter, from));
            let straight = || time(direct_page(store, account, &filter, from));
            let (store_took, direct_took) = if i % 2 == 0 {
                let took = through_store().await;
                (took, straight().await)
            } else {
                let took = straight().await;
                (through_store().await, took)
            };
            if i >= warm_up {
                by_store.push(store_took);
                direct.push(direct_took);
            }
        }
        let (store_median, store_p99) = stats(&mut by_store);
        let (direct_median, direct_p99) = stats(&mut direct);
        println!(
            "  {name:<26} {:>12} {:>10} {:>13} {:>10} {:>6.2}×",
            ms(store_median),
            ms(store_p99),
            ms(direct_median),
            ms(direct_p99),
            store_median.as_secs_f64() / direct_median.as_secs_f64()
        );
    }
    limited(store, account, samples).await;
}

/// The first page under each kind of limited grant, against the page of every call,
/// interleaved: the ratio is of the p99s.
async fn limited(store: &Store, account: i64, samples: usize) {
    let newest = direct_cursor_at(store, account, 1).await;
    // The account's calls were written newest first, one after another: their ids run
    // from the newest's to the oldest's.
    let oldest = oldest_call(store, account).await;
    // The day that ends halfway back through the calls: a week back at 1,000,000 calls.
    let halfway = newest.at - (newest.at - oldest.at) / 2;
    let chosen = |n: i64| {
        let ids: Vec<i64> =
            (0..n).map(|k| newest.id + k * (oldest.id - newest.id) / (n - 1)).collect();
        async move { store.chosen_calls(account, &ids).await.unwrap() }
    };
    let scopes = [
        ("every call", Scope::default()),
        ("errors only", Scope { errors_only: true, ..Scope::default() }),
        ("one endpoint", Scope { endpoints: vec!["/v1/pdf/split".into()], ..Scope::default() }),
        (
            "a day, halfway back",
            Scope {
                since: Some(halfway - TimeDelta::days(1)),
                until: Some(halfway),
                ..Scope::default()
            },
        ),
        ("3 chosen calls", Scope { calls: chosen(3).await, ..Scope::default() }),
        ("100 chosen calls", Scope { calls: chosen(100).await, ..Scope::default() }),
    ];
    let page = |scope| async move {
        let filter = LogFilter::default();
        store.log_page(account, scope, &filter, PageFrom::Newest, PAGE_SIZE).await.unwrap().rows
    };
    for (name, scope) in &scopes {
        let rows = page(scope).await.len();
        let expected =
            if scope.calls.is_empty() { PAGE_SIZE } else { scope.calls.len().min(PAGE_SIZE) };
        assert_eq!(rows, expected, "{name}");
    }
    let mut took: Vec<Vec<Duration>> = vec![Vec::new(); scopes.len()];
    for i in 0..samples + 10 {
        // Each round in another order, so that none always meets a warmer cache.
        for k in 0..scopes.len() {
            let at = (k + i) % scopes.len();
            let elapsed = time(page(&scopes[at].1)).await;
            if i >= 10 {
                took[at].push(elapsed);
            }
        }
    }
    println!(
        "\n  a grant limited to some calls: the first page through the store, {samples} \
         samples each, all interleaved"
    );
    println!("  {:<26} {:>12} {:>10} {:>15}", "scope", "median", "p99", "p99 ÷ every call");
    let (_, every_p99) = stats(&mut took[0].clone());
    for ((name, _), samples) in scopes.iter().zip(&mut took) {
        let (median, p99) = stats(samples);
        let ratio = p99.as_secs_f64() / every_p99.as_secs_f64();
        println!("  {name:<26} {:>12} {:>10} {ratio:>14.2}×", ms(median), ms(p99));
    }
}

async fn time<T>(work: impl std::future::Future<Output = T>) -> Duration {
    let started = Instant::now();
    std::hint::black_box(work.await);
    started.elapsed()
}

/// Median and 99th percentile (nearest rank).
fn stats(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    (at(0.5), at(0.99))
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1e3)
}

/// The accounts, then the calls: `calls` for the account under test, one every 5 s
/// (four share each timestamp), 12 % of them errors; a few for every other account.
async fn load(store: &Store, calls: i64) -> i64 {
    let now = Utc::now();
    let mut accounts = Vec::new();
    for i in 0..ACCOUNTS {
        accounts.push(store.create_account(&format!("Bench account {i}"), now).await.unwrap().id);
    }
    let account = accounts[ACCOUNTS as usize / 2];
    let mut batch = Vec::with_capacity(LOAD_BATCH);
    let others = accounts.iter().filter(|a| **a != account);
    let all = others
        .flat_map(|other| (0..OTHER_CALLS).map(move |i| (*other, i)))
        .chain((0..calls).map(|i| (account, i)));
    for (account_id, i) in all {
        // One every 5 s, four sharing each time.
        batch.push(realistic_call(account_id, i, now - TimeDelta::seconds(5 * (i / 4))));
        if batch.len() == LOAD_BATCH {
            store.insert_log_entries(&batch).await.unwrap();
            batch.clear();
        }
    }
    store.insert_log_entries(&batch).await.unwrap();
    bench::analyze(store).await;
    account
}

async fn store_page(store: &Store, account: i64, filter: &LogFilter, from: PageFrom) -> Vec<i64> {
    let page = store.log_page(account, &Scope::EVERYTHING, filter, from, PAGE_SIZE).await.unwrap();
    page.rows.iter().map(|row: &LogRow| row.id).collect()
}

type Row = (i64, DateTime<Utc>, String, String, i32, i32, i32, String);

/// The query the store sends for these cases, written out by hand.
async fn direct_page(store: &Store, account: i64, filter: &LogFilter, from: PageFrom) -> Vec<i64> {
    const COLUMNS: &str =
        "SELECT id, occurred_at, method, endpoint, status, duration_ms, credits, \
                           request_id FROM log_entries WHERE account_id = $1";
    const ORDER: &str = "ORDER BY occurred_at DESC, id DESC LIMIT 51";
    if let Some(text) = &filter.search {
        return direct_search(store, account, text).await;
    }
    let condition = match (filter, from) {
        (_, PageFrom::Older(_)) => "AND (occurred_at, id) < ($2, $3)".to_owned(),
        (LogFilter { status: Some(class), .. }, _) => {
            let (low, high) = class.range();
            format!("AND status BETWEEN {low} AND {high}")
        }
        _ => String::new(),
    };
    let sql = format!("{COLUMNS} {condition} {ORDER}");
    macro_rules! fetch {
        ($pool:expr) => {{
            let query = sqlx::query_as::<_, Row>(&sql).bind(account);
            let query = match from {
                PageFrom::Older(cursor) => query.bind(cursor.at).bind(cursor.id),
                _ => query,
            };
            query.fetch_all($pool).await.unwrap()
        }};
    }
    let rows: Vec<Row> = match store {
        Store::Sqlite(pool, ..) => fetch!(pool),
        Store::Postgres(pool, _) => fetch!(pool),
    };
    rows.into_iter().take(PAGE_SIZE).map(|row| row.0).collect()
}

/// A body search's first page by hand, through the search index: FTS5's trigrams on
/// SQLite, pg_trgm's bitmap on PostgreSQL, asked
/// for the whole term (the store asks for its rare piece: see `rare_piece`).
async fn direct_search(store: &Store, account: i64, text: &str) -> Vec<i64> {
    const COLUMNS: &str =
        "SELECT id, occurred_at, method, endpoint, status, duration_ms, credits, request_id";
    const ORDER: &str = "ORDER BY occurred_at DESC, id DESC LIMIT 51";
    let exact = like_pattern(text);
    let rows: Vec<Row> = match store {
        Store::Sqlite(pool, ..) => {
            let sql = format!(
                "{COLUMNS} FROM log_entries WHERE id IN (SELECT rowid FROM log_search \
                 WHERE log_search MATCH $2) AND account_id = $1 AND (request_body LIKE $3 \
                 ESCAPE '\\' OR response_body LIKE $3 ESCAPE '\\') {ORDER}"
            );
            let query =
                sqlx::query_as(&sql).bind(account).bind(trigrams::all_of(text)).bind(&exact);
            query.fetch_all(pool).await.unwrap()
        }
        Store::Postgres(pool, _) => {
            let mut tx = pool.begin().await.unwrap();
            for setting in ["enable_indexscan", "enable_seqscan"] {
                let set = format!("SET LOCAL {setting} = off");
                sqlx::query(&set).execute(&mut *tx).await.unwrap();
            }
            let sql = format!(
                "{COLUMNS} FROM log_entries WHERE account_id = $1 AND (COALESCE(request_body, '') \
                 || E'\\n' || COALESCE(response_body, '')) ILIKE $2 ESCAPE '\\' \
                 AND (COALESCE(request_body, '') ILIKE $2 ESCAPE '\\' \
                 OR COALESCE(response_body, '') ILIKE $2 ESCAPE '\\') {ORDER}"
            );
            let rows = sqlx::query_as(&sql).bind(account).bind(&exact).fetch_all(&mut *tx).await;
            tx.commit().await.unwrap();
            rows.unwrap()
        }
    };
    rows.into_iter().take(PAGE_SIZE).map(|row| row.0).collect()
}

/// Retention's two ways with old calls on PostgreSQL, on the oldest week of the load:
/// its first day deleted in batches as SQLite does, then the rest of the week dropped
/// whole as the app does here. Prints the time each took and the calls' size after each.
async fn retention_by_week(store: &Store) {
    let Store::Postgres(pool, _) = store else { return };
    let size = || async {
        let (bytes,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(pg_total_relation_size(inhrelid)), 0) AS BIGINT) \
             FROM pg_inherits WHERE inhparent = 'log_entries'::regclass",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        format!("{:.0} MB", bytes as f64 / 1e6)
    };
    let (first,): (DateTime<Utc>,) =
        sqlx::query_as("SELECT min(occurred_at) FROM log_entries").fetch_one(pool).await.unwrap();
    let midnight = |day: NaiveDate| day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let day = first.date_naive();
    let monday = day - TimeDelta::days(day.weekday().num_days_from_monday().into());
    let one = midnight(day.succ_opt().unwrap());
    let week_end = midnight(monday + TimeDelta::weeks(1));
    println!("\n  calls past retention, PostgreSQL (calls' tables {} before):", size().await);

    let started = Instant::now();
    let mut deleted = 0;
    for account in store.account_ids().await.unwrap() {
        loop {
            let batch = store.purge_log_entries(account, one, 5_000).await.unwrap();
            deleted += batch;
            if batch < 5_000 {
                break;
            }
        }
    }
    let took = started.elapsed();
    println!(
        "  {day}: {deleted} calls deleted in batches of 5,000 in {:.2} s; tables {} after",
        took.as_secs_f64(),
        size().await
    );
    let started = Instant::now();
    let dropped = store.drop_call_weeks_before(week_end).await.unwrap();
    println!(
        "  {}, the rest of its week: {dropped} calls dropped with the week's table in \
         {:.3} s; tables {} after",
        day.succ_opt().unwrap(),
        started.elapsed().as_secs_f64(),
        size().await
    );
}

/// The position of the `offset`-th newest call, found once by OFFSET (which the app
/// never uses): where a reader who paged 10,000 rows down stands.
/// The account's oldest call.
async fn oldest_call(store: &Store, account: i64) -> Cursor {
    let sql = "SELECT occurred_at, id FROM log_entries WHERE account_id = $1 \
               ORDER BY occurred_at, id LIMIT 1";
    let (at, id): (DateTime<Utc>, i64) = match store {
        Store::Sqlite(pool, ..) => sqlx::query_as(sql).bind(account).fetch_one(pool).await,
        Store::Postgres(pool, _) => sqlx::query_as(sql).bind(account).fetch_one(pool).await,
    }
    .unwrap();
    Cursor { at, id }
}

async fn direct_cursor_at(store: &Store, account: i64, offset: i64) -> Cursor {
    let sql = "SELECT occurred_at, id FROM log_entries WHERE account_id = $1 \
               ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET $2";
    let (at, id): (DateTime<Utc>, i64) = match store {
        Store::Sqlite(pool, ..) => {
            sqlx::query_as(sql).bind(account).bind(offset - 1).fetch_one(pool).await.unwrap()
        }
        Store::Postgres(pool, _) => {
            sqlx::query_as(sql).bind(account).bind(offset - 1).fetch_one(pool).await.unwrap()
        }
    };
    Cursor { at, id }
}

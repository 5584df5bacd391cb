//! How fast the API Logs table pages through a large account, on SQLite and on
//! PostgreSQL: 1,000,000 calls in one account among 1,000 accounts. Each case runs
//! through the store (as the app does) and, interleaved in the same run, as the same SQL
//! sent straight through sqlx: the floor the store is measured against.
//!
//! `cargo xtask bench` runs it. `APILOGS_BENCH_CALLS` (default 1000000) and
//! `APILOGS_BENCH_SAMPLES` (default 300) scale it; `APILOGS_TEST_POSTGRES_URL` names the
//! PostgreSQL server (default `postgres://127.0.0.1:5432/test`), where it works in a
//! schema of its own, dropped at the end.

use std::time::{Duration, Instant};

use app::{
    logs::{Cursor, LogFilter, LogRow, PageFrom, StatusClass, PAGE_SIZE, SEARCH_WINDOW},
    store::{testing::TestDb, Store},
};
use bench::{env_number, realistic_call};
use chrono::{DateTime, TimeDelta, Utc};

const ACCOUNTS: i64 = 1_000;
/// Calls of each of the other 999 accounts.
const OTHER_CALLS: i64 = 100;
/// Calls written per transaction while loading.
const LOAD_BATCH: usize = 5_000;

#[tokio::main]
async fn main() {
    let calls = env_number("APILOGS_BENCH_CALLS", 1_000_000) as i64;
    let samples = env_number("APILOGS_BENCH_SAMPLES", 300) as usize;
    println!(
        "log pages: {calls} calls in one account among {ACCOUNTS} accounts \
         ({OTHER_CALLS} calls each for the others), {PAGE_SIZE} rows a page, \
         {samples} samples a case, store and direct SQL interleaved"
    );
    let sqlite = TestDb::sqlite().await;
    run(&sqlite.store, calls, samples).await;
    match TestDb::postgres().await {
        Some(postgres) => run(&postgres.store, calls, samples).await,
        None => {
            eprintln!("PostgreSQL is unreachable: its half of the benchmark did not run");
            std::process::exit(1);
        }
    }
}

async fn run(store: &Store, calls: i64, samples: usize) {
    let started = Instant::now();
    let account = load(store, calls).await;
    println!("\n{}: loaded in {:.1} s", store.backend(), started.elapsed().as_secs_f64());

    let deep = direct_cursor_at(store, account, 10_000).await;
    let errors = LogFilter { status: Some(StatusClass::Errors), ..LogFilter::default() };
    // A body search for text only in the oldest call finds nothing in its window: it
    // reads all SEARCH_WINDOW calls, then finds where the window ended.
    let oldest = format!("results.example.com/{:x}\"", calls - 1);
    let search = LogFilter { search: Some(oldest), ..LogFilter::default() };
    let cases = [
        ("first page", LogFilter::default(), PageFrom::Newest, samples),
        ("page 10,000 rows deep", LogFilter::default(), PageFrom::Older(deep), samples),
        ("errors only, first page", errors, PageFrom::Newest, samples),
        ("body search, no match", search, PageFrom::Newest, samples.min(50)),
    ];
    println!(
        "  {:<26} {:>12} {:>10} {:>13} {:>10} {:>7}",
        "case", "store median", "store p99", "direct median", "direct p99", "ratio"
    );
    for (name, filter, from, samples) in cases {
        // Both answer the same rows, or the comparison means nothing.
        let through_store = store_page(store, account, &filter, from).await;
        assert_eq!(through_store, direct_page(store, account, &filter, from).await, "{name}");
        let expected = if filter.search.is_some() { 0 } else { PAGE_SIZE };
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
    let page = store.log_page(account, filter, from, PAGE_SIZE).await.unwrap();
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
        (_, PageFrom::Older(_)) => "AND (occurred_at, id) < ($2, $3)",
        (LogFilter { status: Some(_), .. }, _) => "AND status BETWEEN $2 AND $3",
        _ => "",
    };
    let sql = format!("{COLUMNS} {condition} {ORDER}");
    macro_rules! fetch {
        ($pool:expr) => {{
            let query = sqlx::query_as::<_, Row>(&sql).bind(account);
            let query = match (filter, from) {
                (_, PageFrom::Older(cursor)) => query.bind(cursor.at).bind(cursor.id),
                (LogFilter { status: Some(class), .. }, _) => {
                    let (low, high) = class.range();
                    query.bind(low).bind(high)
                }
                _ => query,
            };
            query.fetch_all($pool).await.unwrap()
        }};
    }
    let rows: Vec<Row> = match store {
        Store::Sqlite(pool) => fetch!(pool),
        Store::Postgres(pool) => fetch!(pool),
    };
    rows.into_iter().take(PAGE_SIZE).map(|row| row.0).collect()
}

/// A body search's first page by hand: the matches among the newest SEARCH_WINDOW
/// calls, then (the page not being full) where that window ended.
async fn direct_search(store: &Store, account: i64, text: &str) -> Vec<i64> {
    let like = match store {
        Store::Sqlite(_) => "LIKE",
        Store::Postgres(_) => "ILIKE",
    };
    let matches = format!(
        "SELECT id, occurred_at, method, endpoint, status, duration_ms, credits, request_id \
         FROM (SELECT * FROM log_entries WHERE account_id = $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT {SEARCH_WINDOW}) e \
         WHERE (request_body {like} $2 ESCAPE '\\' OR response_body {like} $2 ESCAPE '\\') \
         ORDER BY occurred_at DESC, id DESC LIMIT 51"
    );
    let window_end = format!(
        "SELECT occurred_at, id FROM log_entries WHERE account_id = $1 \
         ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET {}",
        SEARCH_WINDOW - 1
    );
    let pattern = format!("%{text}%");
    macro_rules! fetch {
        ($pool:expr) => {{
            let rows: Vec<Row> = sqlx::query_as(&matches)
                .bind(account)
                .bind(&pattern)
                .fetch_all($pool)
                .await
                .unwrap();
            let end: Option<(DateTime<Utc>, i64)> =
                sqlx::query_as(&window_end).bind(account).fetch_optional($pool).await.unwrap();
            assert!(end.is_some(), "a full window");
            rows
        }};
    }
    let rows = match store {
        Store::Sqlite(pool) => fetch!(pool),
        Store::Postgres(pool) => fetch!(pool),
    };
    rows.into_iter().take(PAGE_SIZE).map(|row| row.0).collect()
}

/// The position of the `offset`-th newest call, found once by OFFSET (which the app
/// never uses): where a reader who paged 10,000 rows down stands.
async fn direct_cursor_at(store: &Store, account: i64, offset: i64) -> Cursor {
    let sql = "SELECT occurred_at, id FROM log_entries WHERE account_id = $1 \
               ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET $2";
    let (at, id): (DateTime<Utc>, i64) = match store {
        Store::Sqlite(pool) => {
            sqlx::query_as(sql).bind(account).bind(offset - 1).fetch_one(pool).await.unwrap()
        }
        Store::Postgres(pool) => {
            sqlx::query_as(sql).bind(account).bind(offset - 1).fetch_one(pool).await.unwrap()
        }
    };
    Cursor { at, id }
}

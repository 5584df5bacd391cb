//! Whole pages over HTTP, as a browser gets them from the release server: the
//! customer's `/logs`, a call's page, the support console and an agent's view of the
//! account, for an account of 1,000,000 calls on SQLite and 10,000,000 on PostgreSQL,
//! spread over 90 days. Beside them, in the same run, with the same client and
//! concurrency, the table's own query (`POST /api/logs/page`): the page around the
//! table should cost at most as much again (`/logs` at ≥ 50 % of its rate). Each case
//! runs in turns with the others; latency is the time to the answer's last byte on
//! loopback (the server's time, plus the loopback's).
//!
//! `cargo xtask bench` runs it. `APILOGS_BENCH_SQLITE_CALLS` (default 1000000),
//! `APILOGS_BENCH_POSTGRES_CALLS` (default 10000000), `APILOGS_BENCH_SECONDS` (default
//! 12 a case) scale it.

use std::time::{Duration, Instant};

use app::support_access::Scope;
use app::{
    auth::{ssr::hash_password, NewUser, Role},
    store::Store,
};
use bench::{env_number, realistic_call, Backend, Client, Database, Server};
use chrono::{TimeDelta, Utc};

/// Connections asking at once.
const CONCURRENCY: usize = 8;
/// Calls of each of the other accounts.
const OTHER_ACCOUNTS: i64 = 99;
const OTHER_CALLS: i64 = 1_000;
const LOAD_BATCH: usize = 5_000;
const PASSWORD: &str = "bench-password";
/// The targets (issue 15).
const P99_TARGET: Duration = Duration::from_millis(50);

#[tokio::main]
async fn main() {
    let seconds = env_number("APILOGS_BENCH_SECONDS", 12) as u64;
    let runs = [
        (Backend::Sqlite, env_number("APILOGS_BENCH_SQLITE_CALLS", 1_000_000)),
        (Backend::Postgres, env_number("APILOGS_BENCH_POSTGRES_CALLS", 10_000_000)),
    ];
    println!(
        "whole pages over HTTP: {CONCURRENCY} connections, {seconds} s a case in 3 turns, \
         the release server; time to the last byte on loopback"
    );
    for (backend, calls) in runs {
        let db = Database::new(backend).await;
        let store = db.store().await;
        let started = Instant::now();
        let account = load(&store, calls as i64).await;
        println!(
            "\n{}: {calls} calls in one account over 90 days (and {OTHER_CALLS} in each of \
             {OTHER_ACCOUNTS} others), loaded in {:.0} s",
            backend.name(),
            started.elapsed().as_secs_f64()
        );
        let entry = newest_call(&store, account).await;
        store.close().await;
        let server = Server::start(&db.url, &[]).await;
        measure(server.port, account, entry, Duration::from_secs(seconds)).await;
        server.stop().await;
        db.drop().await;
    }
}

/// The account under test with its customer, an agent it granted access to, and its
/// calls; other accounts with a few calls each. Returns the account.
async fn load(store: &Store, calls: i64) -> i64 {
    let now = Utc::now();
    let account = store.create_account("Bench account", now).await.unwrap().id;
    let password_hash = hash_password(PASSWORD).unwrap();
    let user = |email, role, account_id| NewUser {
        email,
        password_hash: &password_hash,
        role,
        account_id,
    };
    let customer =
        store.create_user(user("customer@bench.example", Role::Customer, Some(account)), now);
    let customer = customer.await.unwrap();
    store.create_user(user("agent@bench.example", Role::Support, None), now).await.unwrap();
    let until = now + app::support_access::GRANT_DURATION;
    store.grant_access(account, customer.id, now, until).await.unwrap();

    let mut others = Vec::new();
    for i in 0..OTHER_ACCOUNTS {
        others.push(store.create_account(&format!("Other {i}"), now).await.unwrap().id);
    }
    let spread = TimeDelta::days(90).num_milliseconds() / calls.max(1);
    let mut rows = others
        .iter()
        .flat_map(|&other| (0..OTHER_CALLS).map(move |i| (other, i, 5_000)))
        .chain((0..calls).map(|i| (account, i, spread)))
        .map(|(account, i, spread_ms)| {
            let at = now - TimeDelta::milliseconds(spread_ms * i + 1_000);
            realistic_call(account, i, at)
        })
        .peekable();
    // Four batches at once, as several ingest clients would send them.
    while rows.peek().is_some() {
        let wave: Vec<_> = (0..4)
            .map(|_| rows.by_ref().take(LOAD_BATCH).collect::<Vec<_>>())
            .filter(|batch| !batch.is_empty())
            .map(|batch| {
                let store = store.clone();
                tokio::spawn(async move { store.insert_log_entries(&batch).await.unwrap() })
            })
            .collect();
        for task in wave {
            task.await.unwrap();
        }
    }
    bench::analyze(store).await;
    account
}

async fn newest_call(store: &Store, account: i64) -> i64 {
    let filter = app::logs::LogFilter::default();
    let page = store
        .log_page(account, &Scope::EVERYTHING, &filter, app::logs::PageFrom::Newest, 1)
        .await
        .unwrap();
    page.rows[0].id
}

/// A request a case makes: who, how, where.
struct Case {
    name: &'static str,
    agent: bool,
    method: &'static str,
    path: String,
}

async fn measure(port: u16, account: i64, entry: i64, time: Duration) {
    let customer = sign_in(port, "customer@bench.example").await;
    let agent = sign_in(port, "agent@bench.example").await;
    let case = |name, agent, method, path: String| Case { name, agent, method, path };
    let cases = [
        case("POST /api/logs/page", false, "POST", "/api/logs/page".into()),
        case("GET /logs", false, "GET", "/logs".into()),
        case("GET /logs/<id>", false, "GET", format!("/logs/{entry}")),
        case("GET /support", true, "GET", "/support".into()),
        case("GET /support/…/logs", true, "GET", format!("/support/accounts/{account}/logs")),
    ];
    let mut results: Vec<(Vec<Duration>, Duration)> =
        cases.iter().map(|_| Default::default()).collect();
    for _turn in 0..3 {
        for (case, (latencies, spent)) in cases.iter().zip(&mut results) {
            let cookie = if case.agent { &agent } else { &customer };
            let (mut more, took) = run(port, case, cookie, time / 3).await;
            latencies.append(&mut more);
            *spent += took;
        }
    }
    println!(
        "  {:<22} {:>9} {:>10} {:>10} {:>10}",
        "case", "answers/s", "median", "p99", "p99 < 50 ms"
    );
    let mut rates = Vec::new();
    for (case, (latencies, spent)) in cases.iter().zip(&mut results) {
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).max(1) - 1];
        let rate = latencies.len() as f64 / spent.as_secs_f64();
        rates.push(rate);
        let (p50, p99) = (at(0.5), at(0.99));
        println!(
            "  {:<22} {:>9.0} {:>10} {:>10} {:>10}",
            case.name,
            rate,
            ms(p50),
            ms(p99),
            if p99 < P99_TARGET { "yes" } else { "NO" }
        );
    }
    println!(
        "  /logs serves {:.0} % of the answers/s of its table query (target ≥ 50 %)",
        100.0 * rates[1] / rates[0]
    );
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

/// The session cookie of `email`, signed in through the form.
async fn sign_in(port: u16, email: &str) -> String {
    let mut client = Client::open(port).await.unwrap();
    let form = format!("email={}&password={PASSWORD}", email.replace('@', "%40"));
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let answer = client.send("POST", "/signin", &headers, &form).await;
    answer.cookie.unwrap_or_else(|| panic!("{email} could not sign in: {}", answer.status))
}

/// Asks `case` over `CONCURRENCY` connections for `time`: each answer's latency, and
/// the time it took.
async fn run(port: u16, case: &Case, cookie: &str, time: Duration) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (method, path, cookie) = (case.method, case.path.clone(), cookie.to_owned());
            tokio::spawn(async move {
                let mut client = Client::open(port).await.unwrap();
                let headers = [
                    ("Cookie", cookie.as_str()),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ];
                let mut latencies = Vec::new();
                while started.elapsed() < time {
                    let asked = Instant::now();
                    let answer = client.send(method, &path, &headers, "").await;
                    latencies.push(asked.elapsed());
                    assert_eq!(answer.status, 200, "{method} {path}");
                    assert!(!answer.body.is_empty(), "{method} {path}");
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.append(&mut task.await.unwrap());
    }
    (latencies, started.elapsed())
}

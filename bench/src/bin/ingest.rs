//! How fast calls come in through `POST /api/v1/logs`, against the running server (the
//! release binary), on SQLite and on PostgreSQL; beside it, the ceiling: the same rows
//! inserted straight through sqlx, in the same batches and with as many at once, in the
//! same run, with the body search's index and without it (the raw ceiling), and what
//! the index weighs beside the calls. Each round uses fresh databases; the median of
//! the rounds is printed.
//!
//! `cargo xtask bench` builds the server and runs it. `APILOGS_BENCH_BATCHES` (default
//! 100 batches of 1,000 records) and `APILOGS_BENCH_ROUNDS` (default 3) scale it.

use std::{str::FromStr, time::Instant};

use app::{
    logs::{Call, NewLogEntry},
    store::Store,
};
use bench::{
    calls_and_search_bytes, env_number, median, without_search_index, Backend, Client, Database,
    Server,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

const BATCH: usize = 1_000;
/// Connections posting at once (and ceiling tasks inserting at once).
const CONCURRENCY: usize = 4;
const ACCOUNTS: i64 = 10;
const TOKEN: &str = "bench-ingest-token";

#[tokio::main]
async fn main() {
    let batches = env_number("APILOGS_BENCH_BATCHES", 100);
    let rounds = env_number("APILOGS_BENCH_ROUNDS", 3);
    println!(
        "ingest: {batches} batches of {BATCH} records over {CONCURRENCY} connections, \
         {rounds} rounds on fresh databases; calls/s, median of the rounds"
    );
    let now = Utc::now();
    let records: Vec<Vec<serde_json::Value>> =
        (0..batches).map(|b| (0..BATCH).map(|i| record(b, i, now)).collect()).collect();
    let bodies: Vec<String> =
        records.iter().map(|batch| serde_json::Value::Array(batch.clone()).to_string()).collect();
    let rows: Vec<Vec<NewLogEntry>> =
        records.iter().map(|batch| batch.iter().map(row).collect()).collect();
    println!("  a batch is {} bytes of JSON", bodies[0].len());

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (mut http, mut indexed, mut raw, mut sizes) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let db = fresh(backend).await;
            let store = db.store().await;
            indexed.push(insert_directly(&store, &rows).await);
            sizes.push(calls_and_search_bytes(&store).await);
            store.close().await;
            db.drop().await;

            let db = fresh(backend).await;
            let store = db.store().await;
            without_search_index(&store).await;
            raw.push(insert_directly(&store, &rows).await);
            store.close().await;
            db.drop().await;

            let db = fresh(backend).await;
            http.push(post_through_http(&db.url, &bodies).await);
            db.drop().await;
        }
        let (http, indexed, raw) = (median(&mut http), median(&mut indexed), median(&mut raw));
        let (calls, search) = sizes[0];
        println!(
            "  {:<10} through HTTP {:>7.0} calls/s   straight through sqlx {:>7.0} calls/s \
             ({:>7.0} without the search index)   {:>5.1} % of the raw ceiling   \
             search index {:.0} MB beside {:.0} MB of calls",
            backend.name(),
            http,
            indexed,
            raw,
            100.0 * http / raw,
            search as f64 / 1e6,
            calls as f64 / 1e6,
        );
    }
}

/// A realistic call: a JSON request and response of a few hundred bytes, headers with a
/// key to redact.
fn record(batch: usize, i: usize, now: DateTime<Utc>) -> serde_json::Value {
    let n = batch * BATCH + i;
    json!({
        "account_id": 1 + (n as i64 % ACCOUNTS),
        "occurred_at": (now - TimeDelta::milliseconds(n as i64)).to_rfc3339(),
        "request_id": format!("req_{n:010}"),
        "method": "POST",
        "endpoint": "/v1/pdf/convert/to/text",
        "status": if n.is_multiple_of(10) { 400 } else { 200 },
        "duration_ms": 300 + n % 900,
        "credits": n % 24,
        "request_headers": {"content-type": "application/json", "x-api-key": "ak_live_0123456789abcdef", "user-agent": "python-requests/2.32.3"},
        "request_body": {"url": format!("https://files.example.com/invoices/INV-{n}.pdf"), "pages": "1-12", "async": false, "name": "result.txt"},
        "response_body": {"error": false, "status": 200, "url": format!("https://results.example.com/{n:x}/result.txt"), "pageCount": 12, "credits": 12, "remainingCredits": 48_211},
        "client_ip": "203.0.113.7",
        "user_agent": "python-requests/2.32.3",
    })
}

/// The row the server stores for `record` (redacted as it would be).
fn row(record: &serde_json::Value) -> NewLogEntry {
    let mut headers = record["request_headers"].clone();
    headers["x-api-key"] = json!("[REDACTED]");
    let text = |v: &serde_json::Value| v.as_str().map_or_else(String::new, str::to_owned);
    let occurred_at = DateTime::from_str(&text(&record["occurred_at"])).unwrap_or_default();
    let call = Call {
        request_id: text(&record["request_id"]),
        method: text(&record["method"]),
        endpoint: text(&record["endpoint"]),
        status: record["status"].as_i64().unwrap_or_default() as i32,
        duration_ms: record["duration_ms"].as_i64().unwrap_or_default() as i32,
        credits: record["credits"].as_i64().unwrap_or_default() as i32,
        request_headers: headers.to_string(),
        request_body: Some(record["request_body"].to_string()),
        response_body: Some(record["response_body"].to_string()),
        error_message: None,
        client_ip: Some(text(&record["client_ip"])),
        user_agent: Some(text(&record["user_agent"])),
        ..Call::sample(occurred_at, 0)
    };
    NewLogEntry::new(record["account_id"].as_i64().unwrap_or_default(), call)
}

/// Calls per second inserting `rows` batch by batch, `CONCURRENCY` at once.
async fn insert_directly(store: &Store, rows: &[Vec<NewLogEntry>]) -> f64 {
    let started = Instant::now();
    let mut next = 0;
    while next < rows.len() {
        let wave: Vec<_> = rows[next..(next + CONCURRENCY).min(rows.len())]
            .iter()
            .map(|batch| {
                let (store, batch) = (store.clone(), batch.clone());
                tokio::spawn(async move { store.insert_log_entries(&batch).await.unwrap() })
            })
            .collect();
        for task in wave {
            task.await.unwrap();
        }
        next += CONCURRENCY;
    }
    let calls = rows.iter().map(Vec::len).sum::<usize>();
    calls as f64 / started.elapsed().as_secs_f64()
}

/// Calls per second posting `bodies` to a fresh server on `url`, over `CONCURRENCY`
/// kept-alive connections.
async fn post_through_http(url: &str, bodies: &[String]) -> f64 {
    let server = Server::start(url, &["--ingest-token", TOKEN]).await;
    let port = server.port;
    let started = Instant::now();
    let chunks: Vec<Vec<String>> = (0..CONCURRENCY)
        .map(|c| bodies.iter().skip(c).step_by(CONCURRENCY).cloned().collect())
        .collect();
    let clients: Vec<_> = chunks
        .into_iter()
        .map(|mine| {
            tokio::spawn(async move {
                let mut connection = Client::open(port).await.expect("a connection");
                let auth = format!("Bearer {TOKEN}");
                let headers =
                    [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
                for body in mine {
                    let answer = connection.send("POST", "/api/v1/logs", &headers, &body).await;
                    assert_eq!(answer.status, 200, "a batch was refused");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let rate = (bodies.len() * BATCH) as f64 / started.elapsed().as_secs_f64();
    server.stop().await;
    rate
}

/// A fresh database with the schema and the accounts.
async fn fresh(backend: Backend) -> Database {
    let database = Database::new(backend).await;
    let store = database.store().await;
    for i in 0..ACCOUNTS {
        store.create_account(&format!("Ingest bench {i}"), Utc::now()).await.unwrap();
    }
    store.close().await;
    database
}

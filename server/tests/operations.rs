//! What an operator relies on, on the real server process: metrics that move, a request
//! id and an access-log line per request, and a stop that tells the load balancer first.

mod support;

use std::time::{Duration, Instant};

use app::{
    accounts::{api_key_hash, NewApiKey},
    store::{testing::TestDb, Store},
};
use chrono::Utc;
use sqlx::Connection;
use support::server::{exchange, free_port, status, Server};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

const TOKEN: &str = "ingest-token-for-metrics";
const KEY: &str = "ak_test_metrics_0123456789abcdef";

/// The value of the sample `name` (with its labels, as written) in a scrape.
fn sample(scrape: &str, name: &str) -> f64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(port: u16) -> String {
    let answer = exchange(port, "GET /metrics HTTP/1.1", "").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}

async fn account_with_key(store: &Store) -> i64 {
    let now = Utc::now();
    let account = store.create_account("Metrics", now).await.unwrap().id;
    let key = NewApiKey {
        account_id: account,
        name: "test",
        prefix: "ak_test",
        key_hash: &api_key_hash(KEY),
    };
    store.create_api_key(key, now).await.unwrap();
    account
}

#[tokio::test]
async fn metrics_count_requests_ingest_sign_in_refusals_and_dropped_calls() {
    let db = TestDb::sqlite().await;
    let account = account_with_key(&db.store).await;
    let server = Server::start(&db.url, &["--ingest-token", TOKEN]).await;
    let port = server.port;
    let before = scrape(port).await;

    // A few requests, one refused sign-in, one ingest batch of two calls.
    for _ in 0..3 {
        assert_eq!(status(port, "GET /signin HTTP/1.1", "").await, Some(200));
    }
    let form = "Content-Type: application/x-www-form-urlencoded";
    let head = format!("POST /signin HTTP/1.1\r\n{form}");
    let refused = status(port, &head, "email=a%40b.c&password=wrong").await;
    assert_eq!(refused, Some(303));
    let record = |id: &str| {
        format!(
            r#"{{"account_id":{account},"occurred_at":"{}","request_id":"{id}","method":"GET","endpoint":"/v1/x","status":200,"duration_ms":5,"credits":1}}"#,
            Utc::now().to_rfc3339()
        )
    };
    let batch = format!("[{},{}]", record("req_m1"), record("req_m2"));
    let head = format!(
        "POST /api/v1/logs HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json"
    );
    assert_eq!(status(port, &head, &batch).await, Some(200));

    // Calls to the API while SQLite's writer is held elsewhere: the recorder's queue
    // fills, and the calls past its share are dropped (and counted).
    let mut blocker = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.unwrap();
    let calls = async {
        let mut stream = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        let mut answered = 0;
        while answered < 1_700 {
            let request = format!(
                "GET /v1/account/credits HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: {KEY}\r\n\r\n"
            );
            stream.get_mut().write_all(request.as_bytes()).await.unwrap();
            let mut length = 0;
            let mut line = String::new();
            loop {
                line.clear();
                stream.read_line(&mut line).await.unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            stream.read_exact(&mut body).await.unwrap();
            answered += 1;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), calls).await.expect("the API answered");
    let during = scrape(port).await;
    // Two ingests meanwhile: one writes (and waits for SQLite's lock), the other waits
    // for its turn to write, counted as waiting. Both are stored once the lock is free.
    let ingests: Vec<_> = ["req_late1_", "req_late2_"]
        .map(|ids| {
            let (head, late) = (head.clone(), batch.replace("req_m", ids));
            tokio::spawn(async move { status(port, &head, &late).await })
        })
        .into_iter()
        .collect();
    let started = Instant::now();
    while sample(&scrape(port).await, "apilogs_db_waiting") < 1.0 {
        assert!(started.elapsed() < Duration::from_secs(4), "no call counted waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    for ingest in ingests {
        assert_eq!(ingest.await.unwrap(), Some(200));
    }
    while sample(&scrape(port).await, "apilogs_db_waiting") > 0.0 {
        assert!(started.elapsed() < Duration::from_secs(30), "calls still counted waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let moved = |name: &str, by: f64| {
        let (was, now) = (sample(&before, name), sample(&during, name));
        assert!(now - was >= by, "{name}: {was} → {now}, not up by {by}\n{during}");
    };
    moved(r#"apilogs_http_requests_total{route="/signin",method="GET",status="200"}"#, 3.0);
    moved(r#"apilogs_http_requests_total{route="/api/v1/logs",method="POST",status="200"}"#, 1.0);
    moved(
        r#"apilogs_http_request_duration_seconds_count{route="/signin",method="GET",status="200"}"#,
        3.0,
    );
    moved(r#"apilogs_sign_in_refusals_total{reason="invalid"}"#, 1.0);
    moved("apilogs_ingest_batches_total", 1.0);
    moved("apilogs_ingest_calls_total", 2.0);
    moved("apilogs_recorder_dropped_calls_total", 1.0);
    // Once the writer is free, every call not dropped is stored, and counted.
    let counted = |scrape: &str| {
        sample(scrape, "apilogs_recorder_calls_total")
            + sample(scrape, "apilogs_recorder_dropped_calls_total")
    };
    let started = Instant::now();
    while counted(&scrape(port).await) - counted(&before) < 1_700.0 {
        assert!(started.elapsed() < Duration::from_secs(30), "calls neither stored nor dropped");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(sample(&during, "apilogs_recorder_queue_depth") >= 1.0, "{during}");
    assert!(sample(&during, "apilogs_db_connections_max") >= 1.0, "{during}");
    assert!(during.contains("apilogs_support_grants_in_force 0"), "{during}");
}

/// Not to the world: through a proxy (even one on this machine) `/metrics` is not
/// there; `--metrics-addr` serves it on an address of its own.
#[tokio::test]
async fn metrics_are_for_this_machine_or_the_metrics_address() {
    let db = TestDb::sqlite().await;
    let apart = free_port();
    let server = Server::start(&db.url, &["--metrics-addr", &format!("127.0.0.1:{apart}")]).await;
    let forwarded = "GET /metrics HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9";
    assert_eq!(status(server.port, forwarded, "").await, Some(404));
    let answer = scrape(apart).await;
    assert!(answer.contains("# TYPE apilogs_http_requests_total counter"), "{answer}");
}

/// Every answer carries a request id (the client's, when it is a sane one), and the
/// access log has a line for it, in JSON with `--log-format json`: never the query.
#[tokio::test]
async fn each_request_has_an_id_and_a_json_access_log_line() {
    let db = TestDb::sqlite().await;
    let (server, output) =
        Server::start_logging(&db.url, "warn,access=info", &["--log-format", "json"]).await;
    let port = server.port;
    let ours =
        exchange(port, "GET /signin?q=secret-search HTTP/1.1\r\nX-Request-Id: trace-42", "").await;
    assert!(ours.to_ascii_lowercase().contains("x-request-id: trace-42"), "{ours}");
    let forged = exchange(port, "GET /signin HTTP/1.1\r\nX-Request-Id: a b\"c", "").await;
    let given = forged
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase().strip_prefix("x-request-id: ").map(str::to_owned)
        })
        .expect("an id of the server's own");
    assert!(given.starts_with("req_") && given.len() == 28, "{given}");

    let mut lines = BufReader::new(output).lines();
    let mut found = None;
    while found.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an access log line")
            .unwrap()
            .expect("the server's output");
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if entry["span"]["id"] == "trace-42" {
            found = Some(entry);
        }
    }
    let entry = found.unwrap();
    assert_eq!(entry["level"], "INFO", "{entry}");
    assert_eq!(entry["target"], "access", "{entry}");
    assert_eq!(entry["fields"]["path"], "/signin", "{entry}");
    assert_eq!(entry["fields"]["status"], 200, "{entry}");
    assert!(!entry.to_string().contains("secret-search"), "the query is never logged: {entry}");
}

/// On SIGTERM `/healthz` says 503 for `--shutdown-delay` while everything else is still
/// served, so a load balancer stops sending requests first; then the server exits.
#[tokio::test]
async fn on_sigterm_health_says_503_until_the_delay_ends_then_the_server_exits() {
    let db = TestDb::sqlite().await;
    let server = Server::start(&db.url, &["--shutdown-delay", "2"]).await;
    let port = server.port;
    let health = || status(port, "GET /healthz HTTP/1.1", "");
    assert_eq!(health().await, Some(200));

    let signalled = Instant::now();
    let exited = server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(health().await, Some(503), "health says the server is going away");
    assert_eq!(status(port, "GET /signin HTTP/1.1", "").await, Some(200), "pages still served");

    let code = exited.await;
    assert!(code.success(), "exit status {code}");
    let took = signalled.elapsed();
    assert!(took >= Duration::from_secs(2), "exited after {took:?}, before the delay ended");
    assert_eq!(health().await, None, "nothing listens any more");
}

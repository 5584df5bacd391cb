//! What was acknowledged is durable: the real server, killed with SIGKILL in the middle
//! of a stream of ingest batches, has stored every batch it answered 200, whole, and no
//! batch in part.

use std::{
    collections::HashMap,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::store::Store;
use chrono::Utc;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::Command,
};

const TOKEN: &str = "durability-test-token";
const BATCH: usize = 200;
const CLIENTS: usize = 4;

/// One HTTP/1.1 request on its own connection; the status code, or `None` when the
/// connection failed (the server is gone).
async fn post(port: u16, path: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let status_line = String::from_utf8_lossy(&response).lines().next()?.to_owned();
    status_line.split(' ').nth(1)?.parse().ok()
}

async fn healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut response = String::new();
    stream.write_all(request.as_bytes()).await.is_ok()
        && stream.read_to_string(&mut response).await.is_ok()
        && response.starts_with("HTTP/1.1 200")
}

fn batch(account: i64, name: &str) -> String {
    let records: Vec<_> = (0..BATCH)
        .map(|i| {
            json!({
                "account_id": account,
                "occurred_at": Utc::now().to_rfc3339(),
                "request_id": format!("{name}/{i}"),
                "method": "POST",
                "endpoint": "/v1/pdf/merge",
                "status": 200,
                "duration_ms": 100,
                "request_body": {"url": "https://files.example.com/a.pdf", "pad": "x".repeat(500)},
            })
        })
        .collect();
    serde_json::Value::Array(records).to_string()
}

#[tokio::test]
async fn every_acknowledged_batch_survives_a_sigkill_whole() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("durability.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let account = store.create_account("Durability", Utc::now()).await.unwrap().id;
    store.close().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_apilogs"))
        .args(["serve", "--database-url", &url, "--addr", &format!("127.0.0.1:{port}")])
        .args(["--ingest-token", TOKEN, "--log", "warn"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut waited = 0;
    while !healthy(port).await {
        assert!(waited < 300, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }

    // Clients post batch after batch until the server is gone.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (acknowledged, sent) = (acknowledged.clone(), sent.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let name = format!("c{client}b{n}");
                    sent.lock().unwrap().push(name.clone());
                    match post(port, "/api/v1/logs", &batch(account, &name)).await {
                        Some(200) => acknowledged.lock().unwrap().push(name),
                        Some(status) => panic!("batch {name} refused with {status}"),
                        None => return,
                    }
                }
            })
        })
        .collect();
    // Kill in the middle of the stream, once a good number are acknowledged.
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.start_kill().unwrap(); // SIGKILL
    server.wait().await.unwrap();
    for client in clients {
        client.await.unwrap();
    }

    let store = Store::connect(&url).await.unwrap();
    let Store::Sqlite(pool) = &store else { unreachable!("a SQLite URL") };
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT request_id FROM log_entries").fetch_all(pool).await.unwrap();
    let mut per_batch: HashMap<&str, usize> = HashMap::new();
    for id in &ids {
        *per_batch.entry(id.split('/').next().unwrap()).or_default() += 1;
    }
    let acknowledged = acknowledged.lock().unwrap();
    for name in acknowledged.iter() {
        assert_eq!(per_batch.get(name.as_str()), Some(&BATCH), "acknowledged batch {name}");
    }
    for (name, count) in &per_batch {
        assert_eq!(*count, BATCH, "batch {name} is whole");
    }
    let in_flight = sent.lock().unwrap().len() - acknowledged.len();
    println!(
        "{} batches acknowledged and stored whole; {} in flight at the kill, {} of them stored",
        acknowledged.len(),
        in_flight,
        per_batch.len() - acknowledged.len()
    );
}

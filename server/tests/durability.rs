//! What was acknowledged is durable: the real server, killed with SIGKILL in the middle
//! of a stream of ingest batches, has stored every batch it answered 200, whole, and no
//! batch in part; killed with emails waiting to go out, it sends each after a restart.

mod support;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::store::Store;
use chrono::Utc;
use serde_json::json;
use support::server::{status, Server};

const TOKEN: &str = "durability-test-token";
const BATCH: usize = 200;
const CLIENTS: usize = 4;

/// A batch posted to the ingest API; the status code, or `None` when the server is gone.
async fn post(port: u16, path: &str, body: &str) -> Option<u16> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json"
    );
    status(port, &head, body).await
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

    let server = Server::start(&url, &["--ingest-token", TOKEN]).await;
    let port = server.port;

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
    server.kill().await;
    for client in clients {
        client.await.unwrap();
    }

    let store = Store::connect(&url).await.unwrap();
    let Store::Sqlite(pool, ..) = &store else { unreachable!("a SQLite URL") };
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

/// The server, killed with emails it could not send yet (its SMTP server is down), sends
/// every one of them, once, after it is started again.
#[cfg(feature = "test-clock")]
#[tokio::test]
async fn emails_waiting_at_a_sigkill_are_sent_after_the_restart() {
    use app::{
        auth::{NewUser, Role},
        support_access::GRANT_DURATION,
    };
    use support::{server::advance_clock, smtp::SmtpServer};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let now = Utc::now();
    let account = store.create_account("Acme", now).await.unwrap().id;
    let customer = |email| NewUser {
        email,
        password_hash: "-",
        role: Role::Customer,
        account_id: Some(account),
    };
    let alice = store.create_user(customer("alice@acme.example"), now).await.unwrap().id;
    store.create_user(customer("bob@acme.example"), now).await.unwrap();

    // The SMTP server's port, with nothing listening on it yet.
    let smtp = SmtpServer::start();
    let (smtp_addr, smtp_url) = (smtp.addr, smtp.url());
    drop(smtp);
    let args =
        ["--smtp-url", &smtp_url, "--mail-from", "apilogs <noreply@apilogs.test>", "--test-clock"];
    let server = Server::start(&url, &args).await;
    store.grant_access(account, alice, now, now + GRANT_DURATION).await.unwrap();
    store.revoke_access(account, alice, now).await.unwrap();
    // Four emails, each tried once and waiting for its retry.
    let mut waited = 0;
    while store.recent_deliveries(true, 10).await.unwrap().len() < 4 {
        assert!(waited < 300, "the server did not try the emails");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let port = server.port;
    server.kill().await;
    assert_eq!(store.outbox_state().await.unwrap().pending, 4);

    let smtp = SmtpServer::start_on(smtp_addr);
    let _server = Server::start_on(port, &url, &args).await;
    // An hour on: every retry is due.
    advance_clock(port, 3600).await;
    let mut waited = 0;
    while smtp.received().len() < 4 {
        assert!(waited < 300, "the emails were not sent after the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = smtp.received();
    let to: Vec<&str> = received.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(
        to,
        ["alice@acme.example", "alice@acme.example", "bob@acme.example", "bob@acme.example"]
    );
    let ids: std::collections::HashSet<&str> =
        received.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 4, "four messages, each its own id");
    assert!(received.iter().all(|m| m.raw.contains("the API Logs of Acme")));
    let state = store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered, state.failed), (0, 4, 0));
}

//! Several instances of the server on one PostgreSQL: what one instance does, the other
//! sees at once; the work that is not a request's, done by every instance at once, is
//! still done once.

mod support;

use std::{collections::HashSet, time::Duration};

use app::{
    auth::{ssr::hash_password, NewUser, Role},
    logs::{Call, NewLogEntry},
    store::testing::TestDb,
    support_access::{AccessAction, GRANT_DURATION},
};
use chrono::{TimeDelta, Utc};
use support::{
    server::{exchange, sign_in, status, Server},
    smtp::SmtpServer,
};

/// Two instances' outbox workers share the emails: each is sent, and any sent twice
/// (an instance that stalled past its lease) carries the same id.
#[tokio::test]
async fn two_instances_send_each_email_once() {
    let Some(db) = TestDb::postgres().await else { return };
    let store = &db.store;
    let now = Utc::now();
    let account = store.create_account("Acme", now).await.unwrap().id;
    let mut customers = Vec::new();
    for n in 0..3 {
        let email = format!("customer{n}@acme.example");
        let new = NewUser {
            email: &email,
            password_hash: "-",
            role: Role::Customer,
            account_id: Some(account),
        };
        customers.push(store.create_user(new, now).await.unwrap().id);
    }
    let smtp = SmtpServer::start();
    let args = ["--smtp-url", &smtp.url(), "--mail-from", "apilogs <noreply@apilogs.test>"];
    let _first = Server::start(&db.url, &args).await;
    let _second = Server::start(&db.url, &args).await;

    // Ten grants and revokes: 20 notices, 60 emails.
    let started = std::time::Instant::now();
    for n in 0..10 {
        let at = now + TimeDelta::seconds(n);
        store.grant_access(account, customers[0], at, at + GRANT_DURATION).await.unwrap();
        store.revoke_access(account, customers[0], at).await.unwrap();
    }
    let mut waited = 0;
    while store.outbox_state().await.unwrap().delivered < 60 {
        assert!(waited < 300, "the instances did not send every email");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = smtp.received();
    let ids: HashSet<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 60, "every email, each with its own id");
    let twice = received.len() - 60;
    println!("60 emails delivered by two instances in {took:.1?} ({twice} received twice)");
    let state = store.outbox_state().await.unwrap();
    assert_eq!((state.notices_waiting, state.pending, state.delivered), (0, 0, 60));
}

const PASSWORD: &str = "instances-password";

/// A session made on one instance is good on the other; a grant made on one lets the
/// agent read through the other, and a revoke on one refuses the agent's next request
/// on the other.
#[tokio::test]
async fn a_session_a_grant_and_a_revoke_hold_across_instances() {
    let Some(db) = TestDb::postgres().await else { return };
    let store = &db.store;
    let now = Utc::now();
    let account = store.create_account("Acme", now).await.unwrap().id;
    let hash = hash_password(PASSWORD).unwrap();
    let user = |email, role, account_id| NewUser { email, password_hash: &hash, role, account_id };
    store
        .create_user(user("alice@acme.example", Role::Customer, Some(account)), now)
        .await
        .unwrap();
    store.create_user(user("sam@support.example", Role::Support, None), now).await.unwrap();
    let (a, b) = tokio::join!(Server::start(&db.url, &[]), Server::start(&db.url, &[]));
    let customer = sign_in(a.port, "alice@acme.example", PASSWORD).await;
    let agent = sign_in(b.port, "sam@support.example", PASSWORD).await;
    let post = |port: u16, path: &str, cookie: &str, form: String| {
        let head = format!(
            "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded"
        );
        async move { status(port, &head, &form).await }
    };
    let agent_reads = |port| post(port, "/api/logs/page", &agent, format!("account={account}"));

    let logs = format!("GET /logs HTTP/1.1\r\nCookie: {customer}");
    assert_eq!(status(b.port, &logs, "").await, Some(200), "A's session on B");
    assert_eq!(agent_reads(a.port).await, Some(403), "no grant yet");
    let grant = post(a.port, "/api/support_access/grant", &customer, String::new());
    assert_eq!(grant.await, Some(200));
    assert_eq!(agent_reads(b.port).await, Some(200), "granted on A, read on B");
    assert_eq!(agent_reads(a.port).await, Some(200));
    let revoke = post(b.port, "/api/support_access/revoke", &customer, String::new());
    assert_eq!(revoke.await, Some(200));
    assert_eq!(agent_reads(a.port).await, Some(403), "revoked on B, refused on A");
}

/// Both instances' jobs start at once: a grant that ended is recorded as ended once,
/// and each call past retention is deleted once, its day's tallies taken away once.
#[tokio::test]
async fn expiries_and_retention_are_done_once_across_instances() {
    let Some(db) = TestDb::postgres().await else { return };
    let store = &db.store;
    let now = Utc::now();
    let account = store.create_account("Acme", now).await.unwrap().id;
    let new = NewUser {
        email: "alice@acme.example",
        password_hash: "-",
        role: Role::Customer,
        account_id: Some(account),
    };
    let customer = store.create_user(new, now).await.unwrap().id;
    let ended = now - TimeDelta::days(1);
    store.grant_access(account, customer, ended - GRANT_DURATION, ended).await.unwrap();
    const OLD: i64 = 12_000;
    const RECENT: i64 = 10;
    let calls: Vec<NewLogEntry> = (0..OLD + RECENT)
        .map(|i| {
            let at = if i < RECENT { now - TimeDelta::hours(1) } else { now - TimeDelta::days(40) };
            NewLogEntry::new(account, Call::sample(at - TimeDelta::seconds(i), i))
        })
        .collect();
    for batch in calls.chunks(2_000) {
        store.insert_log_entries(batch).await.unwrap();
    }

    let args = ["--retention-days", "30"];
    let (a, b) = tokio::join!(Server::start(&db.url, &args), Server::start(&db.url, &args));
    let purged = |port| async move {
        let scrape = exchange(port, "GET /metrics HTTP/1.1", "").await;
        scrape
            .lines()
            .find_map(|line| line.strip_prefix(r#"apilogs_purged_rows_total{table="calls"} "#))
            .map_or(0, |n| n.parse::<u64>().unwrap())
    };
    let mut waited = 0;
    while purged(a.port).await + purged(b.port).await < OLD as u64 {
        assert!(waited < 300, "the old calls were not deleted");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    // Another tick each, then: what each did.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (by_a, by_b) = (purged(a.port).await, purged(b.port).await);
    println!("calls deleted by A: {by_a}, by B: {by_b}");
    assert_eq!(by_a + by_b, OLD as u64, "each old call deleted once");
    assert_eq!(store.log_entry_count(account).await.unwrap(), RECENT, "the tallies, once");
    let events = store.access_events(account, 100).await.unwrap();
    let expiries = events.iter().filter(|e| e.action == AccessAction::Expire).count();
    assert_eq!(expiries, 1, "the grant's end recorded once: {events:?}");
}

//! Several instances of the server on one PostgreSQL: the work that is not a request's,
//! done by every instance at once, is still done once.

mod support;

use std::{collections::HashSet, time::Duration};

use app::{
    auth::{NewUser, Role},
    store::testing::TestDb,
    support_access::GRANT_DURATION,
};
use chrono::{TimeDelta, Utc};
use support::{server::Server, smtp::SmtpServer};

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

//! The outbox's worker against a real SMTP server and a real webhook receiver: who gets
//! which message, once.

mod email;
// The servers the integration tests use too.
#[path = "../../../tests/support/smtp.rs"]
mod smtp;
#[path = "../../../tests/support/webhooks.rs"]
mod webhook_receiver;
mod webhooks;

use app::{
    auth::{NewUser, Role, User},
    store::{testing::TestDb, Store},
};
use chrono::{DateTime, TimeZone, Utc};
use smtp::SmtpServer;

use super::{Mailer, Notices, Webhooks};

const PUBLIC_URL: &str = "https://logs.example.com";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

struct World {
    store: Store,
    _db: TestDb,
    account: i64,
    alice: i64,
    customer: User,
    sam: i64,
}

/// Acme with two customers, and an agent.
async fn world() -> World {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let account = store.create_account("Acme", t0()).await.unwrap().id;
    let user = |email, role, account_id| NewUser { email, password_hash: "-", role, account_id };
    let alice = store.create_user(user("alice@acme.example", Role::Customer, Some(account)), t0());
    let customer = alice.await.unwrap();
    let alice = customer.id;
    store.create_user(user("bob@acme.example", Role::Customer, Some(account)), t0()).await.unwrap();
    let sam = store.create_user(user("sam@support.example", Role::Support, None), t0());
    let sam = sam.await.unwrap().id;
    World { store, _db: db, account, alice, customer, sam }
}

/// The worker, sending email to `smtp` if given; webhooks may go to this machine.
fn notices(smtp: Option<&SmtpServer>) -> Notices {
    let from = "apilogs <noreply@logs.example.com>";
    let mailer = smtp.map(|smtp| Mailer::new(&smtp.url(), from, PUBLIC_URL).unwrap());
    let webhooks = Webhooks::new(true).unwrap();
    Notices { public_url: PUBLIC_URL.into(), mailer, webhooks }
}

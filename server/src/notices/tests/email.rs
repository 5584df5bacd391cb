//! Emails: to the account's customers, and to the agent about their request.

use app::support_access::{NewAccessRequest, GRANT_DURATION};
use chrono::TimeDelta;

use super::{notices, smtp::SmtpServer, t0, world, PUBLIC_URL};
use crate::notices::ENDING_NOTICE;

/// (recipient, subject) of every message received.
fn inbox(smtp: &SmtpServer) -> Vec<(String, String)> {
    smtp.received().into_iter().map(|m| (m.to, m.subject)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(to, subject)| (to.to_string(), subject.to_string())).collect()
}

#[tokio::test]
async fn a_grant_and_its_revoke_reach_every_customer_once() {
    let smtp = SmtpServer::start();
    let w = world().await;
    let notices = notices(Some(&smtp));
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let revoked = t0() + TimeDelta::hours(3);
    w.store.revoke_access(w.account, w.alice, revoked).await.unwrap();

    assert_eq!(notices.run_once(&w.store, revoked).await.unwrap(), 4);
    assert_eq!(notices.run_once(&w.store, revoked).await.unwrap(), 0, "nothing twice");
    let granted = "Customer Support can read your API Logs until 2026-12-10 09:00:00 UTC";
    let gone = "Customer Support's access to your API Logs was revoked";
    assert_eq!(
        inbox(&smtp),
        pairs(&[
            ("alice@acme.example", granted),
            ("alice@acme.example", gone),
            ("bob@acme.example", granted),
            ("bob@acme.example", gone),
        ])
    );
    let received = smtp.received();
    let grant = &received[0].raw;
    assert!(
        grant
            .contains("alice@acme.example granted Customer Support access to the API Logs of Acme"),
        "{grant}"
    );
    assert!(grant.contains("for 2 weeks: until 2026-12-10 09:00:00 UTC"), "{grant}");
    assert!(
        grant.contains("Content-Type: text/html") && grant.contains("Content-Type: text/plain")
    );
    assert!(grant.contains(&format!("{PUBLIC_URL}/logs")), "a link to the page: {grant}");
    assert!(received[1].raw.contains("alice@acme.example revoked Customer Support's access"));
    assert!(received[1].raw.contains("at 2026-11-26 12:00:00 UTC"));
    for message in &received {
        assert!(
            message.message_id.starts_with("<msg_")
                && message.message_id.ends_with("@logs.example.com>")
        );
    }
    let state = w.store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered, state.failed), (0, 4, 0));
}

#[tokio::test]
async fn a_request_reaches_the_customers_and_its_decline_the_agent() {
    let smtp = SmtpServer::start();
    let w = world().await;
    let notices = notices(Some(&smtp));
    let asked = NewAccessRequest {
        account_id: w.account,
        by: w.sam,
        ticket: "T-9",
        reason: "Totals <b>look</b> wrong",
        lapses_at: t0() + TimeDelta::days(7),
    };
    w.store.request_access(asked, t0()).await.unwrap();
    w.store.decline_request(w.account, w.alice, t0() + TimeDelta::hours(1)).await.unwrap();
    notices.run_once(&w.store, t0() + TimeDelta::hours(1)).await.unwrap();

    let asks = "Customer Support asks for access to your API Logs (ticket T-9)";
    let declined = "Acme declined your request for ticket T-9";
    assert_eq!(
        inbox(&smtp),
        pairs(&[
            ("alice@acme.example", asks),
            ("bob@acme.example", asks),
            ("sam@support.example", declined),
        ])
    );
    let received = smtp.received();
    let ask = &received[0].raw;
    assert!(ask.contains("sam@support.example from Customer Support asks for access"), "{ask}");
    assert!(ask.contains("Why: Totals <b>look</b> wrong"), "the text part as typed: {ask}");
    assert!(ask.contains("Totals &lt;b&gt;look&lt;/b&gt; wrong"), "the HTML part escaped: {ask}");
    assert!(received[2].raw.contains("alice@acme.example declined your request"));
}

#[tokio::test]
async fn the_end_is_announced_a_day_ahead_then_when_it_comes() {
    let smtp = SmtpServer::start();
    let w = world().await;
    let notices = notices(Some(&smtp));
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    notices.run_once(&w.store, t0()).await.unwrap();
    let day_before = t0() + GRANT_DURATION - ENDING_NOTICE;
    notices.run_once(&w.store, day_before).await.unwrap();
    notices.run_once(&w.store, day_before + TimeDelta::hours(1)).await.unwrap();
    let end = t0() + GRANT_DURATION;
    w.store.record_expiries(end).await.unwrap();
    notices.run_once(&w.store, end).await.unwrap();
    let subjects: Vec<String> =
        inbox(&smtp).into_iter().filter(|(to, _)| to == "bob@acme.example").map(|m| m.1).collect();
    assert_eq!(
        subjects,
        [
            "Customer Support can read your API Logs until 2026-12-10 09:00:00 UTC",
            "Customer Support's access to your API Logs ends in 24 hours",
            "Customer Support's access to your API Logs has ended",
        ]
    );
}

/// An SMTP server that is down is tried again, with the same message id, until it
/// takes the message: nothing is lost and nothing sent twice.
#[tokio::test]
async fn a_server_down_is_tried_again_later() {
    let absent = SmtpServer::start();
    let addr = absent.addr;
    let notices = notices(Some(&absent));
    drop(absent);
    let w = world().await;
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    assert_eq!(notices.run_once(&w.store, t0()).await.unwrap(), 2);
    let state = w.store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered), (2, 0));
    let failed = w.store.recent_deliveries(true, 10).await.unwrap();
    assert!(failed.iter().all(|d| d.attempts == 1 && d.last_error.is_some()), "{failed:?}");

    let smtp = SmtpServer::start_on(addr);
    assert_eq!(
        notices.run_once(&w.store, t0() + TimeDelta::seconds(10)).await.unwrap(),
        0,
        "not yet"
    );
    assert_eq!(notices.run_once(&w.store, t0() + TimeDelta::seconds(40)).await.unwrap(), 2);
    assert_eq!(smtp.received().len(), 2);
    let delivered = w.store.recent_deliveries(false, 10).await.unwrap();
    assert!(delivered.iter().all(|d| d.attempts == 2 && d.delivered_at.is_some()), "{delivered:?}");
}

//! Webhooks: signed so that the official Standard Webhooks library verifies them, each
//! event once per endpoint, retried until the endpoint takes it, and never sent to a
//! private address.

use std::sync::Arc;

use app::{
    clock::ManualClock,
    error::AppError,
    state::AppState,
    support_access::{AccessAction, AccessDetail, NewAccessEvent, GRANT_DURATION},
    webhooks::{self, ssr},
};
use chrono::TimeDelta;

use super::{notices, t0, webhook_receiver::Receiver, world, World};
use crate::notices::Webhooks;

/// The app as the customer's settings page reaches it, webhooks to this machine allowed.
fn state(w: &World, allow_private: bool) -> AppState {
    let mut state = AppState::for_tests(w.store.clone(), Arc::new(ManualClock::at(t0())));
    state.allow_private_webhooks = allow_private;
    state
}

/// An endpoint at `url`, added as the customer adds one; its id and secret.
async fn endpoint(w: &World, url: String) -> (i64, String) {
    let added = ssr::add(state(w, true), w.customer.clone(), url).await.unwrap();
    let settings = ssr::settings(state(w, true), w.customer.clone()).await.unwrap();
    let shown = settings.endpoints.iter().find(|e| e.endpoint.id == added.id).unwrap();
    let secret = shown.secret.clone().expect("the secret, shown once");
    let again = ssr::settings(state(w, true), w.customer.clone()).await.unwrap();
    assert!(again.endpoints.iter().all(|e| e.secret.is_none()), "and only once");
    (added.id, secret)
}

/// Acme with an endpoint at `receiver` (and its secret) and a grant in force (its id).
async fn granted_with_endpoint(receiver: &Receiver) -> (World, String, i64) {
    let w = world().await;
    let (_, secret) = endpoint(&w, receiver.url("/hooks")).await;
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let grant = w.store.latest_grant(w.account).await.unwrap().unwrap();
    (w, secret, grant.id)
}

/// The agent's read of the account's calls under `grant`.
fn read(w: &World, grant: i64, detail: AccessDetail) -> NewAccessEvent {
    NewAccessEvent {
        actor_id: Some(w.sam),
        account_id: w.account,
        action: AccessAction::ViewLogs,
        log_entry_id: None,
        grant_id: Some(grant),
        request_id: None,
        share_link_id: None,
        detail,
    }
}

#[tokio::test]
async fn each_event_reaches_each_endpoint_once_signed() {
    let receiver = Receiver::start();
    let (w, secret, grant) = granted_with_endpoint(&receiver).await;
    let worker = notices(None);
    let filter = AccessDetail { filter: Some("status=5xx".into()), ..AccessDetail::default() };
    w.store.record_access_event(read(&w, grant, filter), t0()).await.unwrap();
    let later = t0() + TimeDelta::hours(1);
    w.store.revoke_access(w.account, w.alice, later).await.unwrap();
    assert_eq!(worker.run_once(&w.store, later).await.unwrap(), 3);
    assert_eq!(worker.run_once(&w.store, later).await.unwrap(), 0);

    // Sent at once, in no set order: in the order of their events.
    let mut verified = receiver.verified(&secret, None);
    verified.sort_by_key(|(_, payload)| payload["data"]["event_id"].as_i64());
    let types: Vec<&str> = verified.iter().map(|(_, p)| p["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["support_access.granted", "support_access.viewed", "support_access.revoked"]
    );
    let ids: std::collections::HashSet<&str> = verified.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    let granted = &verified[0].1["data"];
    assert_eq!(granted["grant"]["granted_by"], "alice@acme.example");
    assert_eq!(granted["grant"]["expires_at"], "2026-12-10T09:00:00Z");
    let viewed = &verified[1].1["data"];
    assert_eq!(
        (viewed["actor"].as_str(), viewed["view"]["filter"].as_str()),
        (Some("sam@support.example"), Some("status=5xx"))
    );
    assert_eq!(verified[2].1["data"]["grant"]["revoked_by"], "alice@acme.example");
    // The library does check: another secret verifies none of them.
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(receiver.verify(other, None).is_err());
}

#[tokio::test]
async fn a_round_delivers_all_that_is_due_beyond_one_batch() {
    let receiver = Receiver::start();
    let (w, secret, grant) = granted_with_endpoint(&receiver).await;
    let worker = notices(None);
    // An agent's busy minute: 120 reads, each an event for the endpoint.
    let reads: Vec<_> =
        (0..120).map(|_| (read(&w, grant, AccessDetail::default()), t0())).collect();
    w.store.record_access_events(&reads).await.unwrap();

    assert_eq!(worker.run_once(&w.store, t0()).await.unwrap(), 121, "all in one round");
    assert_eq!(worker.run_once(&w.store, t0()).await.unwrap(), 0);
    let verified = receiver.verified(&secret, None);
    let ids: std::collections::HashSet<&str> = verified.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!((verified.len(), ids.len()), (121, 121), "each once");
}

/// An endpoint that fails three times is tried a fourth, with the same id and body, and
/// takes it; its failures are then forgotten.
#[tokio::test]
async fn an_endpoint_that_fails_is_tried_again_until_it_takes_the_event() {
    let receiver = Receiver::start();
    let w = world().await;
    let (id, secret) = endpoint(&w, receiver.url("/flaky?fail=3")).await;
    let worker = notices(None);
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let mut now = t0();
    for _ in 0..6 {
        worker.run_once(&w.store, now).await.unwrap();
        now += TimeDelta::minutes(10);
    }
    let verified = receiver.verified(&secret, None);
    assert_eq!(verified.len(), 4, "three 500s, then the 200");
    assert!(verified
        .iter()
        .all(|(message, payload)| *message == verified[0].0 && *payload == verified[0].1));
    let deliveries = w.store.recent_deliveries(false, 10).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!((delivery.attempts, delivery.last_status), (4, Some(200)));
    assert!(delivery.delivered_at.is_some());
    let endpoints = w.store.webhook_endpoints(w.account).await.unwrap();
    assert_eq!((endpoints[0].id, endpoints[0].failed_attempts), (id, 0));
}

/// An endpoint that keeps failing is disabled, says why, and gets nothing more until the
/// customer enables it again.
#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled() {
    let receiver = Receiver::start();
    let w = world().await;
    endpoint(&w, receiver.url("/down?fail=1000")).await;
    let worker = notices(None);
    let mut now = t0();
    // Grants and revokes enough for DISABLE_AFTER failures.
    for _ in 0..webhooks::DISABLE_AFTER / 2 {
        w.store.grant_access(w.account, w.alice, now, now + GRANT_DURATION).await.unwrap();
        w.store.revoke_access(w.account, w.alice, now).await.unwrap();
        worker.run_once(&w.store, now).await.unwrap();
        now += TimeDelta::seconds(1);
    }
    let endpoints = w.store.webhook_endpoints(w.account).await.unwrap();
    let reason = endpoints[0].disabled_reason.clone().expect("disabled");
    assert!(
        reason.contains("20 attempts in a row failed") && reason.contains("HTTP 500"),
        "{reason}"
    );
    let received = receiver.count();
    w.store.grant_access(w.account, w.alice, now, now + GRANT_DURATION).await.unwrap();
    worker.run_once(&w.store, now + TimeDelta::days(1)).await.unwrap();
    assert_eq!(receiver.count(), received, "nothing more to a disabled endpoint");
    let state = w.store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered), (0, 0), "given up, and none new: {state:?}");

    ssr::enable(state_for(&w), w.customer.clone(), endpoints[0].id).await.unwrap();
    w.store.revoke_access(w.account, w.alice, now).await.unwrap();
    worker.run_once(&w.store, now).await.unwrap();
    assert_eq!(receiver.count(), received + 1, "enabled again");
}

fn state_for(w: &World) -> AppState {
    state(w, true)
}

/// A test event goes to the one endpoint it is asked for; a removed endpoint gets
/// nothing more; another account's endpoints cannot be touched.
#[tokio::test]
async fn a_test_event_goes_to_its_endpoint_and_a_removed_one_gets_nothing() {
    let receiver = Receiver::start();
    let w = world().await;
    let (first, secret) = endpoint(&w, receiver.url("/first")).await;
    let (second, _) = endpoint(&w, receiver.url("/second")).await;
    let worker = notices(None);
    ssr::test(state_for(&w), w.customer.clone(), first).await.unwrap();
    worker.run_once(&w.store, t0()).await.unwrap();
    let verified = receiver.verified(&secret, Some("/first"));
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].1["type"], "webhook.test");
    assert_eq!(receiver.count(), 1, "the second endpoint got nothing");

    ssr::remove(state_for(&w), w.customer.clone(), second).await.unwrap();
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    worker.run_once(&w.store, t0()).await.unwrap();
    assert_eq!(receiver.count(), 2, "the grant, to the first only");

    // Bob of Globex names Acme's endpoint: it is not there for him.
    let globex = w.store.create_account("Globex", t0()).await.unwrap().id;
    let bob = app::auth::NewUser {
        email: "bob@globex.example",
        password_hash: "-",
        role: app::auth::Role::Customer,
        account_id: Some(globex),
    };
    let bob = w.store.create_user(bob, t0()).await.unwrap();
    for refused in [
        ssr::test(state_for(&w), bob.clone(), first).await.err(),
        ssr::remove(state_for(&w), bob.clone(), first).await.err(),
        ssr::rotate(state_for(&w), bob.clone(), first).await.map(drop).err(),
        ssr::enable(state_for(&w), bob.clone(), first).await.map(drop).err(),
    ] {
        assert_eq!(refused, Some(AppError::NotFound));
    }
    assert!(ssr::settings(state_for(&w), bob).await.unwrap().endpoints.is_empty());
}

/// No server-side request forgery: endpoints on this machine, private networks or the
/// clouds' metadata service are refused when saved, and again when delivered to (DNS
/// can change); a redirect is never followed.
#[tokio::test]
async fn webhooks_never_go_to_private_addresses() {
    let w = world().await;
    for url in [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://192.168.1.10/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://localhost.:8443/hook",
        "https://0.0.0.0/hook",
    ] {
        let added = ssr::add(state(&w, false), w.customer.clone(), url.into()).await;
        assert!(matches!(added, Err(AppError::Invalid(_))), "{url}: {added:?}");
    }
    assert!(w.store.webhook_endpoints(w.account).await.unwrap().is_empty());

    // Saved while allowed (as DNS might have said then), refused when delivered to.
    let receiver = Receiver::start();
    let target = Receiver::start();
    let redirect = format!("/moved?redirect={}", target.url("/metadata"));
    let port = receiver.addr.port();
    for url in [format!("https://127.0.0.1:{port}/x"), format!("https://localhost:{port}/x")] {
        endpoint(&w, url).await;
    }
    let strict = Webhooks::new(false).unwrap();
    let worker = crate::notices::Notices { webhooks: strict, ..notices(None) };
    w.store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    worker.run_once(&w.store, t0()).await.unwrap();
    assert_eq!(receiver.count(), 0, "nothing sent to this machine");
    let failed = w.store.recent_deliveries(true, 10).await.unwrap();
    assert_eq!(failed.len(), 2);
    // An address is refused for good; a name, until it resolves elsewhere.
    for delivery in &failed {
        let error = delivery.last_error.clone().unwrap_or_default();
        assert!(error.contains("private"), "{error}");
    }

    // A redirect, even where private addresses are allowed, is not followed.
    for endpoint in w.store.webhook_endpoints(w.account).await.unwrap() {
        ssr::remove(state_for(&w), w.customer.clone(), endpoint.id).await.unwrap();
    }
    endpoint(&w, receiver.url(&redirect)).await;
    w.store.revoke_access(w.account, w.alice, t0()).await.unwrap();
    notices(None).run_once(&w.store, t0()).await.unwrap();
    assert_eq!(receiver.count(), 1, "the redirecting endpoint was asked");
    assert_eq!(target.count(), 0, "and its redirect not followed");
}

//! The outbox's conformance suite, on SQLite and on PostgreSQL: every access event is
//! announced in its own transaction, each notice's deliveries are written once, and
//! each delivery is claimed by one worker at a time until it is settled.

use std::collections::HashSet;

use app::{
    auth::{NewUser, Role},
    notices::{Attempt, Channel, NewDelivery, NoticeFacts, ENDING},
    state::REQUEST_LIFETIME,
    store::Store,
    store_conformance_tests,
    support_access::{AccessAction, NewAccessRequest, GRANT_DURATION},
    webhooks,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

store_conformance_tests!(
    every_access_event_is_announced_with_its_facts,
    a_notice_is_written_out_once,
    a_delivery_is_claimed_by_one_worker_until_settled,
    failed_deliveries_wait_their_turn_or_are_given_up,
    a_grant_about_to_end_is_announced_once,
    concurrent_workers_share_the_work_without_overlap,
    webhook_endpoints_are_limited_and_their_secrets_shown_once,
    an_endpoint_failing_in_a_row_is_disabled_and_gets_no_more_events,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

struct World {
    account: i64,
    alice: i64,
    sam: i64,
}

async fn world(store: &Store) -> World {
    let account = store.create_account("Acme", t0()).await.unwrap().id;
    let user = |email, role, account_id| NewUser { email, password_hash: "-", role, account_id };
    let alice = store.create_user(user("alice@acme.example", Role::Customer, Some(account)), t0());
    let alice = alice.await.unwrap().id;
    let bob = user("bob@acme.example", Role::Customer, Some(account));
    store.create_user(bob, t0()).await.unwrap();
    let sam = store.create_user(user("sam@support.example", Role::Support, None), t0());
    World { account, alice, sam: sam.await.unwrap().id }
}

/// One email delivery per customer, as a test worker writes them.
fn to_customers(facts: &NoticeFacts) -> Vec<NewDelivery> {
    facts
        .customers
        .iter()
        .map(|to| NewDelivery {
            message_id: format!("msg_{}_{to}", facts.notice.id),
            channel: Channel::Email,
            recipient: to.clone(),
            payload: facts.notice.topic.clone(),
        })
        .collect()
}

async fn every_access_event_is_announced_with_its_facts(store: &Store) {
    let w = world(store).await;
    let asked = NewAccessRequest {
        account_id: w.account,
        by: w.sam,
        ticket: "T-1",
        reason: "Totals look wrong",
        lapses_at: t0() + REQUEST_LIFETIME,
    };
    store.request_access(asked, t0()).await.unwrap();
    let later = t0() + TimeDelta::minutes(5);
    store.grant_access(w.account, w.alice, later, later + GRANT_DURATION).await.unwrap();
    store.revoke_access(w.account, w.alice, later + TimeDelta::hours(1)).await.unwrap();
    // Another account's notice, written out in the same batch, has its own facts.
    let globex = store.create_account("Globex", t0()).await.unwrap().id;
    let carol = NewUser {
        email: "carol@globex.example",
        password_hash: "-",
        role: Role::Customer,
        account_id: Some(globex),
    };
    let carol = store.create_user(carol, t0()).await.unwrap().id;
    let hook =
        store.add_webhook_endpoint(globex, "https://hooks.globex.example", "whsec_g", 5, t0());
    let hook = hook.await.unwrap().unwrap().id;
    store.grant_access(globex, carol, later, later + GRANT_DURATION).await.unwrap();

    let seen = facts_of(store, later).await;
    let topics: Vec<&str> = seen.iter().map(|f| f.notice.topic.as_str()).collect();
    assert_eq!(topics, ["request", "grant", "revoke", "grant"]);
    for facts in &seen[..3] {
        assert_eq!(facts.account_name, "Acme");
        assert_eq!(facts.customers, ["alice@acme.example", "bob@acme.example"]);
        assert_eq!(facts.endpoints, [] as [i64; 0]);
    }
    let theirs = &seen[3];
    assert_eq!(
        (theirs.account_name.as_str(), theirs.customers.as_slice(), theirs.endpoints.as_slice()),
        ("Globex", ["carol@globex.example".to_owned()].as_slice(), [hook].as_slice())
    );
    let their_grant = theirs.grant.as_ref().expect("the grant's facts");
    assert_eq!(their_grant.granted_by_email.as_deref(), Some("carol@globex.example"));
    assert!(theirs.request.is_none(), "no request of theirs");
    let request = seen[0].request.as_ref().expect("the request's facts");
    assert_eq!(
        (request.ticket.as_str(), request.requested_by_email.as_deref()),
        ("T-1", Some("sam@support.example"))
    );
    let grant = seen[1].grant.as_ref().expect("the grant's facts");
    assert_eq!(grant.grant.ticket.as_deref(), Some("T-1"));
    assert_eq!(seen[1].request.as_ref().map(|r| r.id), Some(request.id), "the grant answered it");
    let revoke = seen[2].event.as_ref().expect("the event");
    assert_eq!(
        (revoke.action, revoke.actor_email.as_deref()),
        (AccessAction::Revoke, Some("alice@acme.example"))
    );
    assert_eq!(
        seen[2].grant.as_ref().and_then(|g| g.revoked_by_email.as_deref()),
        Some("alice@acme.example")
    );
}

/// Every notice waiting, with its facts, written out with no deliveries.
async fn facts_of(store: &Store, now: DateTime<Utc>) -> Vec<NoticeFacts> {
    let seen = std::sync::Mutex::new(Vec::new());
    store
        .fan_out(now, 100, |facts| {
            seen.lock().unwrap().push(facts.clone());
            Vec::new()
        })
        .await
        .unwrap();
    seen.into_inner().unwrap()
}

async fn a_notice_is_written_out_once(store: &Store) {
    let w = world(store).await;
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    assert_eq!(store.outbox_state().await.unwrap().notices_waiting, 1);
    assert_eq!(store.fan_out(t0(), 10, to_customers).await.unwrap(), 1);
    assert_eq!(store.fan_out(t0(), 10, to_customers).await.unwrap(), 0, "written once");
    let state = store.outbox_state().await.unwrap();
    assert_eq!((state.notices_waiting, state.pending, state.delivered, state.failed), (0, 2, 0, 0));
    let recent = store.recent_deliveries(false, 10).await.unwrap();
    let mut to: Vec<&str> = recent.iter().map(|d| d.recipient.as_str()).collect();
    to.sort();
    assert_eq!(to, ["alice@acme.example", "bob@acme.example"]);
    assert!(recent
        .iter()
        .all(|d| d.topic == "grant" && d.attempts == 0 && d.channel == Channel::Email));
}

async fn a_delivery_is_claimed_by_one_worker_until_settled(store: &Store) {
    let w = world(store).await;
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    store.fan_out(t0(), 10, to_customers).await.unwrap();
    let lease = t0() + TimeDelta::minutes(2);
    let first = store.claim_deliveries(t0(), lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|d| d.attempts == 1 && d.payload == "grant"));
    assert!(store.claim_deliveries(t0(), lease, 10).await.unwrap().is_empty(), "leased");
    // One is delivered; the other's worker died: at the lease's end it is due again.
    store
        .settle_delivery(first[0].id, &Attempt::Delivered { status: Some(250) }, t0())
        .await
        .unwrap();
    let before = store.claim_deliveries(lease - TimeDelta::seconds(1), lease, 10).await.unwrap();
    assert!(before.is_empty());
    let again = store.claim_deliveries(lease, lease + TimeDelta::minutes(2), 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id, again[0].message_id.as_str(), again[0].attempts),
        (first[1].id, first[1].message_id.as_str(), 2)
    );
    let state = store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered), (1, 1));
}

async fn failed_deliveries_wait_their_turn_or_are_given_up(store: &Store) {
    let w = world(store).await;
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    store.fan_out(t0(), 10, to_customers).await.unwrap();
    let lease = t0() + TimeDelta::minutes(2);
    let claimed = store.claim_deliveries(t0(), lease, 10).await.unwrap();
    let retry_at = t0() + TimeDelta::seconds(30);
    let failed =
        |retry_at| Attempt::Failed { error: "451 try later".into(), status: Some(451), retry_at };
    store.settle_delivery(claimed[0].id, &failed(Some(retry_at)), t0()).await.unwrap();
    store.settle_delivery(claimed[1].id, &failed(None), t0()).await.unwrap();

    let early = store.claim_deliveries(retry_at - TimeDelta::seconds(1), lease, 10).await.unwrap();
    assert!(early.is_empty(), "not before its time");
    let due = store.claim_deliveries(retry_at, retry_at + TimeDelta::minutes(2), 10).await.unwrap();
    assert_eq!(due.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(), [(claimed[0].id, 2)]);
    let state = store.outbox_state().await.unwrap();
    assert_eq!((state.pending, state.delivered, state.failed), (1, 0, 1));
    let failures = store.recent_deliveries(true, 10).await.unwrap();
    assert_eq!(failures.len(), 2);
    let given_up = failures.iter().find(|d| d.id == claimed[1].id).unwrap();
    assert_eq!(
        (given_up.failed_at, given_up.last_status, given_up.last_error.as_deref()),
        (Some(t0()), Some(451), Some("451 try later"))
    );

    // Settled notices go after their time, with their deliveries; unsettled ones stay.
    let later = t0() + TimeDelta::days(40);
    assert_eq!(store.purge_notices(later, 100).await.unwrap(), 0, "one delivery is pending");
    store
        .settle_delivery(claimed[0].id, &Attempt::Delivered { status: Some(250) }, retry_at)
        .await
        .unwrap();
    assert_eq!(store.purge_notices(t0(), 100).await.unwrap(), 0, "too recent");
    assert_eq!(store.purge_notices(later, 100).await.unwrap(), 1);
    assert!(store.recent_deliveries(false, 10).await.unwrap().is_empty());
}

async fn a_grant_about_to_end_is_announced_once(store: &Store) {
    let w = world(store).await;
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    store.fan_out(t0(), 10, |_| Vec::new()).await.unwrap();
    let day = TimeDelta::hours(24);
    let ends = t0() + GRANT_DURATION;
    assert_eq!(store.announce_endings(ends - day - TimeDelta::seconds(1), day).await.unwrap(), 0);
    assert_eq!(store.announce_endings(ends - day, day).await.unwrap(), 1);
    assert_eq!(store.announce_endings(ends - TimeDelta::hours(1), day).await.unwrap(), 0, "once");
    let seen = facts_of(store, ends - day).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].notice.topic, ENDING);
    assert_eq!(seen[0].grant.as_ref().map(|g| g.grant.expires_at), Some(ends));
    // A grant revoked, or already over, is not about to end.
    store.revoke_access(w.account, w.alice, t0() + TimeDelta::hours(1)).await.unwrap();
    let next = t0() + TimeDelta::hours(2);
    store.grant_access(w.account, w.alice, next, next + GRANT_DURATION).await.unwrap();
    store.revoke_access(w.account, w.alice, next + TimeDelta::hours(1)).await.unwrap();
    let near = next + GRANT_DURATION - TimeDelta::hours(1);
    assert_eq!(store.announce_endings(near, day).await.unwrap(), 0);
    assert_eq!(store.announce_endings(next + GRANT_DURATION, day).await.unwrap(), 0);
}

async fn concurrent_workers_share_the_work_without_overlap(store: &Store) {
    let w = world(store).await;
    for hour in 0..20 {
        let at = t0() + TimeDelta::hours(hour);
        store.grant_access(w.account, w.alice, at, at + GRANT_DURATION).await.unwrap();
        store.revoke_access(w.account, w.alice, at + TimeDelta::minutes(30)).await.unwrap();
    }
    let now = t0() + TimeDelta::days(1);
    let fan_out = || store.fan_out(now, 7, to_customers);
    let (a, b, c, d) = tokio::join!(fan_out(), fan_out(), fan_out(), fan_out());
    let written: usize = [a, b, c, d].into_iter().map(Result::unwrap).sum();
    let rest = store.fan_out(now, 100, to_customers).await.unwrap();
    assert_eq!(written + rest, 40, "each notice written once");
    assert_eq!(store.outbox_state().await.unwrap().pending, 80);

    let lease = now + TimeDelta::minutes(2);
    let claim = || store.claim_deliveries(now, lease, 15);
    let (a, b, c, d) = tokio::join!(claim(), claim(), claim(), claim());
    let claimed: Vec<_> = [a, b, c, d].into_iter().flat_map(Result::unwrap).collect();
    let ids: HashSet<i64> = claimed.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), claimed.len(), "no delivery claimed twice");
    assert_eq!(claimed.len(), 60);
}

async fn webhook_endpoints_are_limited_and_their_secrets_shown_once(store: &Store) {
    let w = world(store).await;
    let add = |n: usize| {
        let url = format!("https://hooks.example.com/{n}");
        async move { store.add_webhook_endpoint(w.account, &url, &format!("whsec_{n}"), 5, t0()).await }
    };
    // Eight at once: five get in.
    let (a, b, c, d) = tokio::join!(add(0), add(1), add(2), add(3));
    let (e, f, g, h) = tokio::join!(add(4), add(5), add(6), add(7));
    let added = [a, b, c, d, e, f, g, h].into_iter().filter_map(Result::unwrap).count();
    assert_eq!(added, 5);
    let endpoints = store.webhook_endpoints(w.account).await.unwrap();
    assert_eq!(endpoints.len(), 5);

    let shown = store.reveal_webhook_secrets(w.account, t0()).await.unwrap();
    assert_eq!(shown.len(), 5);
    assert!(store.reveal_webhook_secrets(w.account, t0()).await.unwrap().is_empty(), "once");
    let first = endpoints[0].id;
    store.rotate_webhook_secret(w.account, first, "whsec_new").await.unwrap().unwrap();
    let again = store.reveal_webhook_secrets(w.account, t0()).await.unwrap();
    assert_eq!(again, [(first, "whsec_new".to_owned())]);
    assert_eq!(store.webhook_target(first).await.unwrap().unwrap().secret, "whsec_new");

    // Another account reaches none of them.
    let other = store.create_account("Globex", t0()).await.unwrap().id;
    assert_eq!(store.rotate_webhook_secret(other, first, "x").await.unwrap(), None);
    assert!(!store.remove_webhook_endpoint(other, first).await.unwrap());
    assert!(!store.announce_webhook_test(other, first, t0()).await.unwrap());

    // A test event goes to its endpoint alone; an access event to all of them.
    assert!(store.announce_webhook_test(w.account, first, t0()).await.unwrap());
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let seen = facts_of(store, t0()).await;
    let endpoints_of = |topic: &str| {
        seen.iter().find(|f| f.notice.topic == topic).map(|f| f.endpoints.len()).unwrap()
    };
    assert_eq!((endpoints_of("test"), endpoints_of("grant")), (1, 5));
    assert!(store.remove_webhook_endpoint(w.account, first).await.unwrap());
    assert_eq!(store.webhook_target(first).await.unwrap(), None);
}

async fn an_endpoint_failing_in_a_row_is_disabled_and_gets_no_more_events(store: &Store) {
    let w = world(store).await;
    let endpoint =
        store.add_webhook_endpoint(w.account, "https://h.example.com", "whsec_x", 5, t0());
    let id = endpoint.await.unwrap().unwrap().id;
    for _ in 0..webhooks::DISABLE_AFTER - 1 {
        store.webhook_attempted(id, Some("HTTP 500"), t0()).await.unwrap();
    }
    store.webhook_attempted(id, None, t0()).await.unwrap();
    let endpoints = store.webhook_endpoints(w.account).await.unwrap();
    assert_eq!(
        (endpoints[0].failed_attempts, endpoints[0].disabled_at),
        (0, None),
        "a success forgets"
    );
    for _ in 0..webhooks::DISABLE_AFTER {
        store.webhook_attempted(id, Some("HTTP 500"), t0()).await.unwrap();
    }
    let endpoint = &store.webhook_endpoints(w.account).await.unwrap()[0];
    assert_eq!(endpoint.disabled_at, Some(t0()));
    assert!(endpoint.disabled_reason.as_deref().unwrap().ends_with("the last: HTTP 500"));
    store.grant_access(w.account, w.alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    assert!(facts_of(store, t0()).await[0].endpoints.is_empty(), "nothing to a disabled endpoint");
    store.enable_webhook_endpoint(w.account, id).await.unwrap().unwrap();
    store.revoke_access(w.account, w.alice, t0()).await.unwrap();
    assert_eq!(facts_of(store, t0()).await[0].endpoints, [id]);
}

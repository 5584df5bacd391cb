//! Share links over HTTP: made by the customer, opened by anyone without signing in,
//! each opening recorded; refused once revoked, and from the second they expire.

use app::{
    auth::Role,
    clock::Clock,
    logs::{Call, LogFilter, NewLogEntry, PageFrom},
    sharing::OPENINGS_PER_HOUR,
    support_access::{AccessAction, AccessEvent, Scope},
};
use axum::http::{header, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};

use super::{body, TestApp, PROXY};

/// The customer's account with one call holding a body; the customer's cookie and the
/// call's id.
async fn world() -> (TestApp, String, i64, i64) {
    let app = TestApp::new().await;
    let (_, account) = app.user("alice@acme.example", Role::Customer).await;
    let account = account.unwrap();
    let call = Call {
        request_id: "req_shared".into(),
        request_body: Some("{\"pages\":\"1-12\"}".into()),
        ..Call::sample(app.clock.now() - TimeDelta::minutes(1), 1)
    };
    app.store.insert_log_entries(&[NewLogEntry::new(account, call)]).await.unwrap();
    let page = app
        .store
        .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 1)
        .await;
    let entry = page.unwrap().rows[0].id;
    let cookie = app.sign_in("alice@acme.example").await;
    (app, cookie, account, entry)
}

/// Makes a link lasting `hours` as the customer; its token.
async fn share(app: &TestApp, cookie: &str, entry: i64, hours: i64) -> String {
    let form = format!("id={entry}&hours={hours}");
    let response = app.post_form("/api/sharing/create", &form, Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let made: serde_json::Value = serde_json::from_str(&body(response).await).unwrap();
    let expires_at = made["expires_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert_eq!(expires_at, app.clock.now() + TimeDelta::hours(hours));
    made["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_link_shows_its_call_to_anyone_until_revoked_and_records_each_opening() {
    let (app, cookie, account, entry) = world().await;
    let token = share(&app, &cookie, entry, 24).await;
    assert_eq!(token.len(), 64, "256 random bits");
    let link = app.store.share_links(account, 1).await.unwrap()[0].0.id;

    let response = app.get(&format!("/shared/{token}"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let page = body(response).await;
    assert!(page.contains("req_shared") && page.contains("1-12"), "the call is shown");
    assert!(page.contains(r#"name="robots" content="noindex, nofollow""#));
    assert!(page.contains("Shared by"));

    // Opened once, by the proxy's client (no forwarded address here), and made once.
    let events = app.store.access_events(account, 10).await.unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.action).collect();
    assert_eq!(actions, [AccessAction::OpenShare, AccessAction::Share]);
    assert_eq!(events[0].share_link_id, Some(link));
    assert_eq!(events[0].detail.address.as_deref(), Some(PROXY));
    assert_eq!(events[0].actor_id, None);

    // Revoked: the same answer as a link that never was, and nothing more recorded.
    let form = format!("link={link}");
    let revoked = app.post_form("/api/sharing/revoke", &form, Some(&cookie)).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for path in [format!("/shared/{token}"), format!("/shared/{}", "0".repeat(64))] {
        let response = app.get(&path, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(body(response).await.contains("This link does not open"));
    }
    let events = app.store.access_events(account, 10).await.unwrap();
    assert_eq!(events[0].action, AccessAction::Unshare);
    assert_eq!(events.len(), 3);
}

#[tokio::test]
async fn a_link_ends_the_second_it_expires() {
    let (app, cookie, _, entry) = world().await;
    let token = share(&app, &cookie, entry, 1).await;
    let path = format!("/shared/{token}");
    app.clock.advance(TimeDelta::hours(1) - TimeDelta::seconds(1));
    assert_eq!(app.get(&path, None).await.status(), StatusCode::OK);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(app.get(&path, None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn links_last_an_hour_to_seven_days_and_only_for_the_customers_own_calls() {
    let (app, cookie, _, entry) = world().await;
    for hours in ["0", "169", "-1", "x"] {
        let form = format!("id={entry}&hours={hours}");
        let response = app.post_form("/api/sharing/create", &form, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{hours}");
    }
    app.user("bob@globex.example", Role::Customer).await;
    let bob = app.sign_in("bob@globex.example").await;
    let form = format!("id={entry}&hours=24");
    let response = app.post_form("/api/sharing/create", &form, Some(&bob)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "Alice's call, asked by Bob");
    let list = app.post_form("/api/sharing/list", "", Some(&bob)).await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(body(list).await.contains(r#""links":[]"#));
}

/// Whoever holds a link cannot grow the customer's history without bound: past
/// [`OPENINGS_PER_HOUR`] in an hour the link answers 429 and nothing is recorded, until
/// the hour has gone by.
#[tokio::test]
async fn a_link_opens_a_bounded_number_of_times_an_hour() {
    let (app, cookie, account, entry) = world().await;
    let token = share(&app, &cookie, entry, 24).await;
    let path = format!("/shared/{token}");
    for _ in 0..OPENINGS_PER_HOUR {
        assert_eq!(app.get(&path, None).await.status(), StatusCode::OK);
    }
    let refused = app.get(&path, None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body(refused).await.contains("opened too often"));
    let openings = |events: Vec<AccessEvent>| {
        events.iter().filter(|e| e.action == AccessAction::OpenShare).count() as i64
    };
    let events = app.store.access_events(account, 1_000).await.unwrap();
    assert_eq!(openings(events), OPENINGS_PER_HOUR);
    app.clock.advance(TimeDelta::hours(1));
    assert_eq!(app.get(&path, None).await.status(), StatusCode::OK);
}

//! The form of a grant to some calls, as its server function reads it: each limit
//! read as the customer wrote it, and anything it cannot honour refused with a reason,
//! granting nothing.

use app::{
    auth::Role,
    clock::Clock,
    logs::{Call, LogFilter, NewLogEntry, PageFrom},
    support_access::{Scope, MAX_SCOPE_CALLS, MAX_SCOPE_ENDPOINTS},
};
use axum::http::StatusCode;
use chrono::{TimeDelta, TimeZone, Utc};

use super::{body, TestApp};

const GRANT: &str = "/api/logs/grant_limited";

/// Alice's account with one call, Bob's with one; Alice's cookie, her call, Bob's call.
async fn world() -> (TestApp, String, i64, i64, i64) {
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice@acme.example", Role::Customer).await;
    let (_, bob) = app.user("bob@globex.example", Role::Customer).await;
    let (alice, bob) = (alice.unwrap(), bob.unwrap());
    let mut calls = Vec::new();
    for account in [alice, bob] {
        let call = Call::sample(app.clock.now() - TimeDelta::minutes(1), account);
        app.store.insert_log_entries(&[NewLogEntry::new(account, call)]).await.unwrap();
        let (everything, all) = (Scope::default(), LogFilter::default());
        let page = app.store.log_page(account, &everything, &all, PageFrom::Newest, 1).await;
        calls.push(page.unwrap().rows[0].id);
    }
    let cookie = app.sign_in("alice@acme.example").await;
    (app, cookie, alice, calls[0], calls[1])
}

#[tokio::test]
async fn what_the_form_cannot_honour_is_refused_with_a_reason_and_grants_nothing() {
    let (app, cookie, alice, _, bobs) = world().await;
    let many_ids: Vec<String> = (1..=MAX_SCOPE_CALLS as i64 + 1).map(|id| id.to_string()).collect();
    let many_endpoints: Vec<String> =
        (0..=MAX_SCOPE_ENDPOINTS).map(|n| format!("%2Fv1%2Fe{n}")).collect();
    let cases = [
        (String::new(), "Choose which calls"),
        ("errors_only=false".into(), "Choose which calls"),
        (format!("calls={bobs}"), "not your account's"),
        ("calls=7%2Cx".into(), "is not a call"),
        (format!("calls={}", many_ids.join("%2C")), "at most 100 calls"),
        (format!("endpoints={}", many_endpoints.join("%0A")), "at most 20 endpoints"),
        (format!("endpoints={}", "a".repeat(2_049)), "longer than"),
        ("from=2026-11-20T10%3A00&to=2026-11-20T09%3A00".into(), "ends before it starts"),
        ("from=yesterday".into(), "is not a date and time"),
    ];
    for (form, reason) in cases {
        let response = app.post_form(GRANT, &form, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form}");
        let text = body(response).await;
        assert!(text.contains(reason), "{form}: {text}");
    }
    assert_eq!(app.store.latest_grant(alice).await.unwrap(), None, "nothing was granted");
}

#[tokio::test]
async fn the_limits_are_read_as_written() {
    let (app, cookie, alice, mine, _) = world().await;
    // The range in UTC, its end's minute included; endpoints one a line, blank lines
    // and repeats dropped; calls by id, repeats dropped.
    let form = format!(
        "from=2026-11-20T09%3A00&to=2026-11-20T17%3A29&errors_only=true\
         &endpoints=%2Fv1%2Fa%0A%0A%20%2Fv1%2Fb%20%0A%2Fv1%2Fa&calls={mine}%2C%20{mine}"
    );
    let response = app.post_form(GRANT, &form, Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", body(response).await);
    let grant = app.store.latest_grant(alice).await.unwrap().unwrap();
    let scope = grant.scope;
    assert_eq!(scope.since, Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()));
    assert_eq!(scope.until, Some(Utc.with_ymd_and_hms(2026, 11, 20, 17, 30, 0).unwrap()));
    assert!(scope.errors_only);
    assert_eq!(scope.endpoints, ["/v1/a", "/v1/b"]);
    assert_eq!(scope.calls.iter().map(|call| call.id).collect::<Vec<_>>(), [mine]);
    assert_eq!(grant.expires_at - grant.granted_at, TimeDelta::days(14));
}

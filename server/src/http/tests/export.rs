//! Exports: the filtered view's calls, every one of them, in order, in either format.

use std::time::{Duration, Instant};

use app::{
    auth::Role,
    clock::Clock,
    logs::{Call, LogEntry, NewLogEntry},
    support_access::{AccessAction, GRANT_DURATION},
};
use axum::{
    body::Body,
    http::{header, Response, StatusCode},
};
use chrono::{TimeDelta, Utc};

use super::{body, TestApp};
use crate::http::downloads::PER_USER;

/// `count` calls of `account`, one a second back from now, every tenth a 500; bodies
/// with the characters CSV must quote.
fn calls(account: i64, count: i64) -> Vec<NewLogEntry> {
    let now = Utc::now();
    (0..count)
        .map(|i| {
            NewLogEntry::new(
                account,
                Call {
                    request_id: format!("req_{account}_{i}"),
                    status: if i % 10 == 0 { 500 } else { 200 },
                    request_headers: r#"{"content-type":"application/json"}"#.into(),
                    request_body: Some(format!(
                        r#"{{"name":"file {i}, \"draft\"","pad":"{}"}}"#,
                        "x".repeat(200)
                    )),
                    ..Call::sample(now - TimeDelta::seconds(i), i)
                },
            )
        })
        .collect()
}

#[tokio::test]
async fn an_export_holds_exactly_the_filtered_calls_newest_first() {
    let app = TestApp::new().await;
    let (_, account) = app.user("alice@acme.example", Role::Customer).await;
    let (_, other) = app.user("bob@globex.example", Role::Customer).await;
    let (account, other) = (account.unwrap(), other.unwrap());
    // Enough to take many chunks of the stream.
    let mine = calls(account, 3_000);
    app.store.insert_log_entries(&mine).await.unwrap();
    app.store.insert_log_entries(&calls(other, 50)).await.unwrap();
    let cookie = app.sign_in("alice@acme.example").await;

    let response = app.get("/logs/export.ndjson", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/x-ndjson");
    let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with(&format!("attachment; filename=\"apilogs-{account}-")));
    let text = body(response).await;
    let exported: Vec<LogEntry> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = exported.iter().map(|e| e.call.request_id.as_str()).collect();
    let expected: Vec<&str> = mine.iter().map(|c| c.call.request_id.as_str()).collect();
    assert_eq!(ids, expected, "every call of the account, newest first, once");
    assert_eq!(exported[7].call.request_body, mine[7].call.request_body);

    let response = app.get("/logs/export.csv?status=5xx", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = body(response).await;
    let mut lines = text.split("\r\n");
    assert!(lines.next().unwrap().starts_with("id,time,method,endpoint,"));
    let rows: Vec<&str> = lines.filter(|line| !line.is_empty()).collect();
    let errors: Vec<&NewLogEntry> = mine.iter().filter(|c| c.call.status == 500).collect();
    assert_eq!(rows.len(), errors.len());
    for (row, call) in rows.iter().zip(errors) {
        assert!(row.contains(&format!(",500,420,3,{},", call.call.request_id)), "{row}");
        // The body's comma and quotes survive, quoted and doubled.
        let name = call.call.request_body.as_deref().unwrap().split("\"pad\"").next().unwrap();
        assert!(row.contains(&name.replace('"', "\"\"")), "{row}");
    }
}

#[tokio::test]
async fn a_bad_filter_is_refused_and_names_the_problem() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let cookie = app.sign_in("alice@acme.example").await;
    for (query, says) in
        [("status=3xx", "\"3xx\" is not a status class"), ("from=soon", "\"soon\"")]
    {
        let response = app.get(&format!("/logs/export.csv?{query}"), Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(body(response).await.contains(says), "{query}");
    }
}

/// How long a request took, and its status.
async fn timed(
    request: impl std::future::Future<Output = Response<Body>>,
) -> (StatusCode, Duration) {
    let started = Instant::now();
    let response = request.await;
    (response.status(), started.elapsed())
}

/// Far below the pool's 5 s acquire timeout, which is how long a request would wait
/// (and then fail) if the exports held the connections.
const PROMPT: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_exports_take_nothing_from_other_users() {
    let app = TestApp::new().await;
    let (_, acme) = app.user("alice@acme.example", Role::Customer).await;
    let (_, globex) = app.user("bob@globex.example", Role::Customer).await;
    app.store.insert_log_entries(&calls(acme.unwrap(), 3_000)).await.unwrap();
    app.store.insert_log_entries(&calls(globex.unwrap(), 60)).await.unwrap();
    let alice = app.sign_in("alice@acme.example").await;

    // Twelve downloads, none of them read.
    let mut held = Vec::new();
    for _ in 0..12 {
        let response = app.get("/logs/export.ndjson", Some(&alice)).await;
        match response.status() {
            StatusCode::OK => held.push(response),
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(body(response).await.contains("downloads running already"));
            }
            status => panic!("{status}"),
        }
    }
    assert_eq!(held.len(), PER_USER);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (health, health_took) = timed(app.get("/healthz", None)).await;
    let form = "email=bob%40globex.example&password=long%20password%201";
    let (sign_in, sign_in_took) = timed(app.post_form("/signin", form, None)).await;
    let bob = app.sign_in("bob@globex.example").await;
    let (page, page_took) = timed(app.get("/logs", Some(&bob))).await;
    println!(
        "with {} exports unread: /healthz {health_took:?}, sign-in {sign_in_took:?}, /logs \
         {page_took:?}",
        held.len()
    );
    assert_eq!((health, sign_in, page), (StatusCode::OK, StatusCode::SEE_OTHER, StatusCode::OK));
    for took in [health_took, sign_in_took, page_took] {
        assert!(took < PROMPT, "{took:?}");
    }

    // A client that goes away frees its place at once.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = app.get("/logs/export.csv?status=5xx", Some(&alice)).await;
        if response.status() == StatusCode::OK {
            assert_eq!(body(response).await.lines().count(), 1 + 300);
            break;
        }
        assert!(Instant::now() < deadline, "the exports' places were not given back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_support_export_stops_when_the_grant_ends() {
    let app = TestApp::new().await;
    let (alice_id, acme) = app.user("alice@acme.example", Role::Customer).await;
    let acme = acme.unwrap();
    app.user("sam@support.example", Role::Support).await;
    app.store.insert_log_entries(&calls(acme, 3_000)).await.unwrap();
    let now = app.clock.now();
    app.store.grant_access(acme, alice_id, now, now + GRANT_DURATION).await.unwrap();
    let sam = app.sign_in("sam@support.example").await;

    let errors = format!("/support/accounts/{acme}/logs/export.csv?status=5xx");
    let whole = app.get(&errors, Some(&sam)).await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(body(whole).await.lines().count(), 1 + 300, "every 5xx while granted");

    let cut = app.get(&format!("/support/accounts/{acme}/logs/export.csv"), Some(&sam)).await;
    assert_eq!(cut.status(), StatusCode::OK);
    app.store.revoke_access(acme, alice_id, app.clock.now()).await.unwrap();
    let read = axum::body::to_bytes(cut.into_body(), usize::MAX).await;
    assert!(read.is_err(), "the download is broken off, not ended as if whole");

    // Each export is in the history when it starts and when it ends: how many calls it
    // sent, and why it stopped early.
    let events = app.store.access_events(acme, 10).await.unwrap();
    let exports: Vec<_> = events
        .iter()
        .rev()
        .filter(|e| matches!(e.action, AccessAction::Export | AccessAction::ExportEnd))
        .map(|e| {
            (e.action, e.detail.filter.as_deref(), e.detail.calls, e.detail.broken_off.as_deref())
        })
        .collect();
    let (cut_short, why) = match exports[3] {
        (AccessAction::ExportEnd, None, Some(calls), Some(why)) => (calls, why),
        other => panic!("the cut export's end: {other:?}"),
    };
    assert!(cut_short < 3_000 && why.contains("not granted"), "{cut_short} calls, {why}");
    assert_eq!(
        exports,
        [
            (AccessAction::Export, Some("status=5xx"), None, None),
            (AccessAction::ExportEnd, Some("status=5xx"), Some(300), None),
            (AccessAction::Export, None, None, None),
            (AccessAction::ExportEnd, None, Some(cut_short), Some(why)),
        ]
    );
}

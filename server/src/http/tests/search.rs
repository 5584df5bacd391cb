//! Body searches crafted to be slow stop at their time budget, run a few at a time,
//! and leave the service to everyone else meanwhile.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::{
    auth::Role,
    logs::{Call, NewLogEntry},
};
use axum::http::StatusCode;
use chrono::{TimeDelta, Utc};

use super::{body, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_searches_leave_the_service_to_others() {
    let app = Arc::new(TestApp::new().await);
    let (_, acme) = app.user("alice@acme.example", Role::Customer).await;
    let (_, globex) = app.user("bob@globex.example", Role::Customer).await;
    // Bodies of one letter: the worst case for a pattern that almost matches.
    let now = Utc::now();
    let heavy: Vec<NewLogEntry> = (0..400)
        .map(|i| {
            let body = Some("a".repeat(64 * 1024));
            let call = Call {
                request_body: body.clone(),
                response_body: body,
                ..Call::sample(now - TimeDelta::seconds(i), i)
            };
            NewLogEntry::new(acme.unwrap(), call)
        })
        .collect();
    for chunk in heavy.chunks(50) {
        app.store.insert_log_entries(chunk).await.unwrap();
    }
    let light: Vec<NewLogEntry> = (0..60)
        .map(|i| NewLogEntry::new(globex.unwrap(), Call::sample(now - TimeDelta::seconds(i), i)))
        .collect();
    app.store.insert_log_entries(&light).await.unwrap();
    let alice = app.sign_in("alice@acme.example").await;
    let bob = app.sign_in("bob@globex.example").await;

    // Too long a pattern is refused outright, naming the limit.
    let long = "a".repeat(201);
    let refused = app.get(&format!("/logs/export.csv?q={long}"), Some(&alice)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(body(refused).await.contains("at most 200 characters"));

    // Eight of the longest patterns allowed, at once, through the page and the export.
    let pattern = format!("{}b", "a".repeat(199));
    let started = Instant::now();
    let searches: Vec<_> = (0..8)
        .map(|i| {
            let path = if i % 2 == 0 {
                format!("/logs?q={pattern}")
            } else {
                format!("/logs/export.csv?q={pattern}")
            };
            let (app, alice) = (app.clone(), alice.clone());
            tokio::spawn(async move {
                let response = app.get(&path, Some(&alice)).await;
                let status = response.status();
                // A download may be broken off when a later page runs out of time.
                let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                status
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut took = Vec::new();
    for _ in 0..3 {
        let at = Instant::now();
        assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
        let page = app.get("/logs", Some(&bob)).await;
        assert_eq!(page.status(), StatusCode::OK);
        took.push(at.elapsed());
    }
    println!("while 8 crafted searches run: /healthz then Bob's /logs took {took:?}");
    assert!(took.iter().all(|took| *took < Duration::from_secs(3)), "{took:?}");

    for search in searches {
        let status = search.await.unwrap();
        // Cut off by the budget (or tired of waiting its turn): a clear 503, never a 500;
        // or, for a third export at once, 429.
        let expected =
            [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE, StatusCode::TOO_MANY_REQUESTS];
        assert!(expected.contains(&status), "{status}");
    }
    println!("the 8 searches were over after {:?}", started.elapsed());
}

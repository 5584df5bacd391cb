//! Exports: the filtered view's calls, every one of them, in order, in either format.

use app::{
    auth::Role,
    logs::{Call, LogEntry, NewLogEntry},
};
use axum::http::{header, StatusCode};
use chrono::{TimeDelta, Utc};

use super::{body, TestApp};

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

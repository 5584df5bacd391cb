//! The browser's protections: cross-site writes refused, security headers everywhere.

use app::auth::Role;
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use chrono::Utc;

use super::{body, TestApp, INGEST_TOKEN};

const HOST: &str = "logs.example.com";

/// A POST with the session `cookie`, from a page at `origin` (as the browser says).
fn post(path: &str, cookie: &str, from: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in from {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn another_site_cannot_grant_access_with_the_customers_session() {
    let app = TestApp::new().await;
    let (_, account) = app.user("alice@acme.example", Role::Customer).await;
    let alice = app.sign_in("alice@acme.example").await;
    let grant = "/api/support_access/grant";
    let cross_site: [&[(&str, &str)]; 4] = [
        &[("origin", "http://evil.example")],
        &[("sec-fetch-site", "cross-site"), ("origin", "http://evil.example")],
        // Another port or a sibling subdomain is the same site, but not this origin.
        &[("sec-fetch-site", "same-site"), ("origin", "http://logs.example.com:8080")],
        &[("origin", "http://status.logs.example.com")],
    ];
    for from in cross_site {
        let response = app.send(post(grant, &alice, from)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{from:?}");
    }
    assert_eq!(app.store.latest_grant(account.unwrap()).await.unwrap(), None, "nothing granted");

    let here = [("sec-fetch-site", "same-origin"), ("origin", "http://logs.example.com")];
    let response = app.send(post(grant, &alice, &here)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.store.latest_grant(account.unwrap()).await.unwrap().is_some());
}

#[tokio::test]
async fn another_site_cannot_sign_in_or_out() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let alice = app.sign_in("alice@acme.example").await;
    let evil = [("origin", "http://evil.example")];
    let out = app.send(post("/signout", &alice, &evil)).await;
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/logs", Some(&alice)).await.status(), StatusCode::OK, "still signed in");

    let form = "email=alice%40acme.example&password=long%20password%201";
    let request = Request::post("/signin")
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "cross-site")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!response.headers().contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn ingest_takes_its_token_from_anywhere() {
    let app = TestApp::new().await;
    let (_, account) = app.user("alice@acme.example", Role::Customer).await;
    let record = format!(
        r#"[{{"account_id":{},"occurred_at":"{}","request_id":"r1",
        "method":"GET","endpoint":"/v1/x","status":200,"duration_ms":1}}]"#,
        account.unwrap(),
        Utc::now().to_rfc3339()
    );
    let request = Request::post("/api/v1/logs")
        .header(header::HOST, HOST)
        .header("origin", "http://gateway.example")
        .header("sec-fetch-site", "cross-site")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST_TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(record))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", body(response).await);
}

#[tokio::test]
async fn every_response_carries_the_browsers_protections() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let alice = app.sign_in("alice@acme.example").await;
    let responses = [
        ("/signin", app.get("/signin", None).await),
        ("/logs", app.get("/logs", Some(&alice)).await),
        ("/logs/grant", app.get("/logs/grant", Some(&alice)).await),
        ("/no/such/page", app.get("/no/such/page", None).await),
        ("/healthz", app.get("/healthz", None).await),
        ("/logs/export.csv", app.get("/logs/export.csv", Some(&alice)).await),
        ("/api/logs/summary", app.post_form("/api/logs/summary", "", Some(&alice)).await),
    ];
    for (path, response) in &responses {
        let headers = response.headers();
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert!(policy.contains("object-src 'none'"), "{path}: {policy}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert!(headers.contains_key("permissions-policy"), "{path}");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "{path}: not over HTTPS");
    }
    // A page's scripts run by the nonce its policy names; nothing else runs any.
    let (_, page) = &responses[1];
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let (_, health) = &responses[4];
    assert!(health.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("script-src 'none'"));
    let (_, page) = responses.into_iter().nth(1).unwrap();
    let html = body(page).await;
    let tags: Vec<&str> =
        html.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap()).collect();
    assert!(!tags.is_empty());
    for tag in tags {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}>");
    }
}

//! The ingest API and the demo API's recorder, end to end in process: what is stored,
//! and every way a batch is refused with nothing stored.

use std::time::Duration;

use app::support_access::Scope;
use app::{
    accounts::{api_key_hash, NewApiKey},
    auth::Role,
    logs::{LogFilter, PageFrom},
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use chrono::Utc;
use serde_json::{json, Value};

use super::{body, TestApp, INGEST_TOKEN};
use crate::redact::REDACTED;

impl TestApp {
    async fn ingest(
        &self,
        content_type: &str,
        payload: String,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = Request::post("/api/v1/logs").header(header::CONTENT_TYPE, content_type);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self.send(request.body(Body::from(payload)).unwrap()).await;
        let status = response.status();
        (status, serde_json::from_str(&body(response).await).unwrap_or(Value::Null))
    }

    async fn post_json(&self, records: &Value) -> (StatusCode, Value) {
        self.ingest("application/json", records.to_string(), Some(INGEST_TOKEN)).await
    }

    async fn calls(&self, account: i64) -> i64 {
        self.store.log_entry_count(account).await.unwrap()
    }

    /// An API key of `account`; returns its id.
    pub(super) async fn api_key(&self, account: i64, key: &str) -> i64 {
        let hash = api_key_hash(key);
        let new = NewApiKey {
            account_id: account,
            name: "Production",
            prefix: &key[..8],
            key_hash: &hash,
        };
        self.store.create_api_key(new, Utc::now()).await.unwrap().id
    }
}

fn record(account: i64, request_id: &str) -> Value {
    json!({
        "account_id": account,
        "occurred_at": Utc::now().to_rfc3339(),
        "request_id": request_id,
        "method": "post",
        "endpoint": "/v1/pdf/merge",
        "status": 200,
        "duration_ms": 812,
        "credits": 4,
        "request_headers": {"Content-Type": "application/json"},
        "request_body": {"url": "https://files.example.com/a.pdf"},
        "response_body": "{\"error\":false}",
        "client_ip": "203.0.113.7",
        "user_agent": "curl/8.5.0"
    })
}

async fn customer(app: &TestApp) -> i64 {
    app.user("alice@acme.example", Role::Customer).await.1.unwrap()
}

#[tokio::test]
async fn a_batch_is_stored_whole_with_secrets_redacted_and_long_bodies_cut() {
    let app = TestApp::new().await;
    let account = customer(&app).await;
    let mut secret = record(account, "req_secret");
    secret["request_headers"] =
        json!({"Authorization": "Bearer sk_live_1", "X-API-Key": "ak_live_2", "Accept": "*/*"});
    secret["request_body"] =
        json!({"user": {"password": "hunter2", "cards": [{"number": "4111 1111 1111 1111"}]}});
    secret["query"] = json!("pages=1-2&api_key=ak_live_3");
    let long = "x".repeat(70_000);
    secret["response_body"] = json!(long);
    let (status, answer) =
        app.post_json(&json!([record(account, "req_1"), secret, record(account, "req_3")])).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"stored": 3})));

    let page = app
        .store
        .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 3);
    let id = page.rows.iter().find(|r| r.request_id == "req_secret").unwrap().id;
    let entry = app.store.log_entry(account, &Scope::EVERYTHING, id).await.unwrap().unwrap();
    assert_eq!(entry.call.method, "POST");
    let headers: Value = serde_json::from_str(&entry.call.request_headers).unwrap();
    assert_eq!(headers, json!({"Authorization": REDACTED, "X-API-Key": REDACTED, "Accept": "*/*"}));
    let body: Value = serde_json::from_str(entry.call.request_body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"user": {"password": REDACTED, "cards": [{"number": REDACTED}]}}));
    assert_eq!(entry.call.query, format!("pages=1-2&api_key={REDACTED}"));
    assert_eq!(entry.call.response_body.as_deref().map(str::len), Some(64 * 1024));
    assert_eq!(entry.call.response_body_full_size, Some(70_000));
    assert_eq!(entry.call.request_body_full_size, None);
    let stored = serde_json::to_string(&entry).unwrap();
    for secret in ["sk_live_1", "ak_live_2", "ak_live_3", "hunter2", "4111"] {
        assert!(!stored.contains(secret), "{secret} was stored");
    }
}

#[tokio::test]
async fn ndjson_is_read_line_by_line_and_a_key_names_its_account() {
    let app = TestApp::new().await;
    let account = customer(&app).await;
    let key = app.api_key(account, "ak_test_0123456789").await;
    let mut by_key = record(account, "req_by_key");
    by_key.as_object_mut().unwrap().remove("account_id");
    by_key["api_key_id"] = json!(key);
    let payload = format!("{}\n\n{}\n", record(account, "req_1"), by_key);
    let (status, answer) = app.ingest("application/x-ndjson", payload, Some(INGEST_TOKEN)).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"stored": 2})));
    let page = app
        .store
        .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap();
    let ids: Vec<&str> = page.rows.iter().map(|r| r.request_id.as_str()).collect();
    assert!(ids.contains(&"req_by_key") && ids.contains(&"req_1"), "{ids:?}");
}

#[tokio::test]
async fn each_bad_input_gets_a_precise_answer_and_stores_nothing() {
    let app = TestApp::new().await;
    let account = customer(&app).await;
    let good = record(account, "req_ok");
    let with = |field: &str, value: Value| {
        let mut r = good.clone();
        r[field] = value;
        r
    };
    let without = |field: &str| {
        let mut r = good.clone();
        r.as_object_mut().unwrap().remove(field);
        r
    };
    let array = |records: Vec<Value>| Value::Array(records).to_string();
    // (case, content type, body, token, status, record, field, words in the message)
    type Case<'a> = (
        &'a str,
        &'a str,
        String,
        Option<&'a str>,
        StatusCode,
        Option<u64>,
        Option<&'a str>,
        &'a str,
    );
    let json = "application/json";
    let cases: Vec<Case> = vec![
        (
            "malformed",
            json,
            "[{\"account_id\": 1,".into(),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            None,
            None,
            "malformed JSON",
        ),
        (
            "not an array",
            json,
            good.to_string(),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            None,
            None,
            "expected a JSON array",
        ),
        (
            "empty",
            json,
            "[]".into(),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            None,
            None,
            "no records",
        ),
        (
            "missing field",
            json,
            array(vec![good.clone(), without("status")]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(1),
            Some("status"),
            "missing field",
        ),
        (
            "wrong type",
            json,
            array(vec![with("status", json!("two hundred"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("status"),
            "invalid type",
        ),
        (
            "negative",
            json,
            array(vec![good.clone(), with("duration_ms", json!(-3))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(1),
            Some("duration_ms"),
            "-3",
        ),
        (
            "unknown field",
            json,
            array(vec![with("stauts", json!(200))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("stauts"),
            "unknown field",
        ),
        (
            "bad time",
            json,
            array(vec![with("occurred_at", json!("yesterday"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("occurred_at"),
            "record 0",
        ),
        (
            "past retention",
            json,
            array(vec![good.clone(), with("occurred_at", json!("2020-01-01T00:00:00Z"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(1),
            Some("occurred_at"),
            "older than the 90-day retention",
        ),
        (
            "bad status",
            json,
            array(vec![with("status", json!(700))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("status"),
            "700",
        ),
        (
            "bad method",
            json,
            array(vec![with("method", json!("GE T"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("method"),
            "HTTP method",
        ),
        (
            "query too long",
            json,
            array(vec![with("query", json!("q=".repeat(4_097)))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("query"),
            "longer than 8192 bytes",
        ),
        (
            "error message too long",
            json,
            array(vec![good.clone(), with("error_message", json!("e".repeat(4_097)))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(1),
            Some("error_message"),
            "longer than 4096 bytes",
        ),
        (
            "user agent too long",
            json,
            array(vec![with("user_agent", json!("u".repeat(1_025)))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("user_agent"),
            "longer than 1024 bytes",
        ),
        (
            "too many headers",
            json,
            array(vec![with(
                "request_headers",
                Value::Object((0..101).map(|i| (format!("x-h{i}"), json!("v"))).collect()),
            )]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("request_headers"),
            "more than 100 headers",
        ),
        (
            "header value too long",
            json,
            array(vec![with("request_headers", json!({"x-big": "v".repeat(8_193)}))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("request_headers"),
            "values 8192",
        ),
        (
            "bad endpoint",
            json,
            array(vec![with("endpoint", json!("v1/x"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("endpoint"),
            "starting with /",
        ),
        (
            "bad ip",
            json,
            array(vec![with("client_ip", json!("300.1.1.1"))]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("client_ip"),
            "invalid",
        ),
        (
            "no account",
            json,
            array(vec![without("account_id")]),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(0),
            Some("account_id"),
            "api_key_id",
        ),
        (
            "unknown account",
            json,
            array(vec![good.clone(), with("account_id", json!(9_999))]),
            Some(INGEST_TOKEN),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(1),
            Some("account_id"),
            "9999",
        ),
        (
            "unknown key",
            json,
            array(vec![with("api_key_id", json!(777))]),
            Some(INGEST_TOKEN),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(0),
            Some("api_key_id"),
            "777",
        ),
        (
            "too many",
            json,
            array(vec![good.clone(); 101]),
            Some(INGEST_TOKEN),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            None,
            "101 records",
        ),
        (
            "too big",
            json,
            array(vec![with("request_body", json!("x".repeat(300_000)))]),
            Some(INGEST_TOKEN),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            None,
            "bytes",
        ),
        (
            "bad ndjson line",
            "application/x-ndjson",
            format!("{good}\n{{\"account_id\":\n"),
            Some(INGEST_TOKEN),
            StatusCode::BAD_REQUEST,
            Some(1),
            None,
            "line 2",
        ),
        (
            "no token",
            json,
            array(vec![good.clone()]),
            None,
            StatusCode::UNAUTHORIZED,
            None,
            None,
            "Bearer",
        ),
        (
            "wrong token",
            json,
            array(vec![good.clone()]),
            Some("guess"),
            StatusCode::UNAUTHORIZED,
            None,
            None,
            "wrong",
        ),
        (
            "media type",
            "text/plain",
            array(vec![good.clone()]),
            Some(INGEST_TOKEN),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            None,
            "application/x-ndjson",
        ),
    ];
    let mut wrong = Vec::new();
    for (case, content_type, payload, token, status, index, field, words) in cases {
        let (got, answer) = app.ingest(content_type, payload, token).await;
        let message = answer["error"].as_str().unwrap_or_default();
        if got != status
            || answer["record"].as_u64() != index
            || answer["field"].as_str() != field
            || !message.contains(words)
        {
            wrong.push(format!("{case}: got {got} {answer}"));
        }
        if app.calls(account).await != 0 {
            wrong.push(format!("{case}: something was stored"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_ingest_api() {
    let app = TestApp::new().await;
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = serde_json::from_str(&body(response).await).unwrap();
    let post = &doc["paths"]["/api/v1/logs"]["post"];
    for status in ["200", "400", "401", "413", "415", "422", "503"] {
        assert!(post["responses"][status].is_object(), "documents {status}");
    }
    let record = &doc["components"]["schemas"]["CallRecord"];
    let required: Vec<&str> =
        record["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for field in ["occurred_at", "request_id", "method", "endpoint", "status", "duration_ms"] {
        assert!(required.contains(&field), "{field} is required: {required:?}");
    }
    assert!(record["properties"]["request_body"].is_object());
    // An empty batch is refused (400): the document says a batch has a record or more.
    let batch = &post["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(batch["minItems"], 1, "{batch}");
    let record = &batch["items"]["allOf"];
    assert_eq!(record[0]["$ref"], "#/components/schemas/CallRecord");
    assert_eq!(record[1]["anyOf"][0]["required"][0], "account_id", "{record}");
    assert_eq!(record[1]["anyOf"][1]["required"][0], "api_key_id", "{record}");
}

#[tokio::test]
async fn a_call_to_the_demo_api_is_recorded_with_its_key_redacted() {
    let app = TestApp::new().await;
    let account = customer(&app).await;
    let key = "ak_test_demo_0123456789";
    app.api_key(account, key).await;
    let request = Request::post("/v1/pdf/merge")
        .header("x-api-key", key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"url":"https://files.example.com/a.pdf","pages":"1-2"}"#))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let answer: Value = serde_json::from_str(&body(response).await).unwrap();
    assert_eq!((answer["pageCount"].as_u64(), answer["credits"].as_u64()), (Some(2), Some(2)));

    // A wrong key is refused, and there is no account to record it for; the key is
    // checked before any of the body is read, however large.
    let refused =
        Request::post("/v1/pdf/merge").header("x-api-key", "ak_nope").body(Body::empty()).unwrap();
    assert_eq!(app.send(refused).await.status(), StatusCode::UNAUTHORIZED);
    let never_read =
        Body::from_stream(futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>());
    let refused = Request::post("/v1/pdf/merge").header("x-api-key", "ak_nope").body(never_read);
    let answer = tokio::time::timeout(Duration::from_secs(2), app.send(refused.unwrap())).await;
    assert_eq!(answer.expect("answered without the body").status(), StatusCode::UNAUTHORIZED);
    // With a key, a body over the API's limit is refused before the API sees it.
    let big = Request::post("/v1/pdf/merge")
        .header("x-api-key", key)
        .body(Body::from(vec![b'x'; 2 * 1024 * 1024]))
        .unwrap();
    assert_eq!(app.send(big).await.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The writer stores within its flush interval.
    let mut waited = Duration::ZERO;
    while app.calls(account).await == 0 && waited < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    let page = app
        .store
        .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1, "one call recorded, after {waited:?}");
    let entry =
        app.store.log_entry(account, &Scope::EVERYTHING, page.rows[0].id).await.unwrap().unwrap();
    assert_eq!(
        (entry.call.request_id.as_str(), entry.call.status, entry.call.credits),
        (request_id.as_str(), 200, 2)
    );
    assert_eq!(entry.call.client_ip.as_deref(), Some("192.0.2.1"));
    let headers: Value = serde_json::from_str(&entry.call.request_headers).unwrap();
    assert_eq!(headers["x-api-key"], REDACTED);
    assert!(headers.get("x-request-id").is_none(), "the headers as the client sent them");
    assert!(!serde_json::to_string(&entry).unwrap().contains(key));
}

#[tokio::test]
async fn ingest_is_off_without_a_token() {
    let app = TestApp::new().await;
    let settings = std::sync::Arc::new(crate::ingest::IngestSettings::default());
    let off =
        super::super::ingest::IngestState::new(app.store.clone(), app.clock_arc(), settings, &[]);
    let router: axum::Router = super::super::ingest::routes(off);
    let request = Request::post("/api/v1/logs")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, "Bearer anything")
        .body(Body::from("[]"))
        .unwrap();
    use tower::ServiceExt;
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body(response).await.contains("--ingest-token"));
}

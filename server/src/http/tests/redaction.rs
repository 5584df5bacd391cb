//! Secrets planted in every shape a call can carry them, sent through the ingest API and
//! through the recording middleware: none is found in anything stored or shown (every
//! stored column, the call's page for the customer and for Support with its cURL
//! command, the CSV and NDJSON exports), while their neighbours stay as sent. And
//! bodies without secrets come back exactly as they were sent.

use std::time::Duration;

use app::support_access::Scope;
use app::{
    auth::Role,
    clock::Clock,
    logs::{LogEntry, LogFilter, PageFrom},
    support_access::GRANT_DURATION,
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use chrono::Utc;
use serde_json::{json, Value};

use super::{body, TestApp, INGEST_TOKEN};
use crate::redact::formats;

/// The `n`th planted secret: letters and digits, so that no escaping can hide it.
fn secret(n: usize) -> String {
    format!("Zq{n:03}planted")
}

/// A call carrying secrets, and what must survive around them.
struct Shape {
    name: &'static str,
    /// Fields of the record, over a plain one; `"__RAW__"` in `request_body` stands for
    /// `raw`, sent as a JSON value byte for byte.
    fields: Value,
    raw: Option<String>,
    secrets: Vec<String>,
    neighbours: Vec<String>,
}

fn shapes() -> Vec<Shape> {
    let s = |n: usize| secret(n);
    let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let jwt = formats::samples().last().unwrap().1.clone();
    let multipart = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nann\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"private_key\"; filename=\"k.pem\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
         Content-Type: application/json\r\n\r\n{{\"token\":\"{}\",\"id\":\"ord_1008\"}}\r\n--b0undary--\r\n",
        s(16),
        s(17),
        s(18)
    );
    let tokens: Vec<String> = formats::samples().into_iter().map(|(_, sample)| sample).collect();
    let bot = format!("123456789:AA{}", &"x7Kp2Qw9Lm4Rt6Yz8Bn3Vc5Xd1Fg0Hj2Ks4"[..33]);
    vec![
        Shape {
            name: "JSON sent as JSON",
            fields: json!({"request_body": "__RAW__", "request_headers": {"Content-Type": "application/json"}}),
            raw: Some(format!(
                r#"{{"order_id":"ord_1001","amount":1234.50,"password":"{}","when":"2026-11-20T09:00:00Z"}}"#,
                s(1)
            )),
            secrets: vec![s(1)],
            neighbours: strings(&["ord_1001", "1234.50", "2026-11-20T09:00:00Z"]),
        },
        Shape {
            name: "JSON with a byte-order mark",
            fields: json!({"request_body": format!("\u{feff}{{\"order_id\":\"ord_1002\",\"client_secret\":\"{}\"}}", s(2))}),
            raw: None,
            secrets: vec![s(2)],
            neighbours: strings(&["ord_1002"]),
        },
        Shape {
            name: "a repeated key",
            fields: json!({"request_body": format!(r#"{{"password":"{}","password":"[REDACTED]","id":"ord_1003"}}"#, s(3))}),
            raw: None,
            secrets: vec![s(3)],
            neighbours: strings(&["ord_1003"]),
        },
        Shape {
            name: "JSON deeper than serde's limit",
            fields: json!({"request_body": format!(
                "{}{{\"token\":\"{}\",\"id\":\"ord_1004\"}}{}",
                "[".repeat(300),
                s(4),
                "]".repeat(300)
            )}),
            raw: None,
            secrets: vec![s(4)],
            neighbours: strings(&["ord_1004"]),
        },
        Shape {
            name: "JSON lines",
            fields: json!({
                "request_body": format!("{{\"id\":\"ord_1005\",\"apiKey\":\"{}\"}}\n{{\"id\":\"ord_1006\",\"apiKey\":\"{}\"}}\n", s(5), s(6)),
                "request_headers": {"Content-Type": "application/x-ndjson"}
            }),
            raw: None,
            secrets: vec![s(5), s(6)],
            neighbours: strings(&["ord_1005", "ord_1006"]),
        },
        Shape {
            name: "a form ending with a newline",
            fields: json!({
                "request_body": format!("user=ann&password={}&amount=12.5\n", s(7)),
                "request_headers": {"Content-Type": "application/x-www-form-urlencoded"}
            }),
            raw: None,
            secrets: vec![s(7)],
            neighbours: strings(&["user=ann", "amount=12.5"]),
        },
        Shape {
            name: "short key names",
            fields: json!({"request_body": "__RAW__"}),
            raw: Some(format!(
                r#"{{"key":"{}","pwd":"{}","pass":"{}","auth":"{}","jwt":"{}","sig":"{}","session":"{}","otp":"{}","id":"ord_1007"}}"#,
                s(8),
                s(9),
                s(10),
                s(11),
                s(12),
                s(13),
                s(14),
                s(15)
            )),
            secrets: (8..=15).map(s).collect(),
            neighbours: strings(&["ord_1007"]),
        },
        Shape {
            name: "multipart fields and files",
            fields: json!({
                "request_body": multipart,
                "request_headers": {"Content-Type": "multipart/form-data; boundary=b0undary"}
            }),
            raw: None,
            secrets: vec![s(16), s(17), s(18)],
            neighbours: strings(&["ord_1008", "name=\"user\"", "ann"]),
        },
        Shape {
            name: "SOAP elements and attributes",
            fields: json!({
                "request_body": format!(
                    "<Envelope><Body><Login user=\"ann\" apiKey=\"{}\"><password>{}</password><id>ord_1009</id></Login></Body></Envelope>",
                    s(19), s(20)
                ),
                "request_headers": {"Content-Type": "text/xml"}
            }),
            raw: None,
            secrets: vec![s(19), s(20)],
            neighbours: strings(&["ord_1009", "user=\"ann\""]),
        },
        Shape {
            name: "credentials in URLs",
            fields: json!({"response_body": json!({
                "db": format!("postgres://app:{}@db.example:5432/main", s(21)),
                "file": format!("https://b.s3.amazonaws.com/f.pdf?X-Amz-Signature={}&X-Amz-Expires=300", s(22)),
                "blob": format!("https://a.blob.core.windows.net/c/f?sv=2022&sig={}", s(23)),
                "cdn": format!("https://cdn.example/f?signature={}&token={}&w=300", s(24), s(25)),
                "plain": "https://files.example.com/a.pdf"
            }).to_string()}),
            raw: None,
            secrets: (21..=25).map(s).collect(),
            neighbours: strings(&[
                "@db.example:5432/main",
                "X-Amz-Expires=300",
                "https://files.example.com/a.pdf",
                "w=300",
            ]),
        },
        Shape {
            name: "Bearer and JWT in free text",
            fields: json!({
                "response_body": format!("upstream refused Bearer {} and then {jwt} for ord_1011", s(26)),
                "request_headers": {"Content-Type": "text/plain"}
            }),
            raw: None,
            secrets: vec![s(26), jwt.clone()],
            neighbours: strings(&["ord_1011", "upstream refused Bearer "]),
        },
        Shape {
            name: "a private key",
            fields: json!({"request_body": json!({
                "pem": format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", s(27)),
                "id": "ord_1012"
            }).to_string()}),
            raw: None,
            secrets: vec![s(27)],
            neighbours: strings(&["ord_1012", "-----BEGIN PRIVATE KEY-----"]),
        },
        Shape {
            name: "the query",
            fields: json!({"query": format!("pages=1-3&key={}&token={}&sort=asc", s(28), s(29))}),
            raw: None,
            secrets: vec![s(28), s(29)],
            neighbours: strings(&["pages=1-3", "sort=asc"]),
        },
        Shape {
            name: "headers on the list and off it",
            fields: json!({"request_headers": {
                "Referer": format!("https://app.example/cb?token={}&x=1", s(30)),
                "X-Custom-Secret": s(31),
                "Authorization": format!("Bearer {}", s(32)),
                "Cookie": format!("sid={}", s(33)),
                "Accept": "application/json"
            }}),
            raw: None,
            secrets: (30..=33).map(s).collect(),
            neighbours: strings(&["https://app.example/cb?token=", "application/json"]),
        },
        Shape {
            name: "the error message and the user agent",
            fields: json!({
                "error_message": format!("upstream refused password={} for ord_1015", s(34)),
                "user_agent": format!("Client/1.0 (token={})", s(35))
            }),
            raw: None,
            secrets: vec![s(34), s(35)],
            neighbours: strings(&["for ord_1015", "Client/1.0"]),
        },
        Shape {
            name: "every provider's token format",
            fields: json!({"response_body": tokens.iter().map(|t| format!("used {t} once")).collect::<Vec<_>>().join("\n")}),
            raw: None,
            secrets: tokens,
            neighbours: strings(&["once"]),
        },
        Shape {
            name: "a key in the path",
            fields: json!({"endpoint": format!("/bot{bot}/sendMessage")}),
            raw: None,
            secrets: vec![bot.clone()],
            neighbours: strings(&["/bot", "/sendMessage"]),
        },
        Shape {
            name: "a card number",
            fields: json!({"response_body": "paid with 4111 1111 1111 1111 for ord_1017"}),
            raw: None,
            secrets: strings(&["4111 1111 1111 1111"]),
            neighbours: strings(&["for ord_1017"]),
        },
    ]
}

fn record(account: i64, request_id: &str) -> Value {
    json!({
        "account_id": account,
        "occurred_at": Utc::now().to_rfc3339(),
        "request_id": request_id,
        "method": "POST",
        "endpoint": "/v1/pdf/merge",
        "status": 200,
        "duration_ms": 12,
        "credits": 1,
    })
}

/// A batch as text, with `raw` JSON put in place of `"__RAW__"` untouched.
fn batch(records: &[(Value, Option<String>)]) -> String {
    let texts: Vec<String> = records
        .iter()
        .map(|(record, raw)| match raw {
            Some(raw) => record.to_string().replace("\"__RAW__\"", raw),
            None => record.to_string(),
        })
        .collect();
    format!("[{}]", texts.join(","))
}

impl TestApp {
    async fn ingest_text(&self, payload: String) {
        let request = Request::post("/api/v1/logs")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {INGEST_TOKEN}"))
            .body(Body::from(payload))
            .unwrap();
        let response = self.send(request).await;
        let status = response.status();
        assert_eq!(status, StatusCode::OK, "{}", body(response).await);
    }

    async fn entries(&self, account: i64) -> Vec<LogEntry> {
        let filter = LogFilter::default();
        let page = self
            .store
            .log_page(account, &Scope::EVERYTHING, &filter, PageFrom::Newest, 200)
            .await
            .unwrap();
        let mut entries = Vec::new();
        for row in page.rows {
            entries.push(
                self.store.log_entry(account, &Scope::EVERYTHING, row.id).await.unwrap().unwrap(),
            );
        }
        entries
    }

    /// A page or download, its character references unescaped.
    async fn text(&self, path: &str, cookie: &str) -> String {
        let response = self.get(path, Some(cookie)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        unescape(&body(response).await)
    }

    /// A page's visible text.
    async fn page_text(&self, path: &str, cookie: &str) -> String {
        let response = self.get(path, Some(cookie)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        visible(&body(response).await)
    }

    /// Waits for the recorder's writer to store `count` calls of `account`.
    async fn recorded(&self, account: i64, count: i64) {
        for _ in 0..100 {
            if self.store.log_entry_count(account).await.unwrap() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the recorder did not store {count} calls");
    }
}

/// A page's text as it reads: its tags gone, its characters unescaped.
fn visible(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        rest = rest[open..].find('>').map_or("", |close| &rest[open + close + 1..]);
    }
    text.push_str(rest);
    unescape(&text)
}

/// HTML or text with its character references unescaped (JSON is left as it is).
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Requests to the demo API, through the recording middleware, with secrets in every
/// place a client can put them; the secrets and the neighbours.
fn recorded_requests(key: &str) -> (Vec<Request<Body>>, Vec<String>, Vec<String>) {
    let s = |n: usize| secret(100 + n);
    let post = |query: String, content_type: &str, body: String| {
        Request::post(format!("/v1/pdf/merge?{query}"))
            .header("x-api-key", key)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::USER_AGENT, format!("Client/2.0 (session={})", s(0)))
            .header("x-session-token", s(1))
            .header(header::REFERER, format!("https://app.example/cb?code=1&access_token={}", s(2)))
            .body(Body::from(body))
            .unwrap()
    };
    let requests = vec![
        post(
            format!("pages=1-3&key={}", s(3)),
            "application/json",
            format!(r#"{{"url":"https://files.example.com/a.pdf","password":"{}"}}"#, s(4)),
        ),
        post(
            "pages=2".into(),
            "application/x-www-form-urlencoded",
            format!("url=https%3A%2F%2Fu%3A{}%40files.example.com%2Fb.pdf&pwd={}\n", s(5), s(6)),
        ),
        post(
            "pages=3".into(),
            "multipart/form-data; boundary=XyZ",
            format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"apiKey\"\r\n\r\n{}\r\n--XyZ--\r\n",
                s(7)
            ),
        ),
        post(
            "pages=4".into(),
            "application/xml",
            format!(
                "<req><url>https://files.example.com/c.pdf</url><secret>{}</secret></req>",
                s(8)
            ),
        ),
        post("pages=5".into(), "text/plain", format!("Authorization: Bearer {}", s(9))),
    ];
    let secrets = (0..=9).map(s).collect();
    let neighbours = [
        "pages=1-3",
        "https://files.example.com/a.pdf",
        "https://files.example.com/c.pdf",
        "Client/2.0",
    ]
    .map(String::from)
    .to_vec();
    (requests, secrets, neighbours)
}

#[tokio::test]
async fn no_planted_secret_is_stored_or_shown_anywhere_and_the_neighbours_stay() {
    let app = TestApp::new().await;
    let (alice_id, acme) = app.user("alice@acme.example", Role::Customer).await;
    let acme = acme.unwrap();
    app.user("sam@support.example", Role::Support).await;

    let shapes = shapes();
    let records: Vec<(Value, Option<String>)> = shapes
        .iter()
        .enumerate()
        .map(|(i, shape)| {
            let mut record = record(acme, &format!("req_shape_{i}"));
            for (field, value) in shape.fields.as_object().unwrap() {
                record[field] = value.clone();
            }
            (record, shape.raw.clone())
        })
        .collect();
    app.ingest_text(batch(&records)).await;

    let key = "ak_test_corpus_0123456789";
    app.api_key(acme, key).await;
    let (requests, recorder_secrets, recorder_neighbours) = recorded_requests(key);
    let sent = requests.len() as i64;
    for request in requests {
        app.send(request).await;
    }
    app.recorded(acme, shapes.len() as i64 + sent).await;

    let mut secrets: Vec<(&str, String)> =
        recorder_secrets.into_iter().map(|s| ("recorded", s)).collect();
    let mut neighbours: Vec<(&str, String)> =
        recorder_neighbours.into_iter().map(|n| ("recorded", n)).collect();
    for shape in &shapes {
        secrets.extend(shape.secrets.iter().map(|s| (shape.name, s.clone())));
        neighbours.extend(shape.neighbours.iter().map(|n| (shape.name, n.clone())));
    }
    secrets.push(("the recorder's API key", key.to_owned()));

    // Everything stored, everything shown.
    let alice = app.sign_in("alice@acme.example").await;
    let now = app.clock.now();
    app.store.grant_access(acme, alice_id, now, now + GRANT_DURATION).await.unwrap();
    let sam = app.sign_in("sam@support.example").await;
    let entries = app.entries(acme).await;
    assert_eq!(entries.len() as i64, shapes.len() as i64 + sent);
    let mut seen = vec![
        ("stored columns".to_owned(), serde_json::to_string_pretty(&entries).unwrap()),
        ("CSV export".to_owned(), app.text("/logs/export.csv", &alice).await),
        ("NDJSON export".to_owned(), app.text("/logs/export.ndjson", &alice).await),
        (
            "Support's NDJSON export".to_owned(),
            app.text(&format!("/support/accounts/{acme}/logs/export.ndjson"), &sam).await,
        ),
    ];
    for entry in &entries {
        let id = entry.id;
        seen.push((format!("call {id}'s page"), app.text(&format!("/logs/{id}"), &alice).await));
        let support = app.text(&format!("/support/accounts/{acme}/logs/{id}"), &sam).await;
        assert!(support.contains("Copy as cURL"), "the page shows the cURL command");
        seen.push((format!("Support's page of call {id}"), support));
    }
    // JSON text escapes nothing in the planted secrets, but shows a stored value in
    // its own escaping: compare the text of the stored columns too.
    let stored_text = entries
        .iter()
        .flat_map(|e| {
            let call = &e.call;
            [
                Some(call.endpoint.clone()),
                Some(call.query.clone()),
                Some(call.request_headers.clone()),
                call.request_body.clone(),
                call.response_body.clone(),
                call.error_message.clone(),
                call.user_agent.clone(),
            ]
        })
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    seen.push(("stored text".to_owned(), stored_text.clone()));

    for (place, text) in &seen {
        for (shape, secret) in &secrets {
            assert!(!text.contains(secret.as_str()), "{shape}: {secret} is in the {place}");
        }
    }
    for (shape, neighbour) in &neighbours {
        assert!(stored_text.contains(neighbour.as_str()), "{shape}: {neighbour} was lost");
    }
}

/// Bodies with every kind of token JSON can spell a number or a string with.
const AS_SENT: [&str; 3] = [
    "{\"n\":-1.5e3, \"big\":12345678901234567890123,\"one\":1.0,\"e\":\"\\u00e9\",\n  \"d\":1,\"d\":2 ,\"list\" : [ 1 ,2 ]}",
    "[1.0e+2,-0.0,  true , null]",
    "{\"esc\":\"tab\\tquote\\\" slash\\/ \\ud83d\\ude00\"}\n{\"second\":\"line\"}\n",
];

#[tokio::test]
async fn bodies_come_back_exactly_as_they_were_sent() {
    let app = TestApp::new().await;
    let acme = app.user("alice@acme.example", Role::Customer).await.1.unwrap();
    // Each body sent as a JSON value and as a string, and through the recorder.
    let mut records = Vec::new();
    for (i, sent) in AS_SENT.iter().enumerate() {
        let mut as_value = record(acme, &format!("req_value_{i}"));
        as_value["request_body"] = json!("__RAW__");
        as_value["response_body"] = json!(sent);
        // JSON lines are not one JSON value: they go as a string only.
        let raw = (i < 2).then(|| (*sent).to_owned());
        if raw.is_none() {
            as_value["request_body"] = json!(sent);
        }
        records.push((as_value, raw));
    }
    app.ingest_text(batch(&records)).await;
    let key = "ak_test_fidelity_0123456789";
    app.api_key(acme, key).await;
    for sent in AS_SENT {
        let request = Request::post("/v1/pdf/merge")
            .header("x-api-key", key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(sent))
            .unwrap();
        app.send(request).await;
    }
    app.recorded(acme, 2 * AS_SENT.len() as i64).await;

    let alice = app.sign_in("alice@acme.example").await;
    let ndjson = app.text("/logs/export.ndjson", &alice).await;
    let exported: Vec<LogEntry> =
        ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for entry in app.entries(acme).await {
        let sent = AS_SENT.iter().find(|s| entry.call.request_body.as_deref() == Some(**s));
        let sent = sent.unwrap_or_else(|| panic!("changed: {:?}", entry.call.request_body));
        if entry.call.request_id.starts_with("req_value_") {
            assert_eq!(entry.call.response_body.as_deref(), Some(*sent));
        }
        let export = exported.iter().find(|e| e.id == entry.id).unwrap();
        assert_eq!(export.call.request_body.as_deref(), Some(*sent), "in the NDJSON export");
        // The page lays the tokens out as sent, and shows the body exactly as sent.
        let page = app.page_text(&format!("/logs/{}", entry.id), &alice).await;
        assert!(page.contains(sent), "as sent, on the page: {sent}");
        let laid_out = app::logs::json::pretty(sent).unwrap();
        assert!(page.contains(&laid_out), "laid out on the page: {laid_out}");
    }
    let laid_out = app::logs::json::pretty(AS_SENT[0]).unwrap();
    for token in ["-1.5e3", "12345678901234567890123", "1.0", "\"\\u00e9\"", "\"d\": 1", "\"d\": 2"]
    {
        assert!(laid_out.contains(token), "{token} in {laid_out}");
    }
}

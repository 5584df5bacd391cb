use proptest::prelude::*;
use serde_json::json;

use super::*;

fn redacted(text: &str, content_type: Option<&str>) -> String {
    let mut text = text.to_owned();
    Redactor::default().text(&mut text, content_type);
    text
}

/// `text` with each `R` standing alone as `[REDACTED]`.
fn r(text: &str) -> String {
    regex::Regex::new(r"\bR\b").unwrap().replace_all(text, REDACTED).into_owned()
}

#[test]
fn json_secret_keys_go_at_any_depth_and_every_other_byte_stays() {
    let body = r#"{ "user": {"email":"a@b.example", "Password" : "hunter2", "profile": {"apiKey": "ak_1"}},
  "items": [{"token": 1}, {"name": "x", "client_secret": {"nested": [true, {"a": "b"}]}}],
  "API-KEY": null, "pwd": "", "big": 12345678901234567890123, "n": -1.5e3, "e": "\u00e9",
  "note": "kept" }"#;
    let expected = r#"{ "user": {"email":"a@b.example", "Password" : "R", "profile": {"apiKey": "R"}},
  "items": [{"token": "R"}, {"name": "x", "client_secret": "R"}],
  "API-KEY": null, "pwd": "", "big": 12345678901234567890123, "n": -1.5e3, "e": "\u00e9",
  "note": "kept" }"#;
    assert_eq!(redacted(body, None), r(expected));
}

#[test]
fn every_repeat_of_a_secret_key_goes() {
    assert_eq!(
        redacted(r#"{"password":"x","password":"[REDACTED]","password":"y"}"#, None),
        r(r#"{"password":"R","password":"R","password":"R"}"#)
    );
}

#[test]
fn json_with_a_byte_order_mark_lines_and_any_depth() {
    assert_eq!(redacted("\u{feff}{\"password\":\"x\"}", None), r("\u{feff}{\"password\":\"R\"}"));
    assert_eq!(
        redacted(
            "{\"a\":1,\"token\":\"t1\"}\n{\"a\":2,\"token\":\"t2\"}\n",
            Some("application/x-ndjson")
        ),
        r("{\"a\":1,\"token\":\"R\"}\n{\"a\":2,\"token\":\"R\"}\n")
    );
    let deep = format!("{}{{\"secret\":\"s\"}}{}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(redacted(&deep, None), deep.replace("\"s\"", &format!("\"{REDACTED}\"")));
}

#[test]
fn a_cut_json_body_still_loses_its_secrets() {
    assert_eq!(redacted(r#"{"a":"b","password":"hun"#, None), r(r#"{"a":"b","password":"R""#));
    assert_eq!(
        redacted(r#"{"a":"b","credentials":{"user":"u","key":"k"#, None),
        r(r#"{"a":"b","credentials":"R""#)
    );
}

#[test]
fn strings_are_texts_of_their_own() {
    // A form, a URL with a password, a JSON document escaped in a string.
    assert_eq!(
        redacted(r#"{"q":"user=ann&password=x","u":"https://ann:pw@db.example/x"}"#, None),
        r(r#"{"q":"user=ann&password=R","u":"https://R@db.example/x"}"#)
    );
    assert_eq!(
        redacted(r#"{"payload":"{\"user\":\"ann\",\"password\":\"x\"}","n":1}"#, None),
        r(r#"{"payload":"{\"user\":\"ann\",\"password\":\"R\"}","n":1}"#)
    );
    // A private key in a string: its markers stay.
    assert_eq!(
        redacted(
            r#"{"pem":"-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n"}"#,
            None
        ),
        r(r#"{"pem":"-----BEGIN PRIVATE KEY-----R-----END PRIVATE KEY-----\n"}"#)
    );
    // Escaped slashes: the decoded URL is read.
    assert_eq!(
        redacted(r#"{"u":"https:\/\/ann:pw@db.example\/x"}"#, None),
        r(r#"{"u":"https://R@db.example/x"}"#)
    );
}

#[test]
fn forms_lose_secret_fields_and_keep_their_shape() {
    assert_eq!(
        redacted("user=ann&password=hunter2&api%5Fkey=x&pwd=&n=1\n", None),
        r("user=ann&password=R&api%5Fkey=R&pwd=&n=1\n")
    );
    assert_eq!(
        redacted("user = ann & pass = x y", Some("application/x-www-form-urlencoded")),
        r("user = ann & pass = R")
    );
    // An encoded value with a secret in it goes whole.
    assert_eq!(
        redacted("next=https%3A%2F%2Fann%3Apw%40h.example%2F&page=2", None),
        r("next=R&page=2")
    );
    let mut query = "url=https://x.example/a.pdf&access_token=abc&key=k1&sig=s".to_owned();
    assert_eq!(Redactor::default().query(&mut query), 3);
    assert_eq!(query, r("url=https://x.example/a.pdf&access_token=R&key=R&sig=R"));
}

#[test]
fn multipart_parts_go_by_name_files_too() {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nann\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nhunter2\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"private_key\"; filename=\"id.pem\"\r\n\
                Content-Type: application/octet-stream\r\n\r\nKEYDATA\nMORE\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n\
                {\"token\":\"t\",\"n\":1}\r\n--XyZ--\r\n";
    let expected = body
        .replace("hunter2", REDACTED)
        .replace("KEYDATA\nMORE", REDACTED)
        .replace("\"token\":\"t\"", &format!("\"token\":\"{REDACTED}\""));
    assert_eq!(redacted(body, Some("multipart/form-data; boundary=XyZ")), expected);
    assert_eq!(redacted(body, None), expected, "the boundary is found without the header");
}

#[test]
fn xml_elements_and_attributes_go_by_name() {
    let soap = r#"<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>ann</wsse:Username><wsse:Password Type="PasswordText">hunter2</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>
<soap:Body><Login apiKey="k-123" user="ann"><password>x</password><credentials><a>1</a><credentials>2</credentials></credentials><note>kept</note></Login></soap:Body></soap:Envelope>"#;
    let expected = r#"<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header><wsse:Security><wsse:UsernameToken>R</wsse:UsernameToken></wsse:Security></soap:Header>
<soap:Body><Login apiKey="R" user="ann"><password>R</password><credentials>R</credentials><note>kept</note></Login></soap:Body></soap:Envelope>"#;
    assert_eq!(redacted(soap, Some("application/soap+xml")), r(expected));
    assert_eq!(
        redacted(
            r#"<form><input name="password" value="hunter2"><input name="q" value="cats"></form>"#,
            None
        ),
        r(r#"<form><input name="password" value="R"><input name="q" value="cats"></form>"#)
    );
    // Not well-formed: still read.
    assert_eq!(redacted("<a><token>abc", None), r("<a><token>R"));
}

#[test]
fn free_text_loses_credentials_by_their_shape() {
    let cases = [
        ("GET https://ann:s3cret@db.example/x failed", "GET https://R@db.example/x failed"),
        ("auth header was Bearer abc.def-123456", "auth header was Bearer R"),
        ("Authorization: Basic YW5uOmh1bnRlcjI=", "Authorization: R"),
        ("header Basic YW5uOmh1bnRlcjI= sent", "header Basic R sent"),
        ("password=hunter2 user=ann", "password=R user=ann"),
        ("config: {\"password\": \"a b\"}", "config: {\"password\": \"R\"}"),
        ("retry with apiKey: 'k-1' now", "retry with apiKey: 'R' now"),
        (
            "https://b.s3.amazonaws.com/f.pdf?X-Amz-Credential=AK%2F1&X-Amz-Signature=abc123&x=1",
            "https://b.s3.amazonaws.com/f.pdf?X-Amz-Credential=R&X-Amz-Signature=R&x=1",
        ),
        ("paid with 4111 1111 1111 1111.", "paid with R."),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAA\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----R-----END RSA PRIVATE KEY-----",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(redacted(text, Some("text/plain")), r(expected), "{text}");
    }
    // Prose is not a credential.
    for kept in [
        "Bearer tokens expire after an hour",
        "the Basic plan has 500 credits",
        "order 4111111111111112 shipped",
        "id 1764147600123456",
        "monkey: 12, author: ann, max_tokens: 100",
    ] {
        assert_eq!(redacted(kept, None), kept);
    }
}

#[test]
fn headers_go_by_name_and_the_others_are_scanned() {
    let mut headers: Map<String, Value> = serde_json::from_value(json!({
        "Authorization": "Bearer ak_1", "X-API-KEY": "ak_2", "Cookie": "s=1",
        "X-Custom-Token": "t", "Idempotency-Key": "k", "Referer": "https://app.example/cb?token=abc&x=1",
        "Content-Type": "application/json", "X-Empty": ""
    }))
    .unwrap();
    assert_eq!(Redactor::default().headers(&mut headers), 6);
    assert_eq!(
        Value::Object(headers),
        json!({
            "Authorization": REDACTED, "X-API-KEY": REDACTED, "Cookie": REDACTED,
            "X-Custom-Token": REDACTED, "Idempotency-Key": REDACTED,
            "Referer": format!("https://app.example/cb?token={REDACTED}&x=1"),
            "Content-Type": "application/json", "X-Empty": ""
        })
    );
}

#[test]
fn the_lists_add_to_the_defaults_and_keep_takes_one_away() {
    let redactor = Redactor::new(&Lists {
        add_headers: vec!["X-Tenant".into()],
        add_keys: vec!["ssn".into()],
        keep_headers: vec!["Cookie".into(), "idempotency-key".into()],
        ..Lists::default()
    })
    .unwrap();
    let mut headers: Map<String, Value> = serde_json::from_value(json!({
        "X-Tenant": "t1", "Authorization": "a", "Cookie": "c", "Set-Cookie": "s",
        "Idempotency-Key": "k"
    }))
    .unwrap();
    redactor.headers(&mut headers);
    assert_eq!(
        Value::Object(headers),
        json!({"X-Tenant": REDACTED, "Authorization": REDACTED, "Cookie": "c",
               "Set-Cookie": REDACTED, "Idempotency-Key": "k"})
    );
    let mut body = r#"{"SSN":"078-05-1120","password":"x"}"#.to_owned();
    redactor.text(&mut body, None);
    assert_eq!(body, r(r#"{"SSN":"R","password":"R"}"#));
    assert!(Redactor::new(&Lists { keep_keys: vec!["colour".into()], ..Lists::default() })
        .unwrap_err()
        .contains("not a default"));
}

#[test]
fn redacting_again_changes_and_counts_nothing() {
    let redactor = Redactor::default();
    for text in [
        r#"{"password":"x","u":"https://a:b@h/","p":"{\"token\":\"t\"}","n":4111111111111111}"#,
        "user=ann&password=x&next=https%3A%2F%2Fa%3Ab%40h",
        "<password>x</password><a key=\"1\">Bearer abcdef123456</a>",
        "--B\r\nContent-Disposition: form-data; name=\"pwd\"\r\n\r\nx\r\n--B--",
        "see https://a:b@h/?sig=1 and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    ] {
        let mut once = text.to_owned();
        assert!(redactor.text(&mut once, None) > 0, "{text}");
        let mut twice = once.clone();
        assert_eq!(redactor.text(&mut twice, None), 0, "{once}");
        assert_eq!(twice, once);
    }
}

/// Keys that are never secret, and values without anything secret in them.
fn plain_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("false".to_owned()),
        // No 13 to 19 digits: such a number could be a card number.
        "-?(0|[1-9][0-9]{0,11}|[1-9][0-9]{20,24})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?",
        "\"([a-z .,]|\\\\u00e9|\\\\n|\\\\\"){0,12}\"",
    ];
    let key = prop::sample::select(vec!["id", "name", "pages", "url", "status", "items", "note"]);
    leaf.prop_recursive(6, 48, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|fields| {
                let fields: Vec<String> =
                    fields.into_iter().map(|(k, v)| format!("\"{k}\" :{v}")).collect();
                format!("{{\n {}}}", fields.join(",\t"))
            }),
        ]
    })
}

/// Where to plant a secret in a document: the document with the secret under `key` in
/// the `n`th object (counting from the outermost), or wrapped in a new one.
fn plant(document: &str, n: usize, key: &str, secret: &str) -> String {
    let objects: Vec<usize> = document.match_indices('{').map(|(i, _)| i).collect();
    match objects.get(n % objects.len().max(1)) {
        Some(&i) if !objects.is_empty() => {
            let after = &document[i + 1..];
            let comma = if after.trim_start().starts_with('}') { "" } else { "," };
            format!("{}{{\"{key}\": \"{secret}\"{comma}{after}", &document[..i])
        }
        _ => format!("{{\"{key}\": \"{secret}\", \"doc\": {document}}}"),
    }
}

proptest! {
    /// Without a secret, a document is stored byte for byte.
    #[test]
    fn documents_without_secrets_are_kept_byte_for_byte(document in plain_json()) {
        let mut text = document.clone();
        prop_assert_eq!(Redactor::default().text(&mut text, None), 0);
        prop_assert_eq!(text, document);
    }

    /// A secret planted under a secret key at any depth is never kept, and only it goes.
    #[test]
    fn planted_secrets_never_survive(
        document in plain_json(),
        n in 0usize..8,
        key in prop::sample::select(vec!["password", "apiKey", "client_secret", "X-Auth-Token", "pwd", "jwt", "otp"]),
        secret in "[A-Za-z0-9]{6,20}",
    ) {
        let secret = format!("planted{secret}");
        let planted = plant(&document, n, key, &secret);
        prop_assume!(app::logs::json::is_json(&planted));
        let mut text = planted.clone();
        prop_assert_eq!(Redactor::default().text(&mut text, None), 1);
        prop_assert!(!text.contains(&secret));
        prop_assert_eq!(text, planted.replace(&secret, REDACTED));
    }
}

/// Texts made to cost: each is read in one pass (a quadratic reader would take
/// seconds on these, which the time printed shows), and the secrets still go.
#[test]
fn hostile_texts_are_read_once() {
    let redactor = Redactor::default();
    let many = |piece: &str| piece.repeat(64 * 1024 / piece.len());
    for (name, text, content_type) in [
        ("unclosed secret elements", many("<password>x"), None),
        ("private key markers", many("-----BEGIN PRIVATE KEY-----x"), None),
        ("unclosed quoted values", many("password='x "), Some("text/plain")),
        ("open arrays", many("["), None),
        ("escapes", format!("\"{}\"", many("\\\"")), None),
        ("form fields", many("token=x&"), None),
        (
            "multipart delimiters",
            format!(
                "--b\r\n{}",
                many("--b\r\nContent-Disposition: form-data; name=\"pwd\"\r\n\r\nx\r\n")
            ),
            None,
        ),
    ] {
        let started = std::time::Instant::now();
        let mut redacted = text.clone();
        let count = redactor.text(&mut redacted, content_type);
        println!("{name}: {} bytes, {count} values, {:?}", text.len(), started.elapsed());
        let secrets_go = !["open arrays", "escapes"].contains(&name);
        assert_eq!(count > 0, secrets_go, "{name}");
        if !secrets_go {
            assert_eq!(redacted, text, "{name}");
        } else if name != "unclosed quoted values" {
            assert!(!redacted.contains('x'), "{name}");
        }
    }
}

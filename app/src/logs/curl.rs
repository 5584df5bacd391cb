//! "Copy as cURL": a recorded call as a command that makes it again, the API key
//! replaced by a placeholder.

use super::{header_pairs, Call};

/// What stands in for the customer's API key.
pub const KEY_PLACEHOLDER: &str = "YOUR_API_KEY";

/// Headers that carry the API key, by lower-case name.
const KEY_HEADERS: [&str; 3] = ["authorization", "x-api-key", "proxy-authorization"];
/// Query parameters that carry the API key.
const KEY_PARAMS: [&str; 5] = ["api_key", "apikey", "key", "token", "access_token"];
/// Headers curl sets itself, from the URL and the body.
const OWN_HEADERS: [&str; 3] = ["host", "content-length", "connection"];

/// The call as a shell command: `api_url` (the API's public base URL) with the call's
/// endpoint and query, its method, headers and request body, every piece quoted.
pub fn curl_command(call: &Call, api_url: &str) -> String {
    let mut url = format!("{}{}", api_url.trim_end_matches('/'), call.endpoint);
    if !call.query.is_empty() {
        url.push('?');
        url.push_str(&without_keys(&call.query));
    }
    let mut parts = vec![match call.method.as_str() {
        "GET" => format!("curl {}", quote(&url)),
        method => format!("curl -X {method} {}", quote(&url)),
    }];
    for (name, value) in header_pairs(&call.request_headers).unwrap_or_default() {
        let lower = name.to_ascii_lowercase();
        if OWN_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let value =
            if KEY_HEADERS.contains(&lower.as_str()) { key_placeholder(&value) } else { value };
        parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = call.request_body.as_deref().filter(|body| !body.is_empty()) {
        parts.push(format!("--data-raw {}", quote(body)));
    }
    parts.join(" \\\n  ")
}

/// An authorization value with its key replaced, its scheme (`Bearer`, `Basic`) kept.
fn key_placeholder(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("{scheme} {KEY_PLACEHOLDER}")
        }
        _ => KEY_PLACEHOLDER.to_owned(),
    }
}

/// A query string with the values of key-carrying parameters replaced.
fn without_keys(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if KEY_PARAMS.contains(&name.to_ascii_lowercase().as_str()) => {
                format!("{name}={KEY_PLACEHOLDER}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` in single quotes for a POSIX shell: nothing inside is expanded.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call {
            endpoint: "/v1/pdf/merge".into(),
            query: "async=false&api_key=ak_live_secret".into(),
            request_headers: r#"{"Content-Type":"application/json","X-API-Key":"ak_live_secret","Authorization":"Bearer ak_live_secret","Host":"api.example.com"}"#.into(),
            request_body: Some(r#"{"name":"it's.pdf"}"#.into()),
            ..Call::sample(chrono::Utc::now(), 1)
        }
    }

    #[test]
    fn the_command_makes_the_call_again_without_the_key() {
        let command = curl_command(&call(), "https://api.example.com/");
        assert_eq!(
            command,
            "curl -X POST 'https://api.example.com/v1/pdf/merge?async=false&api_key=YOUR_API_KEY' \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -H 'X-API-Key: YOUR_API_KEY' \\\n  \
             -H 'Authorization: Bearer YOUR_API_KEY' \\\n  \
             --data-raw '{\"name\":\"it'\\''s.pdf\"}'"
        );
        assert!(!command.contains("secret"));
    }

    #[test]
    fn a_get_without_headers_is_one_line() {
        let call = Call {
            method: "GET".into(),
            query: String::new(),
            request_headers: "{}".into(),
            request_body: None,
            ..call()
        };
        assert_eq!(
            curl_command(&call, "http://127.0.0.1:3000"),
            "curl 'http://127.0.0.1:3000/v1/pdf/merge'"
        );
    }
}

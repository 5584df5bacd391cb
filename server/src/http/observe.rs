//! Around every request: its id (the client's `x-request-id` when it is a sane one, a
//! new one otherwise, sent back in the answer), one access-log line at INFO, and its
//! count and latency in the metrics. Paths only, never queries: a query can hold a
//! customer's search text.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use super::client::ClientAddress;
use crate::metrics::METRICS;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, for the handlers (the request's headers stay as the client sent
/// them).
#[derive(Clone)]
pub struct RequestId(pub String);

/// The route a request matched, carried back out on its response.
#[derive(Clone)]
struct Route(MatchedPath);

/// Outermost: ids, logs and measures every request.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|id| is_sane(id.as_bytes()))
        .cloned()
        .unwrap_or_else(new_id);
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let request_id = id.to_str().unwrap_or_default().to_owned();
    request.extensions_mut().insert(RequestId(request_id.clone()));
    let span = tracing::info_span!(target: "access", "request", id = %request_id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    let route = response.extensions().get::<Route>().map_or("(none)", |r| r.0.as_str());
    let client = response.extensions().get::<ClientAddress>().map(|c| c.0);
    METRICS.request(route, &method, status, took);
    span.in_scope(|| {
        tracing::info!(
            target: "access",
            %method,
            path,
            status,
            ms = (took.as_secs_f64() * 1e4).round() / 10.0,
            client = client.map(|c| c.to_string()).unwrap_or_default(),
        );
    });
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}

/// `path` as the access log may keep it: a share link's token is a secret, and is cut.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix(app::sharing::SHARED_PATH) {
        Some(_) => format!("{}…", app::sharing::SHARED_PATH),
        None => path.to_owned(),
    }
}

/// Inside the router: notes which route answered, for [`observe`].
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// At most 64 characters of letters, digits, `-`, `_`, `.` and `:`: anything else
/// (a log-forging newline, a megabyte) gets an id of ours instead.
fn is_sane(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

/// `req_` and 24 hex digits, as the demo API's recorded calls have always had.
fn new_id() -> HeaderValue {
    let bytes: [u8; 12] = rand::random();
    HeaderValue::from_str(&format!("req_{}", hex::encode(bytes))).expect("a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_never_holds_a_share_links_token() {
        let token = "ab".repeat(32);
        assert_eq!(loggable_path(&format!("/shared/{token}")), "/shared/…");
        assert_eq!(loggable_path("/logs/12"), "/logs/12");
        assert_eq!(loggable_path("/logs/shared"), "/logs/shared");
    }

    #[test]
    fn only_sane_request_ids_are_taken() {
        for sane in ["req_0af3", "3f2a9c1e-7b4d-4e8a-9c0d-1e2f3a4b5c6d", "a.b:c"] {
            assert!(is_sane(sane.as_bytes()), "{sane}");
        }
        let long = "x".repeat(65);
        for insane in ["", "a b", "a\nforged=1", "<script>", long.as_str()] {
            assert!(!is_sane(insane.as_bytes()), "{insane}");
        }
        assert!(is_sane(new_id().as_bytes()));
    }
}

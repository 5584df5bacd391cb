//! A small document-conversion API, as an API vendor would run it, its calls recorded
//! by the middleware: call it with a demo customer's key in `x-api-key` and the call
//! shows in their API Logs. It converts nothing; its answers are realistic.

use app::{accounts::api_key_hash, store::Store};
use axum::{
    extract::{Query, Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    demo::ENDPOINTS,
    recorder::{self, CallOwner, Recorder},
};

/// The longest request body the API takes: a conversion job is a few hundred bytes, but
/// the demo shows how a long one is stored cut.
const MAX_BODY: usize = 1024 * 1024;

pub fn routes<S: Clone + Send + Sync + 'static>(store: Store, recorder: Recorder) -> Router<S> {
    let mut router = Router::<()>::new();
    for (method, path, credits_per_page, _) in ENDPOINTS {
        router = match (method, path) {
            ("POST", path) => router.route(
                path,
                post(move |caller: Extension<Caller>, body: String| {
                    convert(caller, body, credits_per_page)
                }),
            ),
            ("GET", "/v1/pdf/info") => router.route(path, get(info)),
            ("GET", "/v1/account/credits") => router.route(path, get(credits)),
            _ => router,
        };
    }
    // The key is checked first: a caller without one is answered before any of its
    // body is read, and is not recorded (there is no account to show the call to).
    router
        .layer(middleware::from_fn_with_state(recorder.with_body_limit(MAX_BODY), recorder::record))
        .layer(middleware::from_fn_with_state(store, authenticate))
        .with_state(())
}

/// The id of the API key a call was made with.
#[derive(Clone, Copy)]
struct Caller(i64);

/// Lets a call with a valid key through, with its [`Caller`]; answers 401 otherwise.
async fn authenticate(State(store): State<Store>, mut request: Request, next: Next) -> Response {
    let refuse = |message: &str| {
        let body = json!({"error": true, "status": 401, "message": message});
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    };
    let Some(key) = request.headers().get("x-api-key").and_then(|v| v.to_str().ok()) else {
        return refuse("Send your API key in the x-api-key header");
    };
    match store.api_key_by_hash(&api_key_hash(key.trim())).await {
        Ok(Some(key)) => {
            request.extensions_mut().insert(Caller(key.id));
            next.run(request).await
        }
        Ok(None) => refuse("API key is invalid or has been revoked"),
        Err(error) => {
            tracing::error!(%error, "demo API: could not check a key");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// An answer, with who made the call and what it cost for the recorder.
fn answer(status: StatusCode, body: Value, key: i64, credits: u32) -> Response {
    let error_message =
        (status.as_u16() >= 400).then(|| body["message"].as_str().unwrap_or_default().to_owned());
    let mut response = (status, Json(body)).into_response();
    response.extensions_mut().insert(CallOwner { api_key_id: key, credits, error_message });
    response
}

fn bad_request(key: i64, message: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({"error": true, "status": 400, "message": message}),
        key,
        0,
    )
}

#[derive(Deserialize)]
struct Job {
    url: Option<String>,
    /// A range such as `1-5`; every page when absent.
    pages: Option<String>,
    name: Option<String>,
}

/// A page count that depends only on the file, so the same file always has as many.
fn page_count(url: &str) -> u32 {
    1 + u32::from(Sha256::digest(url.as_bytes())[0]) % 24
}

fn pages_asked(range: &str, in_file: u32) -> Option<u32> {
    let (first, last) = range.split_once('-').unwrap_or((range, range));
    let (first, last): (u32, u32) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (1 <= first && first <= last && last <= in_file).then(|| last - first + 1)
}

async fn convert(
    Extension(Caller(key)): Extension<Caller>,
    body: String,
    credits_per_page: i32,
) -> Response {
    let Ok(job) = serde_json::from_str::<Job>(&body) else {
        return bad_request(key, "The body must be JSON: {\"url\": \"https://…/file.pdf\"}");
    };
    let Some(url) = job.url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    else {
        return bad_request(key, "url is required: the http(s) address of the file to convert");
    };
    let in_file = page_count(&url);
    let pages = match job.pages.as_deref() {
        None => in_file,
        Some(range) => match pages_asked(range, in_file) {
            Some(pages) => pages,
            None => {
                return bad_request(
                    key,
                    &format!("pages {range:?} is not a range within 1-{in_file}"),
                );
            }
        },
    };
    let credits = credits_per_page.unsigned_abs() * pages;
    let name = job.name.unwrap_or_else(|| url.rsplit('/').next().unwrap_or("result").to_owned());
    let result = hex::encode(&Sha256::digest(format!("{url}{name}").as_bytes())[..8]);
    let body = json!({
        "error": false,
        "status": 200,
        "name": name,
        "url": format!("https://files.example.com/results/{result}/{name}"),
        "pageCount": pages,
        "credits": credits,
    });
    answer(StatusCode::OK, body, key, credits)
}

#[derive(Deserialize)]
struct InfoQuery {
    url: Option<String>,
}

async fn info(
    Extension(Caller(key)): Extension<Caller>,
    Query(query): Query<InfoQuery>,
) -> Response {
    let Some(url) = query.url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    else {
        return bad_request(key, "url is required: the http(s) address of the file");
    };
    let body = json!({"error": false, "status": 200, "url": url, "pageCount": page_count(&url), "encrypted": false});
    answer(StatusCode::OK, body, key, 0)
}

async fn credits(Extension(Caller(key)): Extension<Caller>) -> Response {
    answer(
        StatusCode::OK,
        json!({"error": false, "status": 200, "remainingCredits": 50_000}),
        key,
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_must_lie_within_the_file() {
        assert_eq!(pages_asked("1-3", 10), Some(3));
        assert_eq!(pages_asked("4", 10), Some(1));
        for bad in ["0-2", "3-2", "1-11", "x", "1-"] {
            assert_eq!(pages_asked(bad, 10), None, "{bad}");
        }
        assert_eq!(page_count("https://x.example/a.pdf"), page_count("https://x.example/a.pdf"));
    }
}

//! Recording an axum API's calls: a middleware that captures each call's request and
//! response and hands it to a background writer, which stores calls in batches through
//! the same checks, redaction and cuts as the ingest API. The API never waits on the
//! database: a call is answered first and shows in the logs within a second.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use app::{clock::Clock, store::Store};
use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    http::client::ClientAddress,
    http::observe::RequestId,
    ingest::{prepare_batch, BodyText, CallRecord, IngestSettings},
    metrics::{self, METRICS},
    quota::Quota,
};

/// Who made a call and what it cost, put by the API's handler in its response's
/// extensions. A call without one (no valid API key, say) has no account to be shown
/// to, and is not recorded.
#[derive(Clone, Debug)]
pub struct CallOwner {
    pub api_key_id: i64,
    pub credits: u32,
    pub error_message: Option<String>,
}

/// Calls waiting for the writer; beyond this the API drops records rather than wait.
const QUEUE: usize = 10_000;
/// The most calls of one API key that may wait at once: one busy client cannot take
/// the queue from the others.
const SHARE: usize = QUEUE / 10;
/// How long a client may take to send a request's body.
pub const BODY_READ: Duration = Duration::from_secs(10);
/// The writer stores what has come after this long, or this many calls.
const FLUSH_AFTER: Duration = Duration::from_millis(200);
const FLUSH_AT: usize = 500;

#[derive(Clone)]
pub struct Recorder {
    sender: mpsc::Sender<CallRecord>,
    clock: Arc<dyn Clock>,
    /// Request bodies over this size are refused (413) before the API sees them.
    max_request_bytes: usize,
    queued: Arc<Queued>,
}

/// What waits for the writer, by API key, and what could not wait.
struct Queued {
    by_key: Quota,
    dropped: AtomicU64,
}

impl Queued {
    /// Counts a call that was not recorded, and says so in the log.
    fn drop_one(&self, key: i64, why: &str) {
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::add(&METRICS.dropped_calls, 1);
        tracing::warn!(api_key = key, dropped, "recorder: {why}; a call was not recorded");
    }
}

impl Recorder {
    /// The recorder and its writer, which ends once every recorder is dropped and what
    /// they sent is stored.
    pub fn spawn(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: Arc<IngestSettings>,
    ) -> (Recorder, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let max_request_bytes = settings.max_request_bytes;
        let queued = Arc::new(Queued { by_key: Quota::new(SHARE), dropped: AtomicU64::new(0) });
        let writer = tokio::spawn(write(store, clock.clone(), settings, receiver, queued.clone()));
        (Recorder { sender, clock, max_request_bytes, queued }, writer)
    }

    /// Calls waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// The same recorder for an API whose requests are at most `bytes` long.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(recorder, record)`.
pub async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let occurred_at = recorder.clock.now();
    let (mut parts, body) = request.into_parts();
    let read =
        tokio::time::timeout(BODY_READ, axum::body::to_bytes(body, recorder.max_request_bytes));
    let request_body = match read.await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
        }
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, "request body too slow").into_response(),
    };
    let request_id = parts.extensions.get::<RequestId>().map_or_else(
        || format!("req_{}", hex::encode(rand::random::<[u8; 12]>())),
        |id| id.0.clone(),
    );
    // The headers as the client sent them; then the API sees the request id too.
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_owned(), Value::String(value));
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        parts.headers.insert("x-request-id", value);
    }
    let client_ip = match parts.extensions.get::<ClientAddress>() {
        Some(ClientAddress(address)) => Some(*address),
        None => ConnectInfo::<SocketAddr>::from_request_parts(&mut parts, &())
            .await
            .ok()
            .map(|ConnectInfo(address)| address.ip()),
    };
    let user_agent =
        parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (method, endpoint) = (parts.method.to_string(), parts.uri.path().to_owned());
    let query = parts.uri.query().unwrap_or("").to_owned();
    let request = Request::from_parts(parts, Body::from(request_body.clone()));

    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let Ok(response_body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        parts.headers.insert("x-request-id", value);
    }
    if let Some(owner) = parts.extensions.get::<CallOwner>() {
        let text = |bytes: &[u8]| {
            (!bytes.is_empty()).then(|| BodyText(String::from_utf8_lossy(bytes).into_owned()))
        };
        let record = CallRecord {
            account_id: None,
            api_key_id: Some(owner.api_key_id),
            occurred_at,
            request_id,
            method,
            endpoint,
            query,
            status: parts.status.as_u16(),
            duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            credits: owner.credits,
            request_headers: headers,
            request_body: text(&request_body),
            response_body: text(&response_body),
            error_message: owner.error_message.clone(),
            client_ip,
            user_agent,
        };
        let key = owner.api_key_id;
        if !recorder.queued.by_key.take(key) {
            recorder.queued.drop_one(key, "this key has its share of the queue");
        } else if recorder.sender.try_send(record).is_err() {
            recorder.queued.by_key.give_back(key);
            recorder.queued.drop_one(key, "the queue is full");
        }
    }
    Response::from_parts(parts, Body::from(response_body))
}

/// Stores what the middleware sends, in batches.
async fn write(
    store: Store,
    clock: Arc<dyn Clock>,
    settings: Arc<IngestSettings>,
    mut receiver: mpsc::Receiver<CallRecord>,
    queued: Arc<Queued>,
) {
    let mut batch = Vec::with_capacity(FLUSH_AT);
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + FLUSH_AFTER;
        while batch.len() < FLUSH_AT {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(record)) => batch.push(record),
                Ok(None) | Err(_) => break,
            }
        }
        for record in &batch {
            queued.by_key.give_back(record.api_key_id.unwrap_or_default());
        }
        store_batch(&store, clock.now(), &settings, std::mem::take(&mut batch)).await;
    }
}

/// Stores a batch; when one call in it cannot be stored (its key was just deleted,
/// say), the others are stored one by one, so one bad call loses only itself.
async fn store_batch(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    settings: &Arc<IngestSettings>,
    batch: Vec<CallRecord>,
) {
    let calls = batch.len() as u64;
    let stored = match prepare_batch(store, batch.clone(), settings, now).await {
        Ok(entries) => store.insert_log_entries(&entries).await.map_err(|e| e.to_string()),
        Err(error) => Err(format!("{error:?}")),
    };
    let Err(error) = stored else {
        metrics::add(&METRICS.recorded_calls, calls);
        return;
    };
    tracing::warn!(%error, "recorder: storing calls one by one");
    for record in batch {
        let request_id = record.request_id.clone();
        let one = match prepare_batch(store, vec![record], settings, now).await {
            Ok(entries) => store.insert_log_entries(&entries).await.map_err(|e| e.to_string()),
            Err(error) => Err(format!("{error:?}")),
        };
        match one {
            Ok(()) => metrics::add(&METRICS.recorded_calls, 1),
            Err(error) => {
                tracing::error!(%error, %request_id, "recorder: a call could not be recorded")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_holds_at_most_its_share_of_the_queue() {
        let queued = Queued { by_key: Quota::new(SHARE), dropped: AtomicU64::new(0) };
        for _ in 0..SHARE {
            assert!(queued.by_key.take(7));
        }
        assert!(!queued.by_key.take(7), "key 7 has its share");
        assert!(queued.by_key.take(8), "another key still has room");
        queued.by_key.give_back(7);
        assert!(queued.by_key.take(7), "a place given back can be taken again");
        queued.drop_one(7, "test");
        assert_eq!(queued.dropped.load(Ordering::Relaxed), 1);
    }
}

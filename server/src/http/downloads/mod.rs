//! Downloads: a filtered view of an account's calls as CSV or NDJSON ([`export`]), and
//! an account's access history as CSV ([`history`]).
//!
//! No download can take the service from others. The rows are read a page at a time,
//! each page its own short query, so no database connection waits on the client; a
//! user runs at most [`PER_USER`] downloads at once; a client that stops reading for
//! [`IDLE_WRITE`] is dropped.

mod export;
mod history;

use std::{future::Future, io, sync::Arc, time::Duration};

use app::{
    auth::{ssr::GuardedUser, User},
    error::AppError,
    state::AppState,
    store::StoreError,
};
use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Router,
};
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::quota::{Held, Quota};

/// Bytes gathered before they are sent on: few large writes, little memory.
const CHUNK: usize = 64 * 1024;
/// Downloads one user may run at once.
pub const PER_USER: usize = 2;
/// How long a client may leave a download unread before it is dropped.
pub const IDLE_WRITE: Duration = Duration::from_secs(30);

pub fn routes() -> Router<AppState> {
    export::routes().merge(history::routes()).layer(Extension(Arc::new(Quota::new(PER_USER))))
}

/// The user the page guard in front of these paths checked and left in the request.
type Guarded = Option<Extension<GuardedUser>>;
/// The downloads running, by user.
type Running = Extension<Arc<Quota>>;

/// The signed-in user, and their place among the downloads running.
fn start(user: Guarded, Extension(running): Running) -> Result<(User, Held), Refused> {
    let Some(Extension(GuardedUser(Some(user)))) = user else {
        return Err(AppError::Unauthenticated.into());
    };
    let Some(slot) = running.hold(user.id) else {
        let message = format!(
            "You have {PER_USER} downloads running already. Let one finish, then try again."
        );
        return Err(Refused(StatusCode::TOO_MANY_REQUESTS, message));
    };
    Ok((user, slot))
}

/// Why a download was refused, said as plain text with its status.
pub struct Refused(StatusCode, String);

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused(error.status(), error.to_string())
    }
}

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

/// Where a download's bytes go: gathered into chunks, each sent once the client has
/// taken the one before.
pub struct Sink {
    sender: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Sink {
    /// Where the next bytes are written.
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    /// Sends what is gathered once it makes a chunk; whether it did.
    async fn send_full(&mut self) -> Result<bool, String> {
        if self.buffer.len() < CHUNK {
            return Ok(false);
        }
        self.send().await.map(|()| true)
    }

    /// Sends everything gathered.
    async fn send(&mut self) -> Result<(), String> {
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        match tokio::time::timeout(IDLE_WRITE, self.sender.send(Ok(chunk))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err("the client went away".to_owned()),
            Err(_) => Err(format!("the client read nothing for {} s", IDLE_WRITE.as_secs())),
        }
    }
}

/// A download as an attachment named `filename`, whose body `produce` writes from a
/// task of its own while the user's `slot` is held. The channel's bound holds the
/// producer back while the client is slow, and a client that goes away ends it.
fn attachment<F>(
    content_type: &'static str,
    filename: &str,
    slot: Held,
    produce: impl FnOnce(Sink) -> F,
) -> Response
where
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(2);
    let breaker = sender.clone();
    let body = produce(Sink { sender, buffer: Vec::new() });
    tokio::spawn(async move {
        let _slot = slot;
        if let Err(why) = body.await {
            // Ending the body with an error breaks the download off: the client sees a
            // failed transfer, never a file cut short that looks whole.
            tracing::warn!(why, "a download ended early");
            let _ = breaker.try_send(Err(io::Error::other(why)));
        }
    });
    let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)));

    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

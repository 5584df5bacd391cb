//! Export of a filtered view of an account's calls as a download: `/logs/export.{csv,
//! ndjson}` for the customer, `/support/accounts/{account}/logs/export.{csv,ndjson}`
//! for support, behind the same rule as every other read of log data.
//!
//! No export can take the service from others. The calls are read a page at a time,
//! each page its own short query, so no database connection waits on the client; a
//! user runs at most [`PER_USER`] exports at once; a client that stops reading for
//! [`IDLE_WRITE`] is dropped; and a support agent's export stops the moment the grant
//! ends.

use std::{collections::HashMap, io, sync::Arc, time::Duration};

use app::{
    auth::ssr::GuardedUser,
    error::AppError,
    logs::{ExportFormat, LogEntry, LogFilter, Page, PageFrom},
    state::AppState,
    support_access::{
        ssr::{reader_for, LogsReader},
        AccessAction, AccessDetail,
    },
};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::quota::Quota;

/// Bytes gathered before they are sent on: few large writes, little memory.
const CHUNK: usize = 64 * 1024;
/// Calls read by one query: with bodies of up to 2 × 64 KiB, at most 13 MiB in memory.
const PAGE: usize = 100;
/// Exports one user may run at once.
pub const PER_USER: usize = 2;
/// How long a client may leave the download unread before it is dropped.
pub const IDLE_WRITE: Duration = Duration::from_secs(30);

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for format in ExportFormat::ALL {
        let ext = format.extension();
        router = router
            .route(
                &format!("/logs/export.{ext}"),
                get(
                    move |state: State<AppState>,
                          running: Running,
                          user: Guarded,
                          query: Filters| {
                        export(state, running, user, None, query, format)
                    },
                ),
            )
            .route(
                &format!("/support/accounts/{{account}}/logs/export.{ext}"),
                get(
                    move |state: State<AppState>,
                          running: Running,
                          user: Guarded,
                          Path(account): Path<i64>,
                          query: Filters| {
                        export(state, running, user, Some(account), query, format)
                    },
                ),
            );
    }
    router.layer(Extension(Arc::new(Quota::new(PER_USER))))
}

/// The user the page guard in front of these paths checked and left in the request.
type Guarded = Option<Extension<GuardedUser>>;
/// The view's filter, as the URL's query holds it.
type Filters = Query<HashMap<String, String>>;
/// The exports running, by user.
type Running = Extension<Arc<Quota>>;

async fn export(
    State(state): State<AppState>,
    Extension(exports): Running,
    user: Guarded,
    account: Option<i64>,
    Query(query): Filters,
    format: ExportFormat,
) -> Response {
    let Some(Extension(GuardedUser(Some(user)))) = user else {
        return refusal(AppError::Unauthenticated);
    };
    let filter = match LogFilter::from_query(|name| query.get(name).cloned()) {
        Ok(filter) => filter,
        Err(error) => return refusal(error),
    };
    let user_id = user.id;
    let reader = match reader_for(state, user, account).await {
        Ok(reader) => reader,
        Err(error) => return refusal(error),
    };
    let Some(slot) = exports.hold(user_id) else {
        let message =
            format!("You have {PER_USER} exports running already. Let one finish, then try again.");
        return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
    };
    // The first page before the answer: a search too slow for its time budget is a
    // 503 the client can read, not a download broken off.
    let store = &reader.state.store;
    let first = match store.entry_page(reader.account_id, &filter, PageFrom::Newest, PAGE).await {
        Ok(page) => page,
        Err(error) => return refusal(error.into()),
    };
    let detail = AccessDetail {
        filter: filter.query_string(),
        format: Some(format.extension().to_owned()),
        ..AccessDetail::default()
    };
    if let Err(error) = reader.record(AccessAction::Export, None, detail).await {
        return refusal(error);
    }
    let now = reader.state.clock.now();
    let filename = format!(
        "apilogs-{}-{}.{}",
        reader.account_id,
        now.format("%Y%m%d-%H%M%S"),
        format.extension()
    );

    // A task reads the calls and sends them on in chunks; the channel's bound holds
    // the reading back while the client is slow, and a client that goes away ends it.
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(2);
    tokio::spawn(async move {
        let _slot = slot;
        if let Err(why) = stream(&reader, &filter, format, first, &sender).await {
            // Ending the body with an error breaks the download off: the client sees a
            // failed transfer, never a file cut short that looks whole.
            tracing::warn!(account = reader.account_id, why, "an export ended early");
            let _ = sender.try_send(Err(io::Error::other(why)));
        }
    });
    let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)));

    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Sends the export on from its `first` page, reading the rest page by page; why it
/// stopped, if before the end.
async fn stream(
    reader: &LogsReader,
    filter: &LogFilter,
    format: ExportFormat,
    first: Page<LogEntry>,
    sender: &mpsc::Sender<io::Result<Bytes>>,
) -> Result<(), String> {
    let store = &reader.state.store;
    let send = |chunk: Vec<u8>| async move {
        match tokio::time::timeout(IDLE_WRITE, sender.send(Ok(Bytes::from(chunk)))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err("the client went away".to_owned()),
            Err(_) => Err(format!("the client read nothing for {} s", IDLE_WRITE.as_secs())),
        }
    };
    let mut buffer = format.header().into_bytes();
    let mut page = first;
    loop {
        for entry in &page.rows {
            format.write(entry, &mut buffer);
            if buffer.len() >= CHUNK {
                send(std::mem::take(&mut buffer)).await?;
            }
        }
        let Some(cursor) = page.older else {
            break;
        };
        // Checked again at every page: a revoke or an expiry stops an agent's export.
        reader.still_allowed().await.map_err(|error| error.to_string())?;
        page = store
            .entry_page(reader.account_id, filter, PageFrom::Older(cursor), PAGE)
            .await
            .map_err(|error| format!("reading the logs failed: {error}"))?;
    }
    send(buffer).await
}

/// The error as plain text with its status.
fn refusal(error: AppError) -> Response {
    (error.status(), error.to_string()).into_response()
}

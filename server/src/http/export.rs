//! Export of a filtered view of an account's calls as a download, streamed from the
//! database as it is read: `/logs/export.{csv,ndjson}` for the customer,
//! `/support/accounts/{account}/logs/export.{csv,ndjson}` for support, behind the same
//! rule as every other read of log data.

use std::{collections::HashMap, io};

use app::{
    auth::ssr::GuardedUser,
    error::AppError,
    logs::{ExportFormat, LogFilter},
    state::AppState,
    support_access::{ssr::reader_for, AccessAction},
};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use bytes::Bytes;
use tokio::sync::mpsc;

/// Bytes gathered before they are sent on: few large writes, little memory.
const CHUNK: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for format in ExportFormat::ALL {
        let ext = format.extension();
        router = router
            .route(
                &format!("/logs/export.{ext}"),
                get(move |state: State<AppState>, user: Guarded, query: Filters| {
                    export(state, user, None, query, format)
                }),
            )
            .route(
                &format!("/support/accounts/{{account}}/logs/export.{ext}"),
                get(
                    move |state: State<AppState>,
                          user: Guarded,
                          Path(account): Path<i64>,
                          query: Filters| {
                        export(state, user, Some(account), query, format)
                    },
                ),
            );
    }
    router
}

/// The user the page guard in front of these paths checked and left in the request.
type Guarded = Option<Extension<GuardedUser>>;
/// The view's filter, as the URL's query holds it.
type Filters = Query<HashMap<String, String>>;

async fn export(
    State(state): State<AppState>,
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
    let reader = match reader_for(state, user, account).await {
        Ok(reader) => reader,
        Err(error) => return refusal(error),
    };
    if let Err(error) = reader.record(AccessAction::Export, None).await {
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
    // the database back while the client is slow, and a client that goes away ends it.
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(4);
    tokio::spawn(async move {
        let store = reader.state.store.clone();
        let mut buffer = format.header().into_bytes();
        let read = store
            .each_log_entry(reader.account_id, &filter, |entry| {
                format.write(&entry, &mut buffer);
                let full =
                    (buffer.len() >= CHUNK).then(|| Bytes::from(std::mem::take(&mut buffer)));
                let sender = &sender;
                async move {
                    match full {
                        Some(chunk) => sender.send(Ok(chunk)).await.is_ok(),
                        None => true,
                    }
                }
            })
            .await;
        let last = match read {
            Ok(()) => Ok(Bytes::from(buffer)),
            // Ending the body with an error breaks the download off: the client sees a
            // failed transfer, never a file cut short that looks whole.
            Err(error) => {
                tracing::error!(%error, "export failed while reading the logs");
                Err(io::Error::other("the export failed"))
            }
        };
        let _ = sender.send(last).await;
    });
    let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)));

    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The error as plain text with its status.
fn refusal(error: AppError) -> Response {
    (error.status(), error.to_string()).into_response()
}

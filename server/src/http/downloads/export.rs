//! Export of a filtered view of an account's calls: `/logs/export.{csv,ndjson}` for the
//! customer, `/support/accounts/{account}/logs/export.{csv,ndjson}` for support, behind
//! the same rule as every other read of log data. An agent's export is recorded when it
//! starts and when it ends, with the calls it sent, and stops the moment the grant ends.

use std::collections::HashMap;

use app::{
    logs::{ExportFormat, LogEntry, LogFilter, Page, PageFrom},
    state::AppState,
    support_access::{
        ssr::{reader_for, LogsReader},
        AccessAction, AccessDetail,
    },
};
use axum::{
    extract::{Path, Query, State},
    response::Response,
    routing::get,
    Router,
};

use super::{attachment, start, Guarded, Refused, Running, Sink};

/// Calls read by one query: with bodies of up to 2 × 64 KiB, at most 13 MiB in memory.
const PAGE: usize = 100;

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
    router
}

/// The view's filter, as the URL's query holds it.
type Filters = Query<HashMap<String, String>>;

async fn export(
    State(state): State<AppState>,
    running: Running,
    user: Guarded,
    account: Option<i64>,
    Query(query): Filters,
    format: ExportFormat,
) -> Result<Response, Refused> {
    let (user, slot) = start(user, running)?;
    let filter = LogFilter::from_query(|name| query.get(name).cloned())?;
    let reader = reader_for(state, user, account).await?;
    // The first page before the answer: a search too slow for its time budget is a
    // 503 the client can read, not a download broken off.
    let store = &reader.state.store;
    let first =
        store.entry_page(reader.account_id, &reader.scope, &filter, PageFrom::Newest, PAGE).await?;
    let detail = AccessDetail {
        filter: filter.query_string(),
        format: Some(format.extension().to_owned()),
        ..AccessDetail::default()
    };
    reader.record(AccessAction::Export, None, detail.clone()).await?;
    let filename = format!(
        "apilogs-{}-{}.{}",
        reader.account_id,
        reader.state.clock.now().format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    Ok(attachment(format.content_type(), &filename, slot, move |sink| async move {
        let mut sent = 0;
        let result = stream(&reader, &filter, format, first, sink, &mut sent).await;
        let end = AccessDetail { calls: Some(sent), broken_off: result.clone().err(), ..detail };
        if let Err(error) = reader.record(AccessAction::ExportEnd, None, end).await {
            tracing::error!(account = reader.account_id, %error, "an export's end went unrecorded");
        }
        result
    }))
}

/// Sends the export on from its `first` page, reading the rest page by page, counting
/// the calls handed to the client in `sent`; why it stopped, if before the end.
async fn stream(
    reader: &LogsReader,
    filter: &LogFilter,
    format: ExportFormat,
    first: Page<LogEntry>,
    mut sink: Sink,
    sent: &mut u64,
) -> Result<(), String> {
    let store = &reader.state.store;
    sink.buffer().extend_from_slice(format.header().as_bytes());
    let mut written = 0;
    let mut page = first;
    loop {
        for entry in &page.rows {
            format.write(entry, sink.buffer());
            written += 1;
            if sink.send_full().await? {
                *sent = written;
            }
        }
        let Some(cursor) = page.older else {
            break;
        };
        // Checked again at every page: a revoke or an expiry stops an agent's export.
        reader.still_allowed().await.map_err(|error| error.to_string())?;
        page = store
            .entry_page(reader.account_id, &reader.scope, filter, PageFrom::Older(cursor), PAGE)
            .await
            .map_err(|error| format!("reading the logs failed: {error}"))?;
    }
    sink.send().await?;
    *sent = written;
    Ok(())
}

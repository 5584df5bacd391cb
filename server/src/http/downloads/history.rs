//! An account's access history as CSV: `/logs/access.csv` for its customers, and
//! `/support/accounts/{account}/access.csv` for admins (the history's own rule refuses
//! support agents).

use app::{
    logs::{history_csv_row, HISTORY_CSV_HEADER},
    state::AppState,
    support_access::{ssr::history_account, AccessEvent},
};
use axum::{
    extract::{Path, State},
    response::Response,
    routing::get,
    Router,
};

use super::{attachment, start, Guarded, Refused, Running, Sink};

/// Events read by one query.
const PAGE: i64 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/logs/access.csv",
            get(|state: State<AppState>, running: Running, user: Guarded| {
                download(state, running, user, None)
            }),
        )
        .route(
            "/support/accounts/{account}/access.csv",
            get(
                |state: State<AppState>,
                 running: Running,
                 user: Guarded,
                 Path(account): Path<i64>| {
                    download(state, running, user, Some(account))
                },
            ),
        )
}

async fn download(
    State(state): State<AppState>,
    running: Running,
    user: Guarded,
    account: Option<i64>,
) -> Result<Response, Refused> {
    let (user, slot) = start(user, running)?;
    let account = history_account(&user, account)?;
    let first = state.store.access_events_before(account, None, PAGE).await?;
    let filename = format!(
        "apilogs-access-history-{account}-{}.csv",
        state.clock.now().format("%Y%m%d-%H%M%S")
    );
    Ok(attachment("text/csv; charset=utf-8", &filename, slot, move |sink| {
        stream(state, account, first, sink)
    }))
}

/// Sends the history on from its `first` page, reading the rest page by page.
async fn stream(
    state: AppState,
    account: i64,
    first: Vec<AccessEvent>,
    mut sink: Sink,
) -> Result<(), String> {
    sink.buffer().extend_from_slice(HISTORY_CSV_HEADER.as_bytes());
    let mut events = first;
    loop {
        for event in &events {
            history_csv_row(event, sink.buffer());
            sink.send_full().await?;
        }
        match events.last() {
            Some(last) if events.len() as i64 == PAGE => {
                let before = Some((last.occurred_at, last.id));
                events = state
                    .store
                    .access_events_before(account, before, PAGE)
                    .await
                    .map_err(|error| format!("reading the access history failed: {error}"))?;
            }
            _ => break,
        }
    }
    sink.send().await
}

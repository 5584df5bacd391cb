use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_location, use_query_map},
};

use super::{logs_page, LogPage, LogRow};
use crate::{error::AppError, time::LocalTime};

/// The table of an account's calls, newest first, 50 to a page. The page position
/// lives in the URL (`?before=` / `?after=`), so it can be shared and the back button
/// works. `account` is the account a support agent reads (the customer's own when
/// absent); `base` is the table's own path, under which each call's detail lives.
#[component]
pub fn LogsTable(
    #[prop(optional)] account: Option<i64>,
    #[prop(into)] base: String,
) -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || query.with(|q| (q.get("before"), q.get("after"))),
        move |(before, after)| logs_page(account, before, after),
    );
    let base = StoredValue::new(base);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading calls…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <PageOfCalls page base=base.get_value() /> }.into_any(),
                    Err(error) => view! { <LogsError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PageOfCalls(page: LogPage, base: String) -> impl IntoView {
    if page.rows.is_empty() {
        let text = if page.newer.is_some() {
            "No older calls."
        } else {
            "No API calls have been recorded yet."
        };
        return view! { <p class="empty-state">{text}</p> }.into_any();
    }
    let newer = page.newer.map(|cursor| format!("{base}?after={cursor}"));
    let older = page.older.map(|cursor| format!("{base}?before={cursor}"));
    let rows =
        page.rows.into_iter().map(|row| view! { <Row row base=base.clone() /> }).collect_view();
    view! {
        <div class="table-scroll">
            <table class="logs-table">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="number">"Duration"</th>
                        <th scope="col" class="number">"Credits"</th>
                        <th scope="col">"Request ID"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {newer.map(|href| view! { <A href=href>"← Newer calls"</A> })}
            {older.map(|href| view! { <A href=href>"Older calls →"</A> })}
        </nav>
    }
    .into_any()
}

/// The CSS class of a status code's class: `status-2xx`, `status-4xx`, …
pub fn status_class(status: i32) -> &'static str {
    match status {
        200..=299 => "status status-2xx",
        300..=399 => "status status-3xx",
        400..=499 => "status status-4xx",
        _ => "status status-5xx",
    }
}

#[component]
fn Row(row: LogRow, base: String) -> impl IntoView {
    let href = format!("{base}/{}", row.id);
    view! {
        <tr>
            <td class="time">
                <LocalTime at=row.occurred_at />
            </td>
            <td class="method">{row.method}</td>
            <td class="endpoint">
                <A href=href>{row.endpoint}</A>
            </td>
            <td>
                <span class=status_class(row.status)>{row.status}</span>
            </td>
            <td class="number">{format!("{} ms", row.duration_ms)}</td>
            <td class="number">{row.credits}</td>
            <td class="request-id">{row.request_id}</td>
        </tr>
    }
}

/// What a log page shows when it may not show the logs.
#[component]
pub fn LogsError(error: AppError) -> impl IntoView {
    match error {
        // The session ended while the page was open: sign in again, then come back.
        AppError::Unauthenticated => {
            let location = use_location();
            let here =
                format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            let path = format!("/signin?notice=session&next={}", encode_component(&here));
            view! { <Redirect path /> }.into_any()
        }
        AppError::AccessNotGranted => view! {
            <div class="access-denied" role="alert">
                <h2>"No access to this account's API Logs"</h2>
                <p>{AppError::AccessNotGranted.to_string()}</p>
            </div>
        }
        .into_any(),
        error => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}

/// Percent-encodes `value` for a URL's query.
fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

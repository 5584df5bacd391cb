use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{logs_page, ExportFormat, LogFilter, LogPage, LogRow, StatusClass};
use crate::{
    decimal,
    error::ErrorView,
    markup::{self, escape},
    time::{viewer_offset, LocalTime},
    url::encode_component,
};

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
    let filter = Memo::new(move |_| query.with(|q| LogFilter::from_query(|name| q.get(name))));
    let page = Resource::new(
        move || (filter.get(), query.with(|q| (q.get("before"), q.get("after")))),
        move |(filter, (before, after))| async move { logs_page(account, filter?, before, after).await },
    );
    let base = StoredValue::new(base);
    view! {
        {move || {
            let filter = filter.get().unwrap_or_default();
            view! {
                <FilterForm filter=filter.clone() base=base.get_value() />
                <ExportLinks filter base=base.get_value() />
            }
        }}
        <Suspense fallback=|| view! { <p class="loading">"Loading calls…"</p> }>
            {Suspend::new(async move {
                match (page.await, filter.get_untracked()) {
                    (Ok(page), Ok(filter)) => {
                        let choose = account.is_none();
                        view! { <PageOfCalls page filter base=base.get_value() choose /> }
                            .into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
    // Its type, spelled out, is deeper than the compiler follows by default.
    .into_any()
}

/// `base` with the filter's query and one more parameter.
fn link(base: &str, filter: &LogFilter, extra: Option<(&str, String)>) -> String {
    let extra = extra.map(|(name, value)| format!("{name}={}", encode_component(&value)));
    let params: Vec<String> = filter.query_string().into_iter().chain(extra).collect();
    if params.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", params.join("&"))
    }
}

/// The filters, as a GET form: the URL holds them, so a view can be shared and the back
/// button works.
#[component]
fn FilterForm(filter: LogFilter, base: String) -> impl IntoView {
    let status = filter.status;
    let method = filter.method.clone().unwrap_or_default();
    let status_options = StatusClass::ALL
        .into_iter()
        .map(|class| {
            view! {
                <option value=class.as_str() selected=status == Some(class)>
                    {class.label()}
                </option>
            }
        })
        .collect_view();
    let method_options = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .map(|name| view! { <option value=name selected=method == name>{name}</option> })
        .collect_view();
    let clear = (!filter.is_empty()).then(|| view! { <a href=base.clone()>"Clear filters"</a> });
    let (since, until, utc_offset) = (filter.since, filter.until, filter.utc_offset);
    view! {
        // Open; a phone shows its summary, so the form can be folded away.
        <details class="filter-panel" open>
            <summary>"Filters"</summary>
            <form method="get" action=base.clone() class="filters" aria-label="Filter calls">
                <label>
                    "Status"
                    <select name="status">
                        <option value="">"All statuses"</option>
                        {status_options}
                    </select>
                </label>
                <label>
                    "Method"
                    <select name="method">
                        <option value="">"All methods"</option>
                        {method_options}
                    </select>
                </label>
                <label>
                    "Endpoint"
                    <input type="text" name="endpoint" value=filter.endpoint placeholder="/v1/pdf/merge" />
                </label>
                <label>
                    "Request ID"
                    <input type="text" name="request_id" value=filter.request_id placeholder="req_…" />
                </label>
                <DateRange since until utc_offset />
                <label>
                    "Search bodies"
                    <input type="search" name="q" value=filter.search placeholder="Text in request or response" />
                </label>
                <button type="submit" class="button">
                    "Apply"
                </button>
                {clear}
            </form>
        </details>
    }
    // Its type, spelled out, is deeper than the compiler follows by default.
    .into_any()
}

/// The range's two ends as `datetime-local` inputs, written in the viewer's UTC offset
/// once the page runs in their browser (the offset goes with them, in `tz`, so the URL
/// names the same instants for anyone); in the link's offset, or UTC, without JavaScript.
/// (Its props are the range alone, not the whole filter: the bundle needs no way to
/// read a filter then.)
#[island]
fn DateRange(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    utc_offset: i32,
) -> impl IntoView {
    let shown = RwSignal::new(LogFilter { since, until, utc_offset, ..LogFilter::default() });
    Effect::new(move |_| {
        if let Some(offset) = viewer_offset() {
            shown.update(|filter| *filter = filter.at_offset(offset));
        }
    });
    let input = move |at: fn(&LogFilter) -> Option<String>| move || shown.with(at);
    view! {
        <label>
            "From"
            <input type="datetime-local" name="from" value=input(|f| f.since.map(|at| f.local_input(at))) />
        </label>
        <label>
            "To"
            <input
                type="datetime-local"
                name="to"
                value=input(|f| f.until.map(|at| f.local_input(at - TimeDelta::minutes(1))))
            />
        </label>
        <input type="hidden" name="tz" value=move || shown.with(|f| f.offset().to_string()) />
        <span class="zone-note">{move || shown.with(|f| format!("Times in UTC{}", f.offset()))}</span>
    }
}

/// Downloads of every call in the filtered view (not just this page), streamed by the
/// server.
#[component]
fn ExportLinks(filter: LogFilter, base: String) -> impl IntoView {
    let links = ExportFormat::ALL
        .into_iter()
        .map(|format| {
            let href = link(&format!("{base}/export.{}", format.extension()), &filter, None);
            view! {
                <a href=href download class="export-link">
                    {format.label()}
                </a>
            }
        })
        .collect_view();
    view! {
        <p class="export">
            "Export these calls: "
            {links}
        </p>
    }
}

/// A page of the table; with `choose` (the customer's own), a box on each row to tick
/// the calls to share with Customer Support.
#[component]
fn PageOfCalls(page: LogPage, filter: LogFilter, base: String, choose: bool) -> impl IntoView {
    let newer = page.newer.map(|cursor| link(&base, &filter, Some(("after", cursor.to_string()))));
    let older = page.older.map(|cursor| link(&base, &filter, Some(("before", cursor.to_string()))));
    let pager = view! {
        <nav class="pager" aria-label="Pages">
            {newer.clone().map(|href| view! { <a href=href>"← Newer calls"</a> })}
            {older.map(|href| view! { <a href=href>"Older calls →"</a> })}
        </nav>
    };
    // A body search reads a bounded stretch of calls per page (see `Store::log_page`).
    let searched = page.searched_to.map(|at| {
        view! {
            // Text beside a component goes in elements of its own (hydration).
            <p class="search-window" role="note">
                <span>"To answer quickly, this search read calls as far as "</span>
                <LocalTime at />
                <span>" and stopped there: the link below searches on."</span>
            </p>
        }
    });
    if page.rows.is_empty() {
        let text = if page.searched_to.is_some() {
            "No matches in the calls searched so far."
        } else if newer.is_some() {
            "No older calls."
        } else if !filter.is_empty() {
            "No calls match these filters."
        } else {
            "No API calls have been recorded yet."
        };
        return view! {
            <p class="empty-state">{text}</p>
            {searched}
            {pager}
        }
        .into_any();
    }
    let rows = rows(&page.rows, &base, choose);
    // The boxes belong to this form by their `form` attribute: the table stays out of it.
    let share = choose.then(|| {
        view! {
            <form id=SHARE_FORM method="get" action="/logs/grant/limited" class="share-calls">
                <button type="submit" class="button">
                    "Share these calls with Customer Support"
                </button>
            </form>
        }
    });
    view! {
        {share}
        <div class="table-scroll">
            <table class="logs-table">
                <thead>
                    <tr>
                        {choose.then(|| view! { <th scope="col" class="choose">"Share"</th> })}
                        <th scope="col">"Time"</th>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="number">"Duration"</th>
                        <th scope="col" class="number">"Credits"</th>
                        <th scope="col">"Request ID"</th>
                    </tr>
                </thead>
                <tbody inner_html=rows></tbody>
            </table>
        </div>
        {searched}
        {pager}
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

/// The form that shares the calls ticked in the table.
const SHARE_FORM: &str = "share-calls";

/// The rows of the table, written as markup (see [`crate::markup`]); each call's
/// endpoint leads to its detail under `base`. With `choose`, each row starts with a
/// box that ticks it for [`SHARE_FORM`].
fn rows(rows: &[LogRow], base: &str, choose: bool) -> String {
    let base = escape(base);
    let mut out = String::with_capacity(rows.len() * 700);
    for row in rows {
        let request_id = escape(&row.request_id);
        out.push_str("<tr>");
        if choose {
            out.push_str(r#"<td class="choose"><input type="checkbox" name="call" value=""#);
            decimal::push(&mut out, row.id);
            out.push_str(r#"" form=""#);
            out.push_str(SHARE_FORM);
            out.push_str(r#"" aria-label="Share the call "#);
            out.push_str(&request_id);
            out.push_str(r#""></td>"#);
        }
        out.push_str(r#"<td class="time">"#);
        markup::local_time(&mut out, row.occurred_at);
        out.push_str(r#"</td><td class="method">"#);
        out.push_str(&escape(&row.method));
        out.push_str(r#"</td><td class="endpoint"><a href=""#);
        out.push_str(&base);
        out.push('/');
        decimal::push(&mut out, row.id);
        out.push_str(r#"">"#);
        out.push_str(&escape(&row.endpoint));
        out.push_str(r#"</a></td><td><span class=""#);
        out.push_str(status_class(row.status));
        out.push_str(r#"">"#);
        decimal::push(&mut out, row.status.into());
        out.push_str(r#"</span></td><td class="number">"#);
        decimal::push(&mut out, row.duration_ms.into());
        out.push_str(r#" ms</td><td class="number">"#);
        decimal::push(&mut out, row.credits.into());
        out.push_str(r#"</td><td class="request-id">"#);
        out.push_str(&request_id);
        out.push_str("</td></tr>");
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    /// A call's method, endpoint and request id are whatever its sender sent.
    #[test]
    fn rows_escape_what_the_calls_carry() {
        let row = LogRow {
            id: 7,
            occurred_at: DateTime::from_timestamp(1_764_147_600, 0).unwrap(),
            method: "<b>GET</b>".into(),
            endpoint: r#"/v1/"><script>alert(1)</script>"#.into(),
            status: 404,
            duration_ms: 12,
            credits: 0,
            request_id: "req_'&".into(),
        };
        let html = rows(&[row], "/logs", true);
        assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
        for expected in [
            r#"<td class="method">&lt;b&gt;GET&lt;/b&gt;</td>"#,
            r#"<a href="/logs/7">/v1/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>"#,
            r#"<span class="status status-4xx">404</span>"#,
            r#"<td class="request-id">req_&#39;&amp;</td>"#,
            r#"aria-label="Share the call req_&#39;&amp;""#,
            r#"<time datetime="2025-11-26T09:00:00Z""#,
        ] {
            assert!(html.contains(expected), "{expected} is not in {html}");
        }
    }
}

use leptos::prelude::*;
use leptos_router::components::A;

use super::{log_entry_detail, table::status_class, table::LogsError, LogEntry};
use crate::time::LocalTime;

/// One call in full: what was asked, what was answered, and how it went.
#[component]
pub fn LogDetail(
    #[prop(optional)] account: Option<i64>,
    id: i64,
    /// Where the table is, for the way back.
    #[prop(into)]
    back: String,
) -> impl IntoView {
    let entry = Resource::new(move || id, move |id| log_entry_detail(account, id));
    let back = StoredValue::new(back);
    view! {
        <p class="back">
            <A href=back.get_value()>"← All calls"</A>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading the call…"</p> }>
            {move || Suspend::new(async move {
                match entry.await {
                    Ok(entry) => view! { <EntryView entry /> }.into_any(),
                    Err(error) => view! { <LogsError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// JSON laid out for reading; anything else as it came.
pub fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_owned())
}

#[component]
fn EntryView(entry: LogEntry) -> impl IntoView {
    let target = if entry.query.is_empty() {
        entry.endpoint.clone()
    } else {
        format!("{}?{}", entry.endpoint, entry.query)
    };
    let optional = |value: Option<String>| value.unwrap_or_else(|| "—".into());
    view! {
        <h1 class="call-title">
            <span class="method">{entry.method}</span>
            " "
            <span class="endpoint">{target}</span>
        </h1>
        <dl class="call-facts">
            <dt>"Time"</dt>
            <dd>
                <LocalTime at=entry.occurred_at />
            </dd>
            <dt>"Status"</dt>
            <dd>
                <span class=status_class(entry.status)>{entry.status}</span>
            </dd>
            <dt>"Duration"</dt>
            <dd>{format!("{} ms", entry.duration_ms)}</dd>
            <dt>"Credits used"</dt>
            <dd>{entry.credits}</dd>
            <dt>"Request ID"</dt>
            <dd class="request-id">{entry.request_id}</dd>
            <dt>"API key"</dt>
            <dd>{entry.api_key_prefix.map(|p| format!("{p}…")).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Client IP"</dt>
            <dd>{optional(entry.client_ip)}</dd>
            <dt>"User agent"</dt>
            <dd>{optional(entry.user_agent)}</dd>
        </dl>
        {entry
            .error_message
            .map(|message| {
                view! {
                    <p class="call-error" role="note">
                        <strong>"Error: "</strong>
                        {message}
                    </p>
                }
            })}
        <h2>"Request headers"</h2>
        <pre class="body">{pretty(&entry.request_headers)}</pre>
        <h2>"Request body"</h2>
        <pre class="body">{entry.request_body.as_deref().map_or("(none)".into(), pretty)}</pre>
        <h2>"Response body"</h2>
        <pre class="body">{entry.response_body.as_deref().map_or("(none)".into(), pretty)}</pre>
    }
}

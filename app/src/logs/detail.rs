use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    body::{Body, Headers},
    log_entry_detail,
    table::status_class,
    CallDetail, LogEntry,
};
use crate::{error::ErrorView, time::LocalTime};

/// One call in full: what was asked, what was answered, and how it went.
#[component]
pub fn LogDetail(
    #[prop(optional)] account: Option<i64>,
    id: i64,
    /// Where the table is, for the way back.
    #[prop(into)]
    back: String,
    /// What the viewer may do with the call, shown under it (by its id).
    #[prop(optional)]
    actions: Option<fn(i64) -> AnyView>,
) -> impl IntoView {
    let entry = Resource::new(move || id, move |id| log_entry_detail(account, id));
    let back = StoredValue::new(back);
    view! {
        <p class="back">
            <A href=back.get_value()>"← All calls"</A>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading the call…"</p> }>
            {Suspend::new(async move {
                match entry.await {
                    Ok(detail) => {
                        view! {
                            <EntryView detail />
                            {actions.map(|actions| actions(id))}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A call's facts, error, cURL command, headers and bodies.
#[component]
pub fn EntryView(detail: CallDetail) -> impl IntoView {
    let CallDetail { entry: LogEntry { api_key_prefix, call: entry, .. }, curl } = detail;
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
            <dd>{api_key_prefix.map(|p| format!("{p}…")).unwrap_or_else(|| "—".into())}</dd>
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
        <CopyAsCurl curl />
        <h2>"Request headers"</h2>
        <Headers headers=entry.request_headers />
        <Body title="Request body" body=entry.request_body full_size=entry.request_body_full_size />
        <Body title="Response body" body=entry.response_body full_size=entry.response_body_full_size />
    }
}

/// The call as a cURL command: a button that copies it once the page runs in the
/// browser, and the command itself, folded, to select by hand without JavaScript.
#[island]
fn CopyAsCurl(curl: String) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let outcome = RwSignal::new(None::<&'static str>);
    let command = StoredValue::new(curl.clone());
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let copied = copy_text(&command.get_value()).await;
            outcome.set(Some(if copied {
                "Copied"
            } else {
                "Could not copy: select the command below"
            }));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = command;
    };
    view! {
        <div class="curl">
            <button type="button" class="button" disabled=move || !hydrated.get() on:click=copy>
                "Copy as cURL"
            </button>
            <span class="muted" role="status">{move || outcome.get()}</span>
            <details>
                <summary>"cURL command"</summary>
                <pre class="body curl-command">{curl}</pre>
            </details>
        </div>
    }
}

/// Puts `text` on the clipboard; false when the browser refuses.
#[cfg(feature = "hydrate")]
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

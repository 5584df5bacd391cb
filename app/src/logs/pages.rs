//! The customer's API Logs pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{account_summary, LogDetail, LogsTable, UsageChart};
use crate::support_access::GrantBanner;

/// `/logs`: the grant link or banner, right above the table of calls.
#[component]
pub fn CustomerLogsPage() -> impl IntoView {
    let summary = Resource::new(|| (), |()| account_summary());
    view! {
        <Title text="API Logs" />
        <h1>"API Logs"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                summary
                    .await
                    .ok()
                    .map(|summary| {
                        view! {
                            <p class="account-summary">
                                <strong>{summary.account_name}</strong>
                                {format!(" · {} calls recorded", summary.calls)}
                            </p>
                        }
                    })
            })}
        </Suspense>
        <UsageChart />
        <p class="access-history-link">
            <A href="/logs/access">"What Customer Support has seen"</A>
            " · "
            <A href="/logs/webhooks">"Webhooks"</A>
        </p>
        <GrantBanner />
        <LogsTable base="/logs" />
    }
}

/// `/logs/<id>`: one call.
#[component]
pub fn CustomerLogDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="API call" />
        {move || match id() {
            Some(id) => view! { <LogDetail id back="/logs" /> }.into_any(),
            None => view! { <p class="form-error">"There is no such call."</p> }.into_any(),
        }}
    }
}

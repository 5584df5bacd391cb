//! The customer's API Logs pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{account_summary, usage::Chart, AccountOverview, LogDetail, LogsTable};
use crate::{error::ErrorView, support_access::GrantBanner};

/// `/logs`: the account's usage, then the grant link or banner right above the table
/// of calls. All above the table is one read.
#[component]
pub fn CustomerLogsPage() -> impl IntoView {
    let overview = Resource::new(|| (), |()| account_summary());
    view! {
        <Title text="API Logs" />
        <h1>"API Logs"</h1>
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
        <LogsTable base="/logs" />
    }
}

#[component]
fn Overview(overview: AccountOverview) -> impl IntoView {
    let AccountOverview { account_name, calls, usage, access } = overview;
    view! {
        <p class="account-summary">
            <strong>{account_name}</strong>
            {format!(" · {calls} calls recorded")}
        </p>
        <Chart usage base="/logs".to_owned() />
        <p class="access-history-link">
            <a href="/logs/access">"What Customer Support has seen"</a>
            " · "
            <a href="/logs/shared">"Shared calls"</a>
            " · "
            <a href="/logs/webhooks">"Webhooks"</a>
        </p>
        <GrantBanner status=access />
    }
    // Its type, spelled out, is deeper than the compiler follows by default.
    .into_any()
}

/// `/logs/<id>`: one call, with `actions` under it.
#[component]
pub fn CustomerLogDetailPage(actions: fn(i64) -> AnyView) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="API call" />
        {move || match id() {
            Some(id) => view! { <LogDetail id back="/logs" actions /> }.into_any(),
            None => view! { <p class="form-error">"There is no such call."</p> }.into_any(),
        }}
    }
}

//! The API Logs page: a customer's recorded calls.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub account_name: String,
    pub calls: i64,
}

/// The signed-in customer's account and how many calls it has recorded.
#[server(endpoint = "logs/summary")]
pub async fn logs_summary() -> Result<AccountSummary, AppError> {
    use crate::{auth::ssr::require_role, auth::Role, state::app_state};

    let user = require_role(&[Role::Customer]).await?;
    let account_id = user.account_id.ok_or(AppError::Forbidden)?;
    let store = app_state()?.store;
    let account = store.account(account_id).await?.ok_or(AppError::NotFound)?;
    let calls = store.log_entry_count(account_id).await?;
    Ok(AccountSummary {
        account_name: account.name,
        calls,
    })
}

#[component]
pub fn LogsPage() -> impl IntoView {
    let summary = Resource::new(|| (), |()| logs_summary());
    view! {
        <Title text="API Logs" />
        <h1>"API Logs"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading your API Logs…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => {
                        view! {
                            <p class="account-summary">
                                <strong>{summary.account_name}</strong>
                                {format!(" · {} calls recorded", summary.calls)}
                            </p>
                        }
                            .into_any()
                    }
                    // The session ended while the page was open: sign in again.
                    Err(AppError::Unauthenticated) => {
                        view! { <Redirect path="/signin?notice=session&next=%2Flogs" /> }
                            .into_any()
                    }
                    Err(error) => {
                        view! { <p class="form-error" role="alert">{error.to_string()}</p> }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

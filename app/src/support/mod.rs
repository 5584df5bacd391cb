//! The support agent's side: a console of accounts with each one's access status,
//! and an account's API Logs, read-only, while its customer's grant is in force.

#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{
    error::{AppError, ErrorView},
    logs::{LogDetail, LogsTable, UsageChart},
    support_access::{countdown_text, AccessRequest, Grant},
    time::LocalTime,
};

#[cfg(feature = "ssr")]
pub use store::ListedAccount;

/// Who may use the console.
#[cfg(feature = "ssr")]
const STAFF: &[Role] = &[Role::Support, Role::Admin];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportAccount {
    pub id: i64,
    pub name: String,
    pub contact_email: Option<String>,
    /// The grant in force, if any.
    pub grant: Option<Grant>,
    /// Support's request waiting for an answer, or declined since the last grant.
    pub request: Option<AccessRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportAccounts {
    pub accounts: Vec<SupportAccount>,
    /// The server's clock, for the time left.
    pub now: DateTime<Utc>,
}

/// One account and its access, for the header of its logs page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountAccess {
    pub account: SupportAccount,
    /// The server's clock, for the time left.
    pub now: DateTime<Utc>,
}

/// The accounts whose name or a user's email contains `search`, with their access.
#[server(endpoint = "support/accounts")]
pub async fn list_support_accounts(search: String) -> Result<SupportAccounts, AppError> {
    guard(STAFF, |state, _| ssr::accounts(state, search)).await
}

/// One account and its access, for the header of its logs page.
#[server(endpoint = "support/account")]
pub async fn support_account_status(id: i64) -> Result<AccountAccess, AppError> {
    guard(STAFF, |state, _| ssr::account(state, id)).await
}

/// "no access", or "granted until <time> (<time left> left)".
#[component]
fn AccessCell(grant: Option<Grant>, now: DateTime<Utc>) -> impl IntoView {
    match grant {
        None => view! { <span class="no-access">"No access"</span> }.into_any(),
        Some(grant) => view! {
            <span class="granted">
                "Granted until " <LocalTime at=grant.expires_at />
                {format!(" ({} left)", countdown_text(grant.expires_at - now))}
            </span>
        }
        .into_any(),
    }
}

/// `/support`: the accounts, searchable by name or email.
#[component]
pub fn SupportConsole() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.with(|q| q.get("q").unwrap_or_default());
    let accounts = Resource::new(search, list_support_accounts);
    view! {
        <Title text="Support console" />
        <h1>"Support console"</h1>
        <form class="search" method="get" action="/support" role="search">
            <input type="search" name="q" value=search placeholder="Account name or email" aria-label="Search accounts" />
            <button type="submit" class="button">
                "Search"
            </button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(SupportAccounts { accounts, .. }) if accounts.is_empty() => {
                        view! { <p class="empty-state">"No account matches."</p> }.into_any()
                    }
                    Ok(SupportAccounts { accounts, now }) => {
                        let rows = accounts
                            .into_iter()
                            .map(|account| {
                                let href = format!("/support/accounts/{}/logs", account.id);
                                view! {
                                    <tr>
                                        <td>
                                            <A href=href>{account.name}</A>
                                        </td>
                                        <td>{account.contact_email.unwrap_or_default()}</td>
                                        <td>
                                            <AccessCell grant=account.grant now />
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <table class="accounts-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Account"</th>
                                        <th scope="col">"Contact"</th>
                                        <th scope="col">"Access to API Logs"</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn account_param() -> impl Fn() -> Option<i64> + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("account").and_then(|id| id.parse().ok()))
}

/// The account's name and access status, above its logs.
#[component]
fn AccountHeader(id: i64) -> impl IntoView {
    let account = Resource::new(move || id, support_account_status);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                account
                    .await
                    .ok()
                    .map(|AccountAccess { account, now }| {
                        view! {
                            <h1>{format!("API Logs of {}", account.name)}</h1>
                            <p class="account-access">
                                <AccessCell grant=account.grant now />
                                " · read-only"
                            </p>
                        }
                    })
            })}
        </Suspense>
    }
}

/// `/support/accounts/<account>/logs`
#[component]
pub fn SupportLogsPage() -> impl IntoView {
    let account = account_param();
    view! {
        <Title text="Account API Logs" />
        <p class="back">
            <A href="/support">"← All accounts"</A>
        </p>
        {move || match account() {
            Some(id) => {
                view! {
                    <AccountHeader id />
                    <UsageChart account=id />
                    <LogsTable account=id base=format!("/support/accounts/{id}/logs") />
                }
                    .into_any()
            }
            None => view! { <p class="form-error">"There is no such account."</p> }.into_any(),
        }}
    }
}

/// `/support/accounts/<account>/logs/<id>`
#[component]
pub fn SupportLogDetailPage() -> impl IntoView {
    let account = account_param();
    let params = use_params_map();
    let entry = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="API call" />
        {move || match (account(), entry()) {
            (Some(account), Some(id)) => {
                let back = format!("/support/accounts/{account}/logs");
                view! { <LogDetail account id back /> }.into_any()
            }
            _ => view! { <p class="form-error">"There is no such call."</p> }.into_any(),
        }}
    }
}

//! The support agent's side: a console of accounts with each one's access status,
//! and an account's API Logs, read-only, while its customer's grant is in force.

#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;

use chrono::{DateTime, Utc};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{
    error::{AppError, ErrorView, PostedError},
    live::LiveRegion,
    logs::{LogDetail, LogsTable, UsageChart},
    support_access::{
        countdown_text, AccessRequest, Grant, RequestAccess, RequestState, MAX_REASON_CHARS,
        MAX_TICKET_CHARS,
    },
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
    /// Whether the caller may read the account's access history (admins may).
    pub history: bool,
    /// Whether the caller may ask to extend the grant in force now (near its end).
    pub may_extend: bool,
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
    guard(STAFF, |state, user| ssr::account(state, user, id)).await
}

/// "No access", "Requested …", "Declined …", or "Granted until <time> (<time left> left)".
#[component]
fn AccessCell(
    grant: Option<Grant>,
    request: Option<AccessRequest>,
    now: DateTime<Utc>,
) -> impl IntoView {
    match (grant, request) {
        (Some(grant), extension) => view! {
            <span class="granted">
                "Granted until " <LocalTime at=grant.expires_at />
                {format!(" ({} left)", countdown_text(grant.expires_at - now))}
                {grant.ticket.map(|ticket| format!(" for ticket {ticket}"))}
                {grant.grantee_email.map(|agent| format!(", to {agent} alone"))}
                {grant.scope.words().map(|covers| format!(": {covers}"))}
                {extension.map(|request| {
                    format!(
                        " · {} asked to extend it, for ticket {}",
                        request.requested_by_email.unwrap_or_default(),
                        request.ticket,
                    )
                })}
            </span>
        }
        .into_any(),
        (None, Some(request)) if request.state == RequestState::Declined => view! {
            <span class="declined">
                "Declined "
                {request.decided_at.map(|at| view! { <LocalTime at /> })}
                {format!(" (ticket {})", request.ticket)}
            </span>
        }
        .into_any(),
        (None, Some(request)) => view! {
            <span class="requested">
                "Requested since " <LocalTime at=request.requested_at />
                {format!(
                    " by {} for ticket {}",
                    request.requested_by_email.unwrap_or_default(),
                    request.ticket,
                )}
            </span>
        }
        .into_any(),
        (None, None) => view! { <span class="no-access">"No access"</span> }.into_any(),
    }
}

/// The form that asks the account's customer for access, or to `extend` the grant in
/// force: a ticket and a reason.
#[component]
fn RequestForm(id: i64, extend: bool) -> impl IntoView {
    let (label, button) = match extend {
        false => ("Why you need access ", "Request access"),
        true => ("Why you need two more weeks ", "Ask to extend access"),
    };
    view! {
        <form method="post" action=RequestAccess::PATH class="request-access">
            <input type="hidden" name="account" value=id.to_string() />
            <label>
                "Ticket " <input type="text" name="ticket" required maxlength=MAX_TICKET_CHARS.to_string() />
            </label>
            <label>
                {label}
                <textarea name="reason" required maxlength=MAX_REASON_CHARS.to_string() rows="3"></textarea>
            </label>
            <button type="submit" class="button">
                {button}
            </button>
        </form>
    }
}

/// `/support`: the accounts, searchable by name or email, their access followed live
/// (customers grant, decline and revoke meanwhile).
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
        <LiveRegion id="accounts".to_owned() from=None millis=10_000>
            <Suspense fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
                {Suspend::new(async move {
                    match accounts.await {
                        Ok(accounts) => view! { <Accounts accounts /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Suspense>
        </LiveRegion>
    }
}

#[component]
fn Accounts(accounts: SupportAccounts) -> impl IntoView {
    let SupportAccounts { accounts, now } = accounts;
    if accounts.is_empty() {
        return view! { <p class="empty-state">"No account matches."</p> }.into_any();
    }
    let rows = accounts
        .into_iter()
        .map(|account| {
            let href = format!("/support/accounts/{}/logs", account.id);
            view! {
                <tr>
                    <td>
                        <a href=href>{account.name}</a>
                    </td>
                    <td>{account.contact_email.unwrap_or_default()}</td>
                    <td>
                        <AccessCell grant=account.grant request=account.request now />
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
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
        </div>
    }
    .into_any()
}

fn account_param() -> impl Fn() -> Option<i64> + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("account").and_then(|id| id.parse().ok()))
}

/// The account's name and access status, above its logs, followed live (the customer
/// may answer a request meanwhile); with no access and no request waiting, the form
/// that asks for it.
#[component]
fn AccountHeader(id: i64) -> impl IntoView {
    let account = Resource::new(move || id, support_account_status);
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                account.await.ok().map(|AccountAccess { account, history, may_extend, now }| {
                    let waiting =
                        account.request.as_ref().is_some_and(|r| r.state == RequestState::Open);
                    let extend = account.grant.is_some();
                    let ask = !waiting && (!extend || may_extend);
                    let history = history.then(|| {
                        view! {
                            " · "
                            <a href=format!("/support/accounts/{id}/access")>"Access history"</a>
                        }
                    });
                    view! {
                        <LiveRegion
                            id="account-access".to_owned()
                            from=Some(format!("/support/accounts/{id}/status"))
                            millis=10_000
                        >
                            <h1>{format!("API Logs of {}", account.name)}</h1>
                            <p class="account-access">
                                <AccessCell grant=account.grant request=account.request now />
                                " · read-only"
                                {history}
                            </p>
                        </LiveRegion>
                        <PostedError />
                        {ask.then(|| view! { <RequestForm id extend /> })}
                    }
                })
            })}
        </Suspense>
    }
}

/// `/support/accounts/<account>/status`: the account's access alone, which its logs
/// page follows (the logs page itself would count as reading the logs again).
#[component]
pub fn SupportAccountStatusPage() -> impl IntoView {
    let account = account_param();
    view! {
        <Title text="Account access" />
        {move || account().map(|id| view! { <AccountHeader id /> })}
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

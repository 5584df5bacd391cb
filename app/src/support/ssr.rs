//! The server side of the console's server functions, for staff the guard has let
//! through.

use chrono::{DateTime, Utc};

use super::{AccountAccess, ListedAccount, SupportAccount, SupportAccounts};
use crate::{
    auth::User,
    error::AppError,
    state::AppState,
    support_access::{in_force, is_open, may_ask_to_extend, ssr::history_account, RequestState},
};

/// Accounts listed at most on one console page.
const LISTED: i64 = 100;

/// The accounts whose name or a user's email contains `search`, by name.
pub async fn accounts(state: AppState, search: String) -> Result<SupportAccounts, AppError> {
    let listed = state.store.accounts_for_support(&search, LISTED).await?;
    let now = state.clock.now();
    Ok(SupportAccounts { accounts: listed.into_iter().map(|a| shown(a, now)).collect(), now })
}

/// One account and its access.
pub async fn account(state: AppState, user: User, id: i64) -> Result<AccountAccess, AppError> {
    let account = state.store.account(id).await?.ok_or(AppError::NotFound)?;
    let latest_grant = state.store.latest_grant(id).await?;
    let latest_request = state.store.latest_request(id).await?;
    let listed =
        ListedAccount { id, name: account.name, contact_email: None, latest_grant, latest_request };
    let now = state.clock.now();
    let history = history_account(&user, Some(id)).is_ok();
    let may_extend =
        listed.latest_grant.as_ref().is_some_and(|g| may_ask_to_extend(g, user.id, now));
    Ok(AccountAccess { account: shown(listed, now), history, may_extend, now })
}

/// The account as the console shows it: its grant only while in force; its latest
/// request while it waits (beside the grant, a request to extend it), or once declined
/// until a grant comes after it.
fn shown(account: ListedAccount, now: DateTime<Utc>) -> SupportAccount {
    let granted_at = account.latest_grant.as_ref().map(|g| g.granted_at);
    let grant = account.latest_grant.filter(|grant| in_force(grant, now));
    let request = account.latest_request.filter(|request| match (&grant, request.state) {
        (Some(grant), RequestState::Open) => {
            is_open(request, now) && request.extends == Some(grant.id)
        }
        (Some(_), _) => false,
        (None, RequestState::Open) => is_open(request, now),
        (None, RequestState::Declined) => granted_at.is_none_or(|at| request.decided_at > Some(at)),
        (None, RequestState::Granted | RequestState::Lapsed) => false,
    });
    SupportAccount {
        id: account.id,
        name: account.name,
        contact_email: account.contact_email,
        grant,
        request,
    }
}

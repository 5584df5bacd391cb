//! The server side of support access: who may read which account's logs, and the
//! customer's grant and revoke.

use super::{in_force, AccessAction, AccessStatus, GRANT_DURATION};
use crate::{
    auth::{
        ssr::{refuse, require_role},
        Role, User,
    },
    error::AppError,
    state::{app_state, AppState},
    store::NewAccessEvent,
};

/// A caller cleared to read one account's logs.
pub struct LogsReader {
    pub state: AppState,
    pub account_id: i64,
    /// The support agent reading, whose every view is recorded; `None` for the
    /// account's own customer.
    pub agent: Option<User>,
}

impl LogsReader {
    /// Records what a support agent looked at. Customers' own views are not recorded.
    pub async fn record(&self, action: AccessAction, entry: Option<i64>) -> Result<(), AppError> {
        let Some(agent) = &self.agent else {
            return Ok(());
        };
        let event = NewAccessEvent {
            actor_id: Some(agent.id),
            account_id: self.account_id,
            action,
            log_entry_id: entry,
            grant_id: None,
        };
        Ok(self.state.store.record_access_event(event, self.state.clock.now()).await?)
    }
}

/// The guard of all log data, for server functions: the request's signed-in user,
/// through [`reader_for`].
pub async fn logs_reader(requested: Option<i64>) -> Result<LogsReader, AppError> {
    let user = require_role(&[Role::Customer, Role::Support, Role::Admin]).await?;
    reader_for(app_state()?, user, requested).await
}

/// The one rule for log data. A customer reads their own account (naming another is
/// refused); support and admin read the account they name, only while [`in_force`]
/// says a grant allows it, checked at this request's instant.
pub async fn reader_for(
    state: AppState,
    user: User,
    requested: Option<i64>,
) -> Result<LogsReader, AppError> {
    match user.role {
        Role::Customer => {
            let own = user.account_id.ok_or_else(|| refuse(AppError::Forbidden))?;
            if requested.is_some_and(|account| account != own) {
                return Err(refuse(AppError::Forbidden));
            }
            Ok(LogsReader { state, account_id: own, agent: None })
        }
        Role::Support | Role::Admin => {
            let account_id = requested
                .ok_or_else(|| refuse(AppError::Invalid("Which account's logs?".into())))?;
            let grant = state.store.latest_grant(account_id).await?;
            if !grant.is_some_and(|grant| in_force(&grant, state.clock.now())) {
                return Err(refuse(AppError::AccessNotGranted));
            }
            Ok(LogsReader { state, account_id, agent: Some(user) })
        }
    }
}

/// The signed-in customer and their account.
async fn customer() -> Result<(User, i64, AppState), AppError> {
    let user = require_role(&[Role::Customer]).await?;
    let account_id = user.account_id.ok_or_else(|| refuse(AppError::Forbidden))?;
    Ok((user, account_id, app_state()?))
}

async fn status_of(state: &AppState, account_id: i64) -> Result<AccessStatus, AppError> {
    let now = state.clock.now();
    let grant = state.store.latest_grant(account_id).await?;
    Ok(AccessStatus { grant: grant.filter(|grant| in_force(grant, now)), now })
}

pub async fn status_for_customer() -> Result<AccessStatus, AppError> {
    let (_, account_id, state) = customer().await?;
    status_of(&state, account_id).await
}

pub async fn grant() -> Result<AccessStatus, AppError> {
    let (user, account_id, state) = customer().await?;
    let now = state.clock.now();
    state.store.grant_access(account_id, user.id, now, now + GRANT_DURATION).await?;
    status_of(&state, account_id).await
}

pub async fn revoke() -> Result<AccessStatus, AppError> {
    let (user, account_id, state) = customer().await?;
    state.store.revoke_access(account_id, user.id, state.clock.now()).await?;
    status_of(&state, account_id).await
}

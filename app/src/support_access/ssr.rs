//! The server side of support access: who may read which account's logs, and the
//! customer's status, grant and revoke behind the server functions.

use super::{in_force, AccessAction, AccessStatus, GrantChange, NewAccessEvent, GRANT_DURATION};
use crate::{
    auth::{Role, User},
    error::AppError,
    state::AppState,
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

    /// Whether the reader may still read, for work that goes on over time (an export):
    /// an agent, only while the grant is still in force.
    pub async fn still_allowed(&self) -> Result<(), AppError> {
        match self.agent {
            None => Ok(()),
            Some(_) => grant_in_force(&self.state, self.account_id).await,
        }
    }
}

/// [`in_force`] for the account's latest grant, at this instant.
async fn grant_in_force(state: &AppState, account_id: i64) -> Result<(), AppError> {
    let grant = state.store.latest_grant(account_id).await?;
    if grant.is_some_and(|grant| in_force(&grant, state.clock.now())) {
        Ok(())
    } else {
        Err(AppError::AccessNotGranted)
    }
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
            let own = user.account_id.ok_or(AppError::Forbidden)?;
            if requested.is_some_and(|account| account != own) {
                return Err(AppError::Forbidden);
            }
            Ok(LogsReader { state, account_id: own, agent: None })
        }
        Role::Support | Role::Admin => {
            let account_id =
                requested.ok_or_else(|| AppError::Invalid("Which account's logs?".into()))?;
            grant_in_force(&state, account_id).await?;
            Ok(LogsReader { state, account_id, agent: Some(user) })
        }
    }
}

/// The customer's account: customers have exactly one.
fn account_of(customer: &User) -> Result<i64, AppError> {
    customer.account_id.ok_or(AppError::Forbidden)
}

/// The customer's support access now.
pub async fn status(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    let now = state.clock.now();
    let grant = state.store.latest_grant(account_id).await?;
    Ok(AccessStatus { grant: grant.filter(|grant| in_force(grant, now)), now })
}

/// Grants Customer Support access to the customer's account for [`GRANT_DURATION`]
/// from now, unless a grant is in force already; the status is the grant in force.
pub async fn grant(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    let now = state.clock.now();
    let change =
        state.store.grant_access(account_id, customer.id, now, now + GRANT_DURATION).await?;
    let (GrantChange::Granted(grant) | GrantChange::AlreadyInForce(grant)) = change;
    // The clock read again: the status is as of now, after the change.
    Ok(AccessStatus { grant: Some(grant), now: state.clock.now() })
}

/// Ends the grant in force on the customer's account, if any: no grant is in force
/// after it.
pub async fn revoke(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    state.store.revoke_access(account_id, customer.id, state.clock.now()).await?;
    Ok(AccessStatus { grant: None, now: state.clock.now() })
}

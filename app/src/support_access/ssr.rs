//! The server side of support access: who may read which account's logs, and the
//! customer's status, grant and revoke behind the server functions.

use super::{
    activity_cursor, in_force, is_open, lets_read, AccessAction, AccessDetail, AccessRequest,
    AccessStatus, Activity, Grant, GrantChange, GrantList, Grantees, HistoryPage, NewAccessEvent,
    NewAccessRequest, RequestChange, Scope, EVENTS_PER_PAGE, EXTENSION_WINDOW, GRANTS_PER_PAGE,
    GRANT_DURATION, MAX_REASON_CHARS, MAX_TICKET_CHARS, REQUESTS_SHOWN,
};
use crate::{
    auth::{Role, User},
    error::AppError,
    state::AppState,
};

/// A caller cleared to read one account's logs.
pub struct LogsReader {
    pub state: AppState,
    pub account_id: i64,
    /// The support agent reading, whose every view is recorded, and the grant that
    /// lets them; `None` for the account's own customer.
    pub agent: Option<(User, i64)>,
    /// The calls the reader may read: the grant's scope, or every call.
    pub scope: Scope,
}

impl LogsReader {
    /// Records what a support agent looked at, under the grant that let them.
    /// Customers' own views are not recorded.
    pub async fn record(
        &self,
        action: AccessAction,
        entry: Option<i64>,
        detail: AccessDetail,
    ) -> Result<(), AppError> {
        let Some((agent, grant_id)) = &self.agent else {
            return Ok(());
        };
        let event = NewAccessEvent {
            actor_id: Some(agent.id),
            account_id: self.account_id,
            action,
            log_entry_id: entry,
            grant_id: Some(*grant_id),
            request_id: None,
            share_link_id: None,
            detail,
        };
        Ok(self.state.store.record_read(event, self.state.clock.now()).await?)
    }

    /// Whether the reader may still read, for work that goes on over time (an export):
    /// an agent, only while the grant is still in force.
    pub async fn still_allowed(&self) -> Result<(), AppError> {
        match &self.agent {
            None => Ok(()),
            Some((agent, _)) => grant_for(&self.state, self.account_id, agent.id).await.map(drop),
        }
    }
}

/// The account's latest grant if [`lets_read`] says it lets `reader` read at this
/// instant. A grant to another agent gets the same refusal as no grant.
async fn grant_for(state: &AppState, account_id: i64, reader: i64) -> Result<Grant, AppError> {
    let grant = state.store.latest_grant(account_id).await?;
    let now = state.clock.now();
    grant.filter(|grant| lets_read(grant, reader, now)).ok_or(AppError::AccessNotGranted)
}

/// The one rule for log data. A customer reads their own account (naming another is
/// refused); support and admin read the account they name, only while [`lets_read`]
/// says a grant allows it, checked at this request's instant, and only the calls in
/// its scope.
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
            Ok(LogsReader { state, account_id: own, agent: None, scope: Scope::default() })
        }
        Role::Support | Role::Admin => {
            let account_id =
                requested.ok_or_else(|| AppError::Invalid("Which account's logs?".into()))?;
            let grant = grant_for(&state, account_id, user.id).await?;
            Ok(LogsReader { state, account_id, agent: Some((user, grant.id)), scope: grant.scope })
        }
    }
}

/// The customer's account: customers have exactly one.
fn account_of(customer: &User) -> Result<i64, AppError> {
    customer.account_id.ok_or(AppError::Forbidden)
}

/// The account's support access now: the grant in force, or the request waiting.
pub(crate) async fn status_of(state: &AppState, account_id: i64) -> Result<AccessStatus, AppError> {
    let now = state.clock.now();
    let grant = state.store.latest_grant(account_id).await?;
    let request = state.store.latest_request(account_id).await?;
    Ok(status_from(grant, request, now))
}

/// Support's access at `now`, from the account's latest grant and latest request: the
/// grant if in force, and the request if it waits for an answer (with a grant in
/// force, only a request to extend it).
pub(crate) fn status_from(
    grant: Option<Grant>,
    request: Option<AccessRequest>,
    now: chrono::DateTime<chrono::Utc>,
) -> AccessStatus {
    let grant = grant.filter(|g| in_force(g, now));
    let request = request.filter(|r| {
        is_open(r, now) && grant.as_ref().is_none_or(|grant| r.extends == Some(grant.id))
    });
    let covers = grant.as_ref().and_then(|grant| grant.scope.words());
    AccessStatus { grant, request, covers, now }
}

/// The customer's support access now.
pub async fn status(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    status_of(&state, account_of(&customer)?).await
}

/// Grants Customer Support access to the customer's calls in `scope` for
/// [`GRANT_DURATION`] from now, unless a grant is in force already; a request waiting is
/// answered by it. The status is the grant in force.
pub async fn grant(
    state: AppState,
    customer: User,
    grantees: Grantees,
    scope: Scope,
) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    let now = state.clock.now();
    let expires_at = now + GRANT_DURATION;
    let change = state
        .store
        .grant_access_to(account_id, customer.id, now, expires_at, grantees, &scope)
        .await?;
    let (GrantChange::Granted(grant)
    | GrantChange::Extended(grant)
    | GrantChange::AlreadyInForce(grant)) = change;
    // The clock read again: the status is as of now, after the change.
    let covers = grant.scope.words();
    Ok(AccessStatus { grant: Some(grant), request: None, covers, now: state.clock.now() })
}

/// Ends the grant in force on the customer's account, if any: no grant is in force
/// after it.
pub async fn revoke(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    state.store.revoke_access(account_id, customer.id, state.clock.now()).await?;
    status_of(&state, account_id).await
}

/// Declines Support's request waiting on the customer's account, if one is.
pub async fn decline(state: AppState, customer: User) -> Result<AccessStatus, AppError> {
    let account_id = account_of(&customer)?;
    state.store.decline_request(account_id, customer.id, state.clock.now()).await?;
    status_of(&state, account_id).await
}

/// An agent asks the account's customer for access, for a ticket and with a reason.
/// Refused while a grant is in force, or while a request (any agent's) waits: the
/// second agent is told who asked, when, and for which ticket.
pub async fn request(
    state: AppState,
    agent: User,
    account_id: i64,
    ticket: String,
    reason: String,
) -> Result<AccessRequest, AppError> {
    let (ticket, reason) = (ticket.trim(), reason.trim());
    let length = |text: &str, max: usize| (1..=max).contains(&text.chars().count());
    if !length(ticket, MAX_TICKET_CHARS) || ticket.contains(char::is_control) {
        return Err(AppError::Invalid(format!(
            "Give the ticket's reference: 1 to {MAX_TICKET_CHARS} characters on one line."
        )));
    }
    if !length(reason, MAX_REASON_CHARS) {
        return Err(AppError::Invalid(format!(
            "Say why you need access: 1 to {MAX_REASON_CHARS} characters."
        )));
    }
    state.store.account(account_id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let new = NewAccessRequest {
        account_id,
        by: agent.id,
        ticket,
        reason,
        lapses_at: now + state.request_lifetime,
    };
    match state.store.request_access(new, now).await? {
        RequestChange::Requested(request) => Ok(request),
        RequestChange::AlreadyOpen(open) => Err(AppError::Conflict(format!(
            "{} asked already, for ticket {}, at {}; the customer has not answered yet.",
            open.requested_by_email.as_deref().unwrap_or("Another agent"),
            open.ticket,
            crate::time::utc_text(open.requested_at)
        ))),
        RequestChange::AlreadyGranted(grant) => Err(AppError::Conflict(format!(
            "Access to this account is granted already, until {}. The agent it lets read can \
             ask to extend it from {}.",
            crate::time::utc_text(grant.expires_at),
            crate::time::utc_text(grant.expires_at - EXTENSION_WINDOW)
        ))),
    }
}

/// The rule for an account's access history: its customers read it, admins read any
/// account's (read-only); support agents never, not even their own activity.
pub fn history_account(user: &User, requested: Option<i64>) -> Result<i64, AppError> {
    match user.role {
        Role::Customer => {
            let own = account_of(user)?;
            match requested {
                Some(account) if account != own => Err(AppError::Forbidden),
                _ => Ok(own),
            }
        }
        Role::Admin => {
            requested.ok_or_else(|| AppError::Invalid("Which account's history?".into()))
        }
        Role::Support => Err(AppError::Forbidden),
    }
}

/// The account's grants, newest first, from `before`.
pub async fn list(
    state: AppState,
    user: User,
    account: Option<i64>,
    before: Option<i64>,
) -> Result<GrantList, AppError> {
    let account_id = history_account(&user, account)?;
    let mut grants = state.store.grants_page(account_id, before, GRANTS_PER_PAGE + 1).await?;
    let older = (grants.len() as i64 > GRANTS_PER_PAGE).then(|| {
        grants.truncate(GRANTS_PER_PAGE as usize);
        grants.last().map(|g| g.grant.id)
    });
    Ok(GrantList { grants, older: older.flatten(), now: state.clock.now() })
}

/// Support's activity under one of the account's grants, newest first, from `before`.
pub async fn activity(
    state: AppState,
    user: User,
    account: Option<i64>,
    grant: i64,
    before: Option<String>,
) -> Result<Activity, AppError> {
    let account_id = history_account(&user, account)?;
    let before = before.as_deref().map(parse_activity_cursor).transpose()?;
    grant_activity(&state, account_id, grant, before).await
}

async fn grant_activity(
    state: &AppState,
    account_id: i64,
    grant: i64,
    before: Option<(chrono::DateTime<chrono::Utc>, i64)>,
) -> Result<Activity, AppError> {
    let mut events =
        state.store.grant_activity(account_id, grant, before, EVENTS_PER_PAGE + 1).await?;
    let older = (events.len() as i64 > EVENTS_PER_PAGE).then(|| {
        events.truncate(EVENTS_PER_PAGE as usize);
        events.last().map(activity_cursor)
    });
    Ok(Activity { events, older: older.flatten() })
}

/// A page of the history: the grants, each with its latest activity.
pub async fn history(
    state: AppState,
    user: User,
    account: Option<i64>,
    before: Option<i64>,
) -> Result<HistoryPage, AppError> {
    let account_id = history_account(&user, account)?;
    let list = list(state.clone(), user, Some(account_id), before).await?;
    let mut grants = Vec::with_capacity(list.grants.len());
    for record in list.grants {
        let activity = grant_activity(&state, account_id, record.grant.id, None).await?;
        grants.push((record, activity));
    }
    let requests = state.store.access_requests(account_id, REQUESTS_SHOWN).await?;
    Ok(HistoryPage { grants, requests, older: list.older, now: list.now })
}

/// The place an activity cursor names ([`activity_cursor`]).
fn parse_activity_cursor(cursor: &str) -> Result<(chrono::DateTime<chrono::Utc>, i64), AppError> {
    let invalid = || AppError::Invalid(format!("{cursor:?} is not a place in the history"));
    let (micros, id) = cursor.split_once('_').ok_or_else(invalid)?;
    let at = micros
        .parse()
        .ok()
        .and_then(chrono::DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    Ok((at, id.parse().map_err(|_| invalid())?))
}

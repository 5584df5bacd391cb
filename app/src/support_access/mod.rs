//! Support access: a customer grants Customer Support read access to their API Logs
//! for exactly two weeks, can revoke it at once, and it ends by itself. The server
//! decides everything with [`in_force`].

#[cfg(feature = "ssr")]
mod access_log;
mod banner;
mod scope;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub(crate) mod store;

use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use banner::{
    Countdown, DeclineConfirmPage, GrantBanner, GrantConfirmPage, RevokeConfirmPage, GRANTED_TEXT,
};
pub use scope::{ChosenCall, Scope, MAX_SCOPE_CALLS, MAX_SCOPE_ENDPOINTS};
#[cfg(feature = "ssr")]
pub use store::{GrantChange, NewAccessEvent, NewAccessRequest, RequestChange, RevokeChange};
#[cfg(feature = "ssr")]
pub(crate) use store::{LatestAccessRow, LATEST_ACCESS_COLUMNS, LATEST_ACCESS_JOINS};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::error::AppError;

/// How long a grant lasts: exactly 14 days (1,209,600 s).
pub const GRANT_DURATION: TimeDelta = TimeDelta::seconds(1_209_600);

/// How near its end a grant may be asked to be extended: its last three days.
pub const EXTENSION_WINDOW: TimeDelta = TimeDelta::days(3);

pub const GRANT_LINK_TEXT: &str = "Click here to grant access to your API Logs details (input and \
                                   output params) to the Customer Support for 2 weeks";

/// A grant of support access. The browser reads a grant only for the banner: when it
/// ends, for which ticket and for whom; the rest it skips (`not(ssr)`), so that its
/// reader stays out of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Grant {
    pub id: i64,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub account_id: i64,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub granted_by: i64,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub revoked_at: Option<DateTime<Utc>>,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub revoked_by: Option<i64>,
    /// The ticket of the request it answered, if it answered one.
    pub ticket: Option<String>,
    /// The one agent it lets read (the one who asked), or `None`: all of Support.
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub grantee_id: Option<i64>,
    pub grantee_email: Option<String>,
    /// Which of the account's calls it lets Support read (worded by the server for the
    /// browser, in [`AccessStatus::covers`]).
    #[cfg_attr(feature = "ssr", sqlx(try_from = "Option<String>"))]
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub scope: Scope,
}

/// Who a grant lets read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantees {
    /// The agent whose request the grant answers, alone; all of Customer Support when it
    /// answers none.
    #[default]
    AskingAgent,
    /// All of Customer Support.
    Everyone,
}

/// The longest ticket reference and reason a request may carry, in characters.
pub const MAX_TICKET_CHARS: usize = 64;
pub const MAX_REASON_CHARS: usize = 500;

/// Where a request for access stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Not answered (it may have lapsed by now: see [`is_open`]).
    #[default]
    Open,
    Granted,
    Declined,
    /// Nobody answered in time.
    Lapsed,
}

impl RequestState {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            RequestState::Open => None,
            RequestState::Granted => Some("granted"),
            RequestState::Declined => Some("declined"),
            RequestState::Lapsed => Some("lapsed"),
        }
    }
}

/// The stored form: the outcome, `NULL` while open.
impl TryFrom<Option<String>> for RequestState {
    type Error = String;

    fn try_from(outcome: Option<String>) -> Result<Self, Self::Error> {
        match outcome.as_deref() {
            None => Ok(RequestState::Open),
            Some("granted") => Ok(RequestState::Granted),
            Some("declined") => Ok(RequestState::Declined),
            Some("lapsed") => Ok(RequestState::Lapsed),
            Some(other) => Err(format!("unknown request outcome {other:?}")),
        }
    }
}

/// Customer Support asking an account's customer for access to its API Logs. The
/// browser reads who asks, since when, for which ticket and why; the rest it skips.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccessRequest {
    pub id: i64,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub account_id: i64,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub requested_by: i64,
    pub requested_by_email: Option<String>,
    pub requested_at: DateTime<Utc>,
    /// When it lapses if nobody answers it.
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub lapses_at: DateTime<Utc>,
    pub ticket: String,
    pub reason: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "Option<String>"))]
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub state: RequestState,
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub decided_at: Option<DateTime<Utc>>,
    /// The grant it asks to extend, when it asks for more time under a grant in force.
    #[cfg_attr(not(feature = "ssr"), serde(skip))]
    pub extends: Option<i64>,
}

/// A request waits for an answer while nobody gave one and it has not lapsed.
pub fn is_open(request: &AccessRequest, now: DateTime<Utc>) -> bool {
    request.state == RequestState::Open && now < request.lapses_at
}

/// A grant as the access history shows it: who granted it and who revoked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct GrantRecord {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub grant: Grant,
    pub granted_by_email: Option<String>,
    pub revoked_by_email: Option<String>,
    /// The grant that extended it (it ended then, at `revoked_at`), if one did.
    pub extended_to: Option<i64>,
}

/// A grant is in force while it is not revoked and `now` is before its expiry. Every
/// status shown goes through this.
pub fn in_force(grant: &Grant, now: DateTime<Utc>) -> bool {
    grant.revoked_at.is_none() && now < grant.expires_at
}

/// The one rule for Support's reads: a grant lets staff member `reader` read the
/// account's logs while it is [`in_force`] and it is for all of Support or for them.
/// Every server function and export that returns log data goes through this.
pub fn lets_read(grant: &Grant, reader: i64, now: DateTime<Utc>) -> bool {
    in_force(grant, now) && grant.grantee_id.is_none_or(|grantee| grantee == reader)
}

/// Whether staff member `agent` may ask to extend `grant` at `now`: a grant that lets
/// them read, in its last [`EXTENSION_WINDOW`]. Never an open-ended grant: the customer
/// confirms each extension, a fresh two weeks.
pub fn may_ask_to_extend(grant: &Grant, agent: i64, now: DateTime<Utc>) -> bool {
    lets_read(grant, agent, now) && now >= grant.expires_at - EXTENSION_WINDOW
}

/// What an access event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    /// The customer granted support access.
    Grant,
    /// The customer revoked it.
    Revoke,
    /// The customer extended it, at Support's request: a fresh grant followed it.
    Extend,
    /// It reached its expiry (recorded by the system).
    Expire,
    /// A support agent asked for access.
    Request,
    /// The customer declined a request.
    Decline,
    /// Nobody answered a request in time (recorded by the system).
    Lapse,
    /// A support agent opened the account's logs.
    ViewLogs,
    /// A support agent opened one call's detail.
    ViewEntry,
    /// A support agent started an export of the account's calls.
    Export,
    /// An agent's export ended: how many calls it sent, and why it stopped early.
    ExportEnd,
    /// A support agent looked at the account's usage chart.
    ViewUsage,
    /// The customer made a share link to one call.
    Share,
    /// The customer revoked a share link.
    Unshare,
    /// Someone holding a share link opened it.
    OpenShare,
}

impl AccessAction {
    pub const ALL: [AccessAction; 15] = [
        AccessAction::Grant,
        AccessAction::Revoke,
        AccessAction::Extend,
        AccessAction::Expire,
        AccessAction::Request,
        AccessAction::Decline,
        AccessAction::Lapse,
        AccessAction::ViewLogs,
        AccessAction::ViewEntry,
        AccessAction::Export,
        AccessAction::ExportEnd,
        AccessAction::ViewUsage,
        AccessAction::Share,
        AccessAction::Unshare,
        AccessAction::OpenShare,
    ];

    /// What Support does under a grant.
    pub const VIEWS: [AccessAction; 5] = [
        AccessAction::ViewLogs,
        AccessAction::ViewEntry,
        AccessAction::Export,
        AccessAction::ExportEnd,
        AccessAction::ViewUsage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Grant => "grant",
            AccessAction::Revoke => "revoke",
            AccessAction::Extend => "extend",
            AccessAction::Expire => "expire",
            AccessAction::Request => "request",
            AccessAction::Decline => "decline",
            AccessAction::Lapse => "lapse",
            AccessAction::ViewLogs => "view_logs",
            AccessAction::ViewEntry => "view_entry",
            AccessAction::Export => "export",
            AccessAction::ExportEnd => "export_end",
            AccessAction::ViewUsage => "view_usage",
            AccessAction::Share => "share",
            AccessAction::Unshare => "unshare",
            AccessAction::OpenShare => "open_share",
        }
    }
}

impl TryFrom<String> for AccessAction {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        AccessAction::ALL
            .into_iter()
            .find(|action| action.as_str() == value)
            .ok_or_else(|| format!("unknown access action {value:?}"))
    }
}

/// What an agent's view was of, kept in its event, so that the history stays readable
/// after the calls it names are deleted by retention.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDetail {
    /// The filter of a list or an export, as the logs page's URL query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The call opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// An export's format: `csv` or `ndjson`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The ticket of a request, or of the request a grant answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The calls an export sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<u64>,
    /// Why an export stopped before its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_off: Option<String>,
    /// Where a share link was opened from: the client's address and user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// What a grant covers, in words, when not every call ([`Scope::words`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl AccessDetail {
    pub fn is_empty(&self) -> bool {
        *self == AccessDetail::default()
    }
}

/// The stored form: JSON text, `NULL` when empty.
impl TryFrom<Option<String>> for AccessDetail {
    type Error = serde_json::Error;

    fn try_from(text: Option<String>) -> Result<Self, Self::Error> {
        text.map_or_else(|| Ok(AccessDetail::default()), |text| serde_json::from_str(&text))
    }
}

/// One entry of the audit trail: who did what to which account or call, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccessEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `None` for the system (an expiry).
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub account_id: i64,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub action: AccessAction,
    pub log_entry_id: Option<i64>,
    /// The grant it happened under, or that it changed.
    pub grant_id: Option<i64>,
    /// The request for access it is about.
    pub request_id: Option<i64>,
    /// The share link it is about.
    pub share_link_id: Option<i64>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "Option<String>"))]
    pub detail: AccessDetail,
}

/// An account's support access as the customer's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessStatus {
    /// The grant in force, if any.
    pub grant: Option<Grant>,
    /// Support's request waiting for an answer, if any (never with a grant in force).
    pub request: Option<AccessRequest>,
    /// What the grant covers, in words, when it is not every call ([`Scope::words`],
    /// worded by the server so that the browser needs no way to word it).
    pub covers: Option<String>,
    /// The server's clock when this was read, so the page counts down in server time.
    pub now: DateTime<Utc>,
}

/// The signed-in customer's support access.
#[server(endpoint = "support_access/status")]
pub async fn support_access_status() -> Result<AccessStatus, AppError> {
    guard(&[Role::Customer], ssr::status).await
}

/// Grants Customer Support access to the signed-in customer's logs for two weeks:
/// when it answers a request, to the agent who asked alone unless `everyone`. While a
/// grant is in force this changes nothing and returns that grant, unless Support asks
/// to extend it: then a fresh grant of two weeks, with the same scope and agent,
/// follows it.
#[server(endpoint = "support_access/grant")]
pub async fn grant_access(#[server(default)] everyone: bool) -> Result<AccessStatus, AppError> {
    let grantees = if everyone { Grantees::Everyone } else { Grantees::AskingAgent };
    guard(&[Role::Customer], |state, user| ssr::grant(state, user, grantees, Scope::default()))
        .await
}

/// Ends the signed-in customer's grant now. Without a grant in force it does nothing.
#[server(endpoint = "support_access/revoke")]
pub async fn revoke_access() -> Result<AccessStatus, AppError> {
    guard(&[Role::Customer], ssr::revoke).await
}

/// An account's grants, newest first, as its access history lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantList {
    pub grants: Vec<GrantRecord>,
    /// Where the next page starts (`before`), when there are older grants.
    pub older: Option<i64>,
    /// The server's clock, to tell grants in force from those that ran out.
    pub now: DateTime<Utc>,
}

/// What Support did under one grant, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub events: Vec<AccessEvent>,
    /// Where the next page starts (`before`), when there is older activity.
    pub older: Option<String>,
}

/// One page of the access history: grants, each with Support's latest activity under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub grants: Vec<(GrantRecord, Activity)>,
    /// Support's latest requests for access, newest first, answered or not.
    pub requests: Vec<AccessRequest>,
    pub older: Option<i64>,
    pub now: DateTime<Utc>,
}

/// Requests the history shows.
pub const REQUESTS_SHOWN: i64 = 20;

/// Grants per page of the history, and events per grant.
pub const GRANTS_PER_PAGE: i64 = 10;
pub const EVENTS_PER_PAGE: i64 = 50;

/// The account's grants, newest first, from `before` (a grant id). Customers read their
/// own account's; admins any account's, read-only; nobody else.
#[server(endpoint = "support_access/list")]
pub async fn list_grants(account: Option<i64>, before: Option<i64>) -> Result<GrantList, AppError> {
    guard(&[Role::Customer, Role::Admin], |state, user| ssr::list(state, user, account, before))
        .await
}

/// What Support did under one of the account's grants, from `before`; readable as
/// [`list_grants`] is.
#[server(endpoint = "support_access/activity")]
pub async fn grant_activity(
    account: Option<i64>,
    grant: i64,
    before: Option<String>,
) -> Result<Activity, AppError> {
    guard(&[Role::Customer, Role::Admin], |state, user| {
        ssr::activity(state, user, account, grant, before)
    })
    .await
}

/// A page of the access history: [`list_grants`] with each grant's latest activity.
#[server(endpoint = "support_access/history")]
pub async fn access_history(
    account: Option<i64>,
    before: Option<i64>,
) -> Result<HistoryPage, AppError> {
    guard(&[Role::Customer, Role::Admin], |state, user| ssr::history(state, user, account, before))
        .await
}

/// An activity cursor: `<µs since epoch>_<event id>`.
pub fn activity_cursor(event: &AccessEvent) -> String {
    format!("{}_{}", event.occurred_at.timestamp_micros(), event.id)
}

/// Declines Customer Support's request waiting on the signed-in customer's account.
/// Without one it does nothing.
#[server(endpoint = "support_access/decline")]
pub async fn decline_access() -> Result<AccessStatus, AppError> {
    guard(&[Role::Customer], ssr::decline).await
}

/// A support agent asks the account's customer for access to its API Logs, for a ticket
/// and with a reason. Refused (409) while a request waits, and while a grant is in
/// force unless it lets this agent read and ends within [`EXTENSION_WINDOW`]: then it
/// asks to extend it.
#[server(endpoint = "support_access/request")]
pub async fn request_access(
    account: i64,
    ticket: String,
    reason: String,
) -> Result<AccessRequest, AppError> {
    guard(&[Role::Support, Role::Admin], |state, agent| {
        ssr::request(state, agent, account, ticket, reason)
    })
    .await
}

/// Days, hours, minutes and seconds left, e.g. `13d 23h 59m 58s`; zero when past.
pub fn countdown_text(left: TimeDelta) -> String {
    let total = left.num_seconds().max(0);
    let (days, hours) = (total / 86_400, total % 86_400 / 3_600);
    let (minutes, seconds) = (total % 3_600 / 60, total % 60);
    format!("{days}d {hours:02}h {minutes:02}m {seconds:02}s")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn grant(granted_at: DateTime<Utc>) -> Grant {
        Grant {
            id: 1,
            account_id: 7,
            granted_by: 3,
            granted_at,
            expires_at: granted_at + GRANT_DURATION,
            revoked_at: None,
            revoked_by: None,
            ticket: None,
            grantee_id: None,
            grantee_email: None,
            scope: Scope::default(),
        }
    }

    #[test]
    fn a_grant_is_in_force_until_the_second_it_expires() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let grant = grant(at);
        assert_eq!(grant.expires_at, Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).unwrap());
        let second = TimeDelta::seconds(1);
        assert!(in_force(&grant, at));
        assert!(in_force(&grant, grant.expires_at - second));
        assert!(!in_force(&grant, grant.expires_at));
        assert!(!in_force(&grant, grant.expires_at + second));
    }

    #[test]
    fn a_grant_to_the_asking_agent_lets_them_alone_read() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let everyone = grant(at);
        assert!(lets_read(&everyone, 5, at) && lets_read(&everyone, 6, at));
        let named = Grant { grantee_id: Some(5), ..grant(at) };
        assert!(lets_read(&named, 5, at));
        assert!(!lets_read(&named, 6, at));
        assert!(!lets_read(&named, 5, named.expires_at), "not past its expiry");
    }

    #[test]
    fn only_an_agent_a_grant_lets_read_may_ask_to_extend_it_in_its_last_three_days() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let named = Grant { grantee_id: Some(5), ..grant(at) };
        let window = named.expires_at - EXTENSION_WINDOW;
        assert!(!may_ask_to_extend(&named, 5, window - TimeDelta::seconds(1)));
        assert!(may_ask_to_extend(&named, 5, window));
        assert!(may_ask_to_extend(&named, 5, named.expires_at - TimeDelta::seconds(1)));
        assert!(!may_ask_to_extend(&named, 5, named.expires_at), "not once it has ended");
        assert!(!may_ask_to_extend(&named, 6, window), "not another agent");
    }

    #[test]
    fn a_revoked_grant_is_not_in_force() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let revoked = Grant { revoked_at: Some(at), revoked_by: Some(3), ..grant(at) };
        assert!(!in_force(&revoked, at));
        assert!(!in_force(&revoked, at - TimeDelta::days(1)));
    }

    #[test]
    fn the_countdown_reads_days_hours_minutes_seconds() {
        assert_eq!(countdown_text(GRANT_DURATION), "14d 00h 00m 00s");
        assert_eq!(countdown_text(GRANT_DURATION - TimeDelta::seconds(1)), "13d 23h 59m 59s");
        assert_eq!(countdown_text(TimeDelta::seconds(61)), "0d 00h 01m 01s");
        assert_eq!(countdown_text(TimeDelta::seconds(-5)), "0d 00h 00m 00s");
    }
}

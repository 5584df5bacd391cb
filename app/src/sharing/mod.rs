//! Share links: the customer hands one call, as Customer Support would see it, to
//! anyone holding a link, without signing in, for 24 hours unless they choose otherwise
//! (at most 7 days), until they revoke it. The token lives in the link alone: the
//! database keeps its SHA-256. Making a link, revoking it and every opening of it are
//! access events, in the customer's history, emails and webhooks.

mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use page::{share_this_call, SharedCallPage, SharedCallsPage};
#[cfg(feature = "ssr")]
pub use store::{NewShareLink, Opening};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{error::AppError, logs::CallDetail, support_access::AccessEvent};

/// How long a link may last, in hours, as the customer picks it: 24 hours unless they
/// choose otherwise, never more than 7 days.
pub const LIFETIMES: [(i64, &str); 4] =
    [(1, "1 hour"), (24, "24 hours"), (72, "3 days"), (168, "7 days")];
pub const DEFAULT_HOURS: i64 = 24;
pub const LONGEST_HOURS: i64 = 168;

/// How often a link opens in an hour. Every opening is an access event, a notice and a
/// webhook delivery: whoever holds a link must not be able to grow the customer's
/// history, and their endpoints' traffic, without bound. Past it, a 429 until the hour
/// has gone by.
pub const OPENINGS_PER_HOUR: i64 = 60;

/// Where a link's call is shown: `/shared/<token>`.
pub const SHARED_PATH: &str = "/shared/";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ShareLink {
    pub id: i64,
    pub account_id: i64,
    pub log_entry_id: i64,
    /// The call as it was when shared.
    pub request_id: String,
    pub method: String,
    pub endpoint: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The one rule of links: a link shows its call while it is not revoked and `now` is
/// before its expiry, to the second.
pub fn link_in_force(link: &ShareLink, now: DateTime<Utc>) -> bool {
    link.revoked_at.is_none() && now < link.expires_at
}

/// A link as the customer's list shows it: with how often it was opened, and the
/// latest openings (time, address, user agent), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedLink {
    pub link: ShareLink,
    pub openings: i64,
    pub latest_openings: Vec<AccessEvent>,
}

/// The customer's links, newest first, and the server's clock to tell the live ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkList {
    pub links: Vec<ListedLink>,
    pub now: DateTime<Utc>,
}

/// Links the list shows, and openings per link.
pub const LINKS_SHOWN: i64 = 50;
pub const OPENINGS_SHOWN: usize = 10;

/// A link just made: its token, shown this once and kept nowhere, and its expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShare {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a link shows to whoever holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedCall {
    pub account_name: String,
    pub expires_at: DateTime<Utc>,
    pub detail: CallDetail,
}

/// Makes a link to one of the signed-in customer's calls, lasting `hours` (1 to 168).
#[server(endpoint = "sharing/create")]
pub async fn share_call(id: i64, hours: i64) -> Result<NewShare, AppError> {
    guard(&[Role::Customer], |state, user| ssr::create(state, user, id, hours)).await
}

/// Ends one of the signed-in customer's links now. A link already ended stays as it is.
#[server(endpoint = "sharing/revoke")]
pub async fn revoke_share(link: i64) -> Result<(), AppError> {
    guard(&[Role::Customer], |state, user| ssr::revoke(state, user, link)).await
}

/// The signed-in customer's links, newest first.
#[server(endpoint = "sharing/list")]
pub async fn share_links() -> Result<LinkList, AppError> {
    guard(&[Role::Customer], ssr::list).await
}

/// The call a link shows, to anyone holding its token; the opening is recorded.
#[server(endpoint = "sharing/open")]
pub async fn open_shared_call(token: String) -> Result<SharedCall, AppError> {
    ssr::open(token).await
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    #[test]
    fn a_link_opens_until_the_second_it_expires_and_not_once_revoked() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap();
        let link = ShareLink {
            id: 1,
            account_id: 7,
            log_entry_id: 3,
            request_id: "req_1".into(),
            method: "GET".into(),
            endpoint: "/v1/x".into(),
            created_by: 2,
            created_at: at,
            expires_at: at + TimeDelta::hours(DEFAULT_HOURS),
            revoked_at: None,
        };
        let second = TimeDelta::seconds(1);
        assert!(link_in_force(&link, at));
        assert!(link_in_force(&link, link.expires_at - second));
        assert!(!link_in_force(&link, link.expires_at));
        let revoked = ShareLink { revoked_at: Some(at + second), ..link };
        assert!(!link_in_force(&revoked, at + second));
    }
}

//! API Logs: the table of an account's calls and the detail of one call, for the
//! customer and, behind a grant, for Customer Support. The same components serve both.

mod detail;
mod pages;
mod table;

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use detail::LogDetail;
pub use pages::{CustomerLogDetailPage, CustomerLogsPage};
pub use table::{LogsError, LogsTable};

use crate::error::AppError;

/// Rows on one page of the table.
pub const PAGE_SIZE: usize = 50;

/// A call as one row of the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LogRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub method: String,
    pub endpoint: String,
    pub status: i32,
    pub duration_ms: i32,
    pub credits: i32,
    pub request_id: String,
}

impl LogRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { at: self.occurred_at, id: self.id }
    }
}

/// Everything recorded about one call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LogEntry {
    pub id: i64,
    pub account_id: i64,
    /// The first characters of the API key used, never the key.
    pub api_key_prefix: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub request_id: String,
    pub method: String,
    pub endpoint: String,
    pub query: String,
    pub status: i32,
    pub duration_ms: i32,
    pub credits: i32,
    pub request_headers: String,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub error_message: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A position in the table: the (time, id) of a row. Written `<µs since epoch>_<id>`
/// in URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.at.timestamp_micros(), self.id)
    }
}

impl FromStr for Cursor {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || AppError::Invalid(format!("{s:?} is not a position in the logs"));
        let (micros, id) = s.split_once('_').ok_or_else(invalid)?;
        let micros = micros.parse().map_err(|_| invalid())?;
        Ok(Cursor {
            at: DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// Where a page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFrom {
    Newest,
    /// The rows just older than the cursor.
    Older(Cursor),
    /// The rows just newer than the cursor.
    Newer(Cursor),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    /// Where the page of newer rows starts, if there are any.
    pub newer: Option<Cursor>,
    /// Where the page of older rows starts, if there are any.
    pub older: Option<Cursor>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub account_name: String,
    pub calls: i64,
}

/// The signed-in customer's account and how many calls it has recorded. The account
/// is the session's: nothing in the request can name another.
#[server(endpoint = "logs/summary")]
pub async fn account_summary() -> Result<AccountOverview, AppError> {
    use crate::{
        auth::{ssr::require_role, Role},
        support_access::ssr::logs_reader,
    };

    require_role(&[Role::Customer]).await?;
    let reader = logs_reader(None).await?;
    let store = &reader.state.store;
    let account = store.account(reader.account_id).await?.ok_or(AppError::NotFound)?;
    let calls = store.log_entry_count(reader.account_id).await?;
    Ok(AccountOverview { account_name: account.name, calls })
}

/// A page of an account's calls. Customers read their own account (`account` is
/// theirs or absent); support agents the account they name, while a grant is in force.
#[server(endpoint = "logs/page")]
pub async fn logs_page(
    account: Option<i64>,
    before: Option<String>,
    after: Option<String>,
) -> Result<LogPage, AppError> {
    use crate::support_access::{ssr::logs_reader, AccessAction};

    let from = match (before, after) {
        (Some(cursor), _) => PageFrom::Older(cursor.parse()?),
        (None, Some(cursor)) => PageFrom::Newer(cursor.parse()?),
        (None, None) => PageFrom::Newest,
    };
    let reader = logs_reader(account).await?;
    let page = reader.state.store.log_page(reader.account_id, from, PAGE_SIZE).await?;
    reader.record(AccessAction::ViewLogs, None).await?;
    Ok(page)
}

/// One call of an account, under the same rule as [`logs_page`].
#[server(endpoint = "logs/entry")]
pub async fn log_entry_detail(account: Option<i64>, id: i64) -> Result<LogEntry, AppError> {
    use crate::{
        auth::ssr::refuse,
        support_access::{ssr::logs_reader, AccessAction},
    };

    let reader = logs_reader(account).await?;
    let entry = reader.state.store.log_entry(reader.account_id, id).await?;
    let entry = entry.ok_or_else(|| refuse(AppError::NotFound))?;
    reader.record(AccessAction::ViewEntry, Some(entry.id)).await?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_through_urls() {
        let cursor =
            Cursor { at: DateTime::from_timestamp_micros(1_764_147_600_123_456).unwrap(), id: 812 };
        assert_eq!(cursor.to_string(), "1764147600123456_812");
        assert_eq!("1764147600123456_812".parse::<Cursor>().unwrap(), cursor);
        for bad in ["", "12", "x_1", "1_x", "1_2_3"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad}");
        }
    }
}

//! API Logs: the table of an account's calls and the detail of one call, for the
//! customer and, behind a grant, for Customer Support. The same components serve both.
//!
//! This file holds the feature's shared types and its server functions, each of which
//! checks its caller and hands over to a plain function in `ssr.rs`.

mod access;
mod body;
mod call;
#[cfg(feature = "ssr")]
mod curl;
mod detail;
mod export;
mod filter;
pub mod json;
mod limited_grant;
mod pages;
#[cfg(feature = "ssr")]
mod rollups;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;
mod table;
mod usage;
#[cfg(feature = "ssr")]
mod weeks;

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
pub use access::history_csv_row;
pub use access::HISTORY_CSV_HEADER;
pub use access::{AccessHistoryPage, AccountAccessHistoryPage};
pub use call::{header_pairs, Call, Field, LogEntry};
pub use detail::{EntryView, LogDetail};
pub use export::ExportFormat;
pub use filter::{LogFilter, StatusClass, FILTER_PARAMS};
pub use limited_grant::{GrantLimitedAccess, LimitedGrantPage};
pub use pages::{CustomerLogDetailPage, CustomerLogsPage};
#[cfg(feature = "ssr")]
pub use rollups::{AccountOverviewRows, DailyUsage};
#[cfg(feature = "ssr")]
pub use store::{indexable, NewLogEntry, PageRow, SearchBounds, StoredTexts};
pub use table::LogsTable;
pub use usage::{Usage, UsageChart, UsageDay};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{error::AppError, support_access::AccessStatus};

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

/// A call as its detail page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetail {
    pub entry: LogEntry,
    /// The call as a cURL command, the API key replaced by a placeholder.
    pub curl: String,
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

/// A page of the table.
pub type LogPage = Page<LogRow>;

/// A page of calls, as rows of the table or as whole entries (an export reads these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<R> {
    pub rows: Vec<R>,
    /// Where the page of newer rows starts, if there are any.
    pub newer: Option<Cursor>,
    /// Where the page of older rows starts, if there are any.
    pub older: Option<Cursor>,
    /// How far a body search looked when it stopped before filling the page: the time
    /// of the last call it read. The cursor onwards goes on from there.
    pub searched_to: Option<DateTime<Utc>>,
}

/// What `/logs` shows above its table, read at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub account_name: String,
    /// Calls recorded, all told.
    pub calls: i64,
    /// The last 30 days.
    pub usage: Usage,
    /// Customer Support's access now.
    pub access: AccessStatus,
}

/// The signed-in customer's account: its name, its calls, 30 days of usage and
/// Customer Support's access. The account is the session's: nothing in the request can
/// name another.
#[server(endpoint = "logs/summary")]
pub async fn account_summary() -> Result<AccountOverview, AppError> {
    guard(&[Role::Customer], ssr::summary).await
}

/// A page of an account's calls that match `filter`, from `before` or `after` a
/// cursor. Customers read their own account (`account` is theirs or absent); support
/// agents the account they name, while a grant is in force.
#[server(endpoint = "logs/page")]
pub async fn logs_page(
    account: Option<i64>,
    #[server(default)] filter: LogFilter,
    before: Option<String>,
    after: Option<String>,
) -> Result<LogPage, AppError> {
    guard(&Role::ALL, |state, user| ssr::page(state, user, account, filter, before, after)).await
}

/// One call of an account, under the same rule as [`logs_page`].
#[server(endpoint = "logs/entry")]
pub async fn log_entry_detail(account: Option<i64>, id: i64) -> Result<CallDetail, AppError> {
    guard(&Role::ALL, |state, user| ssr::entry(state, user, account, id)).await
}

/// The usage of an account over the last 30 days, under the same rule as its logs.
#[server(endpoint = "logs/usage")]
pub async fn usage_last_30_days(account: Option<i64>) -> Result<Usage, AppError> {
    guard(&Role::ALL, |state, user| ssr::usage(state, user, account)).await
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

//! API Logs: the table of an account's calls and the detail of one call, for the
//! customer and, behind a grant, for Customer Support. The same components serve both.

mod detail;
mod pages;
mod table;
mod usage;

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use detail::LogDetail;
pub use pages::{CustomerLogDetailPage, CustomerLogsPage};
pub use table::{LogsError, LogsTable};
pub use usage::{Usage, UsageChart, UsageDay};

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

/// A class of status codes to filter on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusClass {
    Success,
    ClientError,
    ServerError,
    /// Every 4xx and 5xx.
    Errors,
}

impl StatusClass {
    pub const ALL: [StatusClass; 4] = [
        StatusClass::Success,
        StatusClass::ClientError,
        StatusClass::ServerError,
        StatusClass::Errors,
    ];

    /// Its name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
            StatusClass::Errors => "errors",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx success",
            StatusClass::ClientError => "4xx client errors",
            StatusClass::ServerError => "5xx server errors",
            StatusClass::Errors => "All errors",
        }
    }

    /// The lowest and highest status in the class.
    pub fn range(self) -> (i32, i32) {
        match self {
            StatusClass::Success => (200, 299),
            StatusClass::ClientError => (400, 499),
            StatusClass::ServerError => (500, 599),
            StatusClass::Errors => (400, 599),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        StatusClass::ALL.into_iter().find(|class| class.as_str() == name)
    }
}

/// Which calls the table shows. Every part is optional; they all must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilter {
    pub status: Option<StatusClass>,
    /// Exact HTTP method, e.g. `POST`.
    pub method: Option<String>,
    /// Exact endpoint path, e.g. `/v1/pdf/merge`.
    pub endpoint: Option<String>,
    pub request_id: Option<String>,
    /// Text anywhere in the request or response body (any case).
    pub search: Option<String>,
}

/// The URL query parameters of a filter, in a fixed order.
pub const FILTER_PARAMS: [&str; 5] = ["status", "method", "endpoint", "request_id", "q"];

impl LogFilter {
    /// The filter named by a URL's query; unknown or empty values are ignored.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        LogFilter {
            status: get("status").as_deref().and_then(StatusClass::parse),
            method: text("method").map(|m| m.to_uppercase()),
            endpoint: text("endpoint"),
            request_id: text("request_id"),
            search: text("q"),
        }
    }

    /// `(name, value)` for each part that is set, as in [`FILTER_PARAMS`].
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let values = [
            self.status.map(|s| s.as_str().to_owned()),
            self.method.clone(),
            self.endpoint.clone(),
            self.request_id.clone(),
            self.search.clone(),
        ];
        FILTER_PARAMS.into_iter().zip(values).filter_map(|(k, v)| Some((k, v?))).collect()
    }

    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
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

/// A page of an account's calls that match `filter`. Customers read their own account (`account` is
/// theirs or absent); support agents the account they name, while a grant is in force.
#[server(endpoint = "logs/page")]
pub async fn logs_page(
    account: Option<i64>,
    #[server(default)] filter: LogFilter,
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
    let page = reader.state.store.log_page(reader.account_id, &filter, from, PAGE_SIZE).await?;
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

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn a_filter_round_trips_through_the_url() {
        let query = [("status", "errors"), ("method", "post"), ("q", "  invoice "), ("x", "y")];
        let get = |name: &str| query.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        let filter = LogFilter::from_query(get);
        assert_eq!(
            filter,
            LogFilter {
                status: Some(StatusClass::Errors),
                method: Some("POST".into()),
                search: Some("invoice".into()),
                ..LogFilter::default()
            }
        );
        let back = filter.to_query();
        assert_eq!(
            back,
            vec![("status", "errors".into()), ("method", "POST".into()), ("q", "invoice".into())]
        );
        let unknown = LogFilter::from_query(|name| (name == "status").then(|| "3xx".to_owned()));
        assert!(unknown.is_empty());
    }
}

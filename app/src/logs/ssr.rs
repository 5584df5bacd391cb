//! The server side of the logs' server functions: plain functions of the app's state
//! and a caller the guard has let through, so that tests call them without HTTP.

use chrono::{NaiveDate, TimeDelta};

use super::{
    curl, usage::DAYS, AccountOverview, CallDetail, DailyUsage, LogEntry, LogFilter, LogPage,
    PageFrom, Usage, UsageDay, PAGE_SIZE,
};
use crate::{
    auth::User,
    error::AppError,
    state::AppState,
    support_access::{
        ssr::{reader_for, status_from},
        AccessAction, AccessDetail,
    },
};

/// The customer's own account: its name and calls, 30 days of usage (from the
/// rollups: a few rows, however many calls) and Support's access, in one read.
pub async fn summary(state: AppState, user: User) -> Result<AccountOverview, AppError> {
    let reader = reader_for(state, user, None).await?;
    let (state, account_id) = (&reader.state, reader.account_id);
    let (today, first) = chart_days(state);
    let account = state.store.account_overview_rows(account_id, first).await?;
    let account = account.ok_or(AppError::NotFound)?;
    let usage = Usage::from_days(today, &usage_days(account.days));
    let access = status_from(account.latest_grant, account.latest_request, state.clock.now());
    Ok(AccountOverview { account_name: account.name, calls: account.calls, usage, access })
}

/// A page of the account's calls that match `filter`, from the cursor in `before` or
/// `after` (the newest without either). A support agent's read is an access event.
pub async fn page(
    state: AppState,
    user: User,
    account: Option<i64>,
    filter: LogFilter,
    before: Option<String>,
    after: Option<String>,
) -> Result<LogPage, AppError> {
    filter.check()?;
    let from = match (before, after) {
        (Some(cursor), _) => PageFrom::Older(cursor.parse()?),
        (None, Some(cursor)) => PageFrom::Newer(cursor.parse()?),
        (None, None) => PageFrom::Newest,
    };
    let reader = reader_for(state, user, account).await?;
    let page = reader.state.store.log_page(reader.account_id, &filter, from, PAGE_SIZE).await?;
    let detail = AccessDetail { filter: filter.query_string(), ..AccessDetail::default() };
    reader.record(AccessAction::ViewLogs, None, detail).await?;
    Ok(page)
}

/// One call of the account, with its cURL command.
pub async fn entry(
    state: AppState,
    user: User,
    account: Option<i64>,
    id: i64,
) -> Result<CallDetail, AppError> {
    let reader = reader_for(state, user, account).await?;
    let entry = reader.state.store.log_entry(reader.account_id, id).await?;
    let entry = entry.ok_or(AppError::NotFound)?;
    let detail = AccessDetail {
        request_id: Some(entry.call.request_id.clone()),
        endpoint: Some(entry.call.endpoint.clone()),
        ..AccessDetail::default()
    };
    reader.record(AccessAction::ViewEntry, Some(entry.id), detail).await?;
    Ok(call_detail(entry, &reader.state.api_url))
}

/// A call as its page shows it, with its cURL command against `api_url`.
pub(crate) fn call_detail(entry: LogEntry, api_url: &str) -> CallDetail {
    let curl = curl::curl_command(&entry.call, api_url);
    CallDetail { entry, curl }
}

/// The account's calls and credits per UTC day over the last [`DAYS`] days.
pub async fn usage(state: AppState, user: User, account: Option<i64>) -> Result<Usage, AppError> {
    let reader = reader_for(state, user, account).await?;
    let usage = last_30_days(&reader.state, reader.account_id).await?;
    reader.record(AccessAction::ViewUsage, None, AccessDetail::default()).await?;
    Ok(usage)
}

/// The account's usage over the last [`DAYS`] UTC days.
async fn last_30_days(state: &AppState, account_id: i64) -> Result<Usage, AppError> {
    let (today, first) = chart_days(state);
    let rows = state.store.daily_usage(account_id, first).await?;
    Ok(Usage::from_days(today, &usage_days(rows)))
}

/// Today and the chart's first day, in UTC.
fn chart_days(state: &AppState) -> (NaiveDate, NaiveDate) {
    let today = state.clock.now().date_naive();
    (today, today - TimeDelta::days(DAYS - 1))
}

fn usage_days(rows: Vec<DailyUsage>) -> Vec<UsageDay> {
    rows.into_iter()
        .map(|row| UsageDay {
            day: row.day,
            calls: row.calls,
            credits: row.credits,
            client_errors: row.client_errors,
            server_errors: row.server_errors,
        })
        .collect()
}

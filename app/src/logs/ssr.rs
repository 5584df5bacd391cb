//! The server side of the logs' server functions: plain functions of the app's state
//! and a caller the guard has let through, so that tests call them without HTTP.

use chrono::{NaiveDate, TimeDelta};

use super::{
    curl, limited_grant::LimitsAsked, usage::DAYS, AccountOverview, CallDetail, DailyUsage,
    LogEntry, LogFilter, LogPage, PageFrom, Usage, UsageDay, PAGE_SIZE,
};
use crate::{
    auth::User,
    error::AppError,
    state::AppState,
    support_access::{
        self,
        ssr::{reader_for, status_from},
        AccessAction, AccessDetail, AccessStatus, Grantees, Scope, MAX_SCOPE_CALLS,
        MAX_SCOPE_ENDPOINTS,
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
    let (store, scope) = (&reader.state.store, &reader.scope);
    let detail = AccessDetail { filter: filter.query_string(), ..AccessDetail::default() };
    // An agent's read is recorded while the page is read: neither is shown before both
    // are done, and the agent waits for the slower (the record's sync to disk), not the sum.
    let (page, ()) = tokio::try_join!(
        async { Ok(store.log_page(reader.account_id, scope, &filter, from, PAGE_SIZE).await?) },
        reader.record(AccessAction::ViewLogs, None, detail),
    )?;
    Ok(page)
}

/// One call of the account, with its cURL command. A call outside an agent's grant is
/// refused as one that does not exist is.
pub async fn entry(
    state: AppState,
    user: User,
    account: Option<i64>,
    id: i64,
) -> Result<CallDetail, AppError> {
    let reader = reader_for(state, user, account).await?;
    let entry = reader.state.store.log_entry(reader.account_id, &reader.scope, id).await?;
    let outside =
        if reader.scope.is_everything() { AppError::NotFound } else { AppError::OutsideGrant };
    let entry = entry.ok_or(outside)?;
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

/// The account's calls and credits per UTC day over the last [`DAYS`] days: of the
/// calls in the reader's scope.
pub async fn usage(state: AppState, user: User, account: Option<i64>) -> Result<Usage, AppError> {
    let reader = reader_for(state, user, account).await?;
    let (usage, ()) = tokio::try_join!(
        last_30_days(&reader.state, reader.account_id, &reader.scope),
        reader.record(AccessAction::ViewUsage, None, AccessDetail::default()),
    )?;
    Ok(usage)
}

/// The account's usage over the last [`DAYS`] UTC days, from the rollups unless
/// `scope` narrows it.
async fn last_30_days(state: &AppState, account_id: i64, scope: &Scope) -> Result<Usage, AppError> {
    let (today, first) = chart_days(state);
    let rows = match scope.is_everything() {
        true => state.store.daily_usage(account_id, first).await?,
        false => state.store.scoped_daily_usage(account_id, scope, first).await?,
    };
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

/// Grants Support access to the customer's calls within `asked`, which must name some
/// limit: a grant of every call is the banner's link.
pub async fn grant_limited(
    state: AppState,
    customer: User,
    everyone: bool,
    asked: LimitsAsked,
) -> Result<AccessStatus, AppError> {
    let account_id = customer.account_id.ok_or(AppError::Forbidden)?;
    let scope = scope_asked(&state, account_id, asked).await?;
    if scope.is_everything() {
        return Err(AppError::Invalid(
            "Choose which calls: a time range, errors only, endpoints or calls ticked in the \
             table."
                .into(),
        ));
    }
    let grantees = if everyone { Grantees::Everyone } else { Grantees::AskingAgent };
    support_access::ssr::grant(state, customer, grantees, scope).await
}

/// The scope a grant form asks for, checked: a time range as the filter reads one (in
/// UTC), endpoints as a filter names one, and calls that are the account's own.
async fn scope_asked(
    state: &AppState,
    account_id: i64,
    asked: LimitsAsked,
) -> Result<Scope, AppError> {
    let range = LogFilter::from_query(|name| match name {
        "from" => asked.from.clone(),
        "to" => asked.to.clone(),
        _ => None,
    })?;
    // Each list stops at its bound: a form of a million lines costs no more than one
    // just past it.
    let mut endpoints: Vec<String> = Vec::new();
    for line in asked.endpoints.iter().flat_map(|text| text.lines()) {
        let endpoint = line.trim();
        if endpoint.is_empty() || endpoints.iter().any(|known| known == endpoint) {
            continue;
        }
        LogFilter { endpoint: Some(endpoint.to_owned()), ..LogFilter::default() }.check()?;
        endpoints.push(endpoint.to_owned());
        if endpoints.len() > MAX_SCOPE_ENDPOINTS {
            return Err(AppError::Invalid(format!(
                "Name at most {MAX_SCOPE_ENDPOINTS} endpoints."
            )));
        }
    }
    let mut ids = Vec::new();
    for id in asked.calls.iter().flat_map(|text| text.split(',')).map(str::trim) {
        if id.is_empty() {
            continue;
        }
        let id: i64 = id.parse().map_err(|_| {
            let shown: String = id.chars().take(40).collect();
            AppError::Invalid(format!("{shown:?} is not a call."))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
        if ids.len() > MAX_SCOPE_CALLS {
            return Err(AppError::Invalid(format!("Choose at most {MAX_SCOPE_CALLS} calls.")));
        }
    }
    let calls = state.store.chosen_calls(account_id, &ids).await?;
    if calls.len() != ids.len() {
        return Err(AppError::Invalid(
            "Some of the calls chosen are not your account's, or are no longer kept.".into(),
        ));
    }
    Ok(Scope {
        since: range.since,
        until: range.until,
        errors_only: asked.errors_only,
        endpoints,
        calls,
    })
}

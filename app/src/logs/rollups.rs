//! The calls of each account per UTC day (`usage_days`), kept in the transaction that
//! writes or deletes the calls: the summary and the chart read one row a day, however
//! many calls there are.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{query::Query, Database, Encode, Type};

use crate::store::{with_pool, Store, StoreError};

/// What some calls add to (or, deleted, take from) one account's day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub calls: i64,
    pub credits: i64,
    pub client_errors: i64,
    pub server_errors: i64,
}

/// Calls by (account, UTC day).
pub type Tallies = BTreeMap<(i64, NaiveDate), Tally>;

/// Counts a call, of `account` at `at` with `status` and `credits`, into `tallies`;
/// `sign` -1 for a call deleted.
pub fn count(
    tallies: &mut Tallies,
    sign: i64,
    (account, at, status, credits): (i64, DateTime<Utc>, i32, i32),
) {
    let tally = tallies.entry((account, at.date_naive())).or_default();
    tally.calls += sign;
    tally.credits += sign * i64::from(credits);
    tally.client_errors += sign * i64::from((400..500).contains(&status));
    tally.server_errors += sign * i64::from(status >= 500);
}

/// The statement that adds a day's tally to its row, creating it if need be.
pub fn apply<'q, DB>(
    account: i64,
    day: NaiveDate,
    tally: Tally,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    NaiveDate: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(
        "INSERT INTO usage_days (account_id, day, calls, credits, client_errors, server_errors) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, day) DO UPDATE SET \
         calls = usage_days.calls + excluded.calls, \
         credits = usage_days.credits + excluded.credits, \
         client_errors = usage_days.client_errors + excluded.client_errors, \
         server_errors = usage_days.server_errors + excluded.server_errors",
    )
    .bind(account)
    .bind(day)
    .bind(tally.calls)
    .bind(tally.credits)
    .bind(tally.client_errors)
    .bind(tally.server_errors)
}

/// One account's day.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DailyUsage {
    pub day: NaiveDate,
    pub calls: i64,
    pub credits: i64,
    pub client_errors: i64,
    pub server_errors: i64,
}

impl Store {
    /// The account's days from `since` on, by day; days without calls are absent.
    pub async fn daily_usage(
        &self,
        account_id: i64,
        since: NaiveDate,
    ) -> Result<Vec<DailyUsage>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT day, calls, credits, client_errors, server_errors FROM usage_days \
                 WHERE account_id = $1 AND day >= $2 AND calls > 0 ORDER BY day",
            )
            .bind(account_id)
            .bind(since)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The account's name and its calls, all told, in one read; `None` without such an
    /// account.
    pub async fn account_calls(
        &self,
        account_id: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.name, CAST(COALESCE((SELECT SUM(u.calls) FROM usage_days u \
                 WHERE u.account_id = a.id), 0) AS BIGINT) FROM accounts a WHERE a.id = $1",
            )
            .bind(account_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The account's calls, all told.
    pub async fn log_entry_count(&self, account_id: i64) -> Result<i64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) FROM usage_days \
                 WHERE account_id = $1",
            )
            .bind(account_id)
            .fetch_one(pool)
            .await?
        }))
    }
}

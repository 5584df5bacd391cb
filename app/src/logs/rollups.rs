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

/// An account's name, calls all told, and some of its days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountUsage {
    pub name: String,
    pub calls: i64,
    pub days: Vec<DailyUsage>,
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

    /// The account's name, its calls all told and its days from `since` on (days
    /// without calls absent), in one read: what `/logs` shows above its table. `None`
    /// without such an account.
    pub async fn account_usage(
        &self,
        account_id: i64,
        since: NaiveDate,
    ) -> Result<Option<AccountUsage>, StoreError> {
        // A day's columns are NULL for an account without days (the outer join).
        #[derive(sqlx::FromRow)]
        struct Row {
            name: String,
            total: i64,
            day: Option<NaiveDate>,
            calls: Option<i64>,
            credits: Option<i64>,
            client_errors: Option<i64>,
            server_errors: Option<i64>,
        }
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.name, CAST(COALESCE((SELECT SUM(t.calls) FROM usage_days t \
                 WHERE t.account_id = $1), 0) AS BIGINT) AS total, u.day, u.calls, u.credits, \
                 u.client_errors, u.server_errors FROM accounts a LEFT JOIN usage_days u \
                 ON u.account_id = a.id AND u.day >= $2 AND u.calls > 0 WHERE a.id = $1 \
                 ORDER BY u.day",
            )
            .bind(account_id)
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        let Some(first) = rows.first() else { return Ok(None) };
        let (name, calls) = (first.name.clone(), first.total);
        let days = rows
            .into_iter()
            .filter_map(|row| {
                Some(DailyUsage {
                    day: row.day?,
                    calls: row.calls?,
                    credits: row.credits?,
                    client_errors: row.client_errors?,
                    server_errors: row.server_errors?,
                })
            })
            .collect();
        Ok(Some(AccountUsage { name, calls, days }))
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

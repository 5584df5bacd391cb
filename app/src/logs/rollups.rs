//! The calls of each account per UTC day (`usage_days`), kept in the transaction that
//! writes or deletes the calls: the summary and the chart read one row a day, however
//! many calls there are.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{query::Query, Database, Encode, QueryBuilder, Type};

use super::{store::push_conditions, LogFilter};
use crate::{
    store::{with_pool, Store, StoreError},
    support_access::{
        AccessRequest, Grant, LatestAccessRow, Scope, LATEST_ACCESS_COLUMNS, LATEST_ACCESS_JOINS,
    },
};

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

/// What `/logs` shows above its table, read at once: the account's name, its calls
/// all told, some of its days, and its latest grant and request (whether either is in
/// force is the caller's to decide, by the clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountOverviewRows {
    pub name: String,
    pub calls: i64,
    pub days: Vec<DailyUsage>,
    pub latest_grant: Option<Grant>,
    pub latest_request: Option<AccessRequest>,
}

/// A day of [`Store::account_overview_rows`]'s text: `day,calls,credits,4xx,5xx`.
fn daily_usage(text: &str) -> Result<DailyUsage, StoreError> {
    let malformed = || StoreError::Query(sqlx::Error::Decode(format!("day {text:?}").into()));
    let mut fields = text.split(',');
    let day = fields.next().and_then(iso_date).ok_or_else(malformed)?;
    let mut number = || fields.next().and_then(|n| n.parse::<i64>().ok()).ok_or_else(malformed);
    Ok(DailyUsage {
        day,
        calls: number()?,
        credits: number()?,
        client_errors: number()?,
        server_errors: number()?,
    })
}

/// `2026-11-29` as a date: the one form both databases write a day in. (chrono's
/// format-string parser took a tenth of `/logs`'s summary for the 30 days.)
fn iso_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let mut part = |digits: usize| {
        let part = parts.next().filter(|part| part.len() == digits)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse::<u32>().ok())?
    };
    let (year, month, day) = (part(4)?, part(2)?, part(2)?);
    match parts.next() {
        None => NaiveDate::from_ymd_opt(year.try_into().ok()?, month, day),
        Some(_) => None,
    }
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

    /// [`Store::daily_usage`] of the calls in a narrow `scope` alone, which no rollup
    /// holds: counted by the database from the calls themselves, over the index of the
    /// account's calls by time (the scope's chosen calls each by their key).
    pub async fn scoped_daily_usage(
        &self,
        account_id: i64,
        scope: &Scope,
        since: NaiveDate,
    ) -> Result<Vec<DailyUsage>, StoreError> {
        let day = match self {
            Store::Sqlite(..) => "substr(e.occurred_at, 1, 10)",
            Store::Postgres(..) => "(e.occurred_at AT TIME ZONE 'UTC')::date",
        };
        let first = since.and_time(NaiveTime::MIN).and_utc();
        Ok(with_pool!(self, pool => {
            let mut query = QueryBuilder::new(format!(
                "SELECT {day} AS day, count(*) AS calls, sum(e.credits) AS credits, \
                 sum(CASE WHEN e.status BETWEEN 400 AND 499 THEN 1 ELSE 0 END) AS client_errors, \
                 sum(CASE WHEN e.status >= 500 THEN 1 ELSE 0 END) AS server_errors \
                 FROM log_entries e"
            ));
            let filter = LogFilter { since: Some(first), ..LogFilter::default() };
            push_conditions(&mut query, account_id, scope, &filter, self.like());
            query.push(format!(" GROUP BY {day} ORDER BY {day}"));
            query.build_query_as().fetch_all(pool).await?
        }))
    }

    /// The account's name, its calls all told, its days from `since` on (days without
    /// calls absent), its latest grant and its latest request, in one statement: two
    /// round trips fewer than each on its own, for the page opened most. `None` without
    /// such an account.
    pub async fn account_overview_rows(
        &self,
        account_id: i64,
        since: NaiveDate,
    ) -> Result<Option<AccountOverviewRows>, StoreError> {
        // One row: sqlx copies every value of every row it reads, and a row a day with
        // the grant and request beside it cost more than the table's page. The days come
        // as one text, `day,calls,credits,4xx,5xx;…`, in no order: ordered in the
        // aggregate, SQLite builds a temporary B-tree for the 30 days at every read.
        #[derive(sqlx::FromRow)]
        struct Row {
            name: String,
            total: i64,
            days: Option<String>,
            #[sqlx(flatten)]
            access: LatestAccessRow,
        }
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT a.name, CAST(COALESCE((SELECT SUM(t.calls) FROM usage_days t \
                 WHERE t.account_id = $1), 0) AS BIGINT) AS total, \
                 (SELECT string_agg(u.day || ',' || u.calls || ',' || u.credits || ',' || \
                   u.client_errors || ',' || u.server_errors, ';') \
                   FROM usage_days u WHERE u.account_id = a.id AND u.day >= $2 \
                   AND u.calls > 0) AS days, \
                 {LATEST_ACCESS_COLUMNS} FROM accounts a {LATEST_ACCESS_JOINS} WHERE a.id = $1",
            ))
            .bind(account_id)
            .bind(since)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let (latest_grant, latest_request) = row.access.into_parts(account_id)?;
        let mut days: Vec<DailyUsage> = match row.days.as_deref() {
            None | Some("") => Vec::new(),
            Some(days) => days.split(';').map(daily_usage).collect::<Result<_, _>>()?,
        };
        days.sort_unstable_by_key(|day| day.day);
        let (name, calls) = (row.name, row.total);
        Ok(Some(AccountOverviewRows { name, calls, days, latest_grant, latest_request }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_the_databases_write_them_and_nothing_else() {
        let day = daily_usage("2026-11-29,12,30,2,1").unwrap();
        let expected = DailyUsage {
            day: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            calls: 12,
            credits: 30,
            client_errors: 2,
            server_errors: 1,
        };
        assert_eq!(day, expected);
        for bad in [
            "2026-11-31,1,1,0,0",
            "2026-1-29,1,1,0,0",
            "2026-11-29-1,1,1,0,0",
            "+202-11-29,1,1,0,0",
            "2026-11-29,1,1,0",
            "2026-11-29,x,1,0,0",
            "",
        ] {
            assert!(daily_usage(bad).is_err(), "{bad:?}");
        }
    }
}

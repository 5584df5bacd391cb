//! The calls' tables by UTC week on PostgreSQL (`log_entries_YYYYMMDD` after the week's
//! Monday, partitions of `log_entries`, see its migrations): made ahead of the calls by
//! the jobs, made on demand for a write that meets a week without one, and dropped
//! whole once the week is past retention. SQLite keeps one table, and its retention
//! deletes rows.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use sqlx::PgPool;

use crate::store::{Store, StoreError};

/// The Monday of `day`'s week.
fn monday(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(day.weekday().num_days_from_monday().into())
}

/// The name of the table of the week from `monday`.
fn table(monday: NaiveDate) -> String {
    format!("log_entries_{}", monday.format("%Y%m%d"))
}

/// Whether a write failed for want of a week's table.
pub(super) fn missing_week(error: &StoreError) -> bool {
    // check_violation, which PostgreSQL also raises for "no partition of relation".
    matches!(error, StoreError::Query(sqlx::Error::Database(db))
        if db.code().as_deref() == Some("23514") && db.message().contains("no partition"))
}

impl Store {
    /// Makes the tables of the weeks of `days` unless they exist (PostgreSQL; nothing on
    /// SQLite).
    pub async fn make_call_weeks(
        &self,
        days: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<(), StoreError> {
        if let Store::Postgres(pool, _) = self {
            let mut mondays: Vec<NaiveDate> = days.into_iter().map(monday).collect();
            mondays.sort();
            mondays.dedup();
            for monday in mondays {
                sqlx::query("SELECT log_entries_week($1)").bind(monday).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Makes the tables of the weeks from `now`'s to `ahead` later, so that no call
    /// written meanwhile waits for its table.
    pub async fn make_call_weeks_ahead(
        &self,
        now: DateTime<Utc>,
        ahead: TimeDelta,
    ) -> Result<(), StoreError> {
        let (first, last) = (now.date_naive(), (now + ahead).date_naive());
        self.make_call_weeks(first.iter_weeks().take_while(|day| monday(*day) <= last)).await
    }

    /// Whether retention drops whole weeks of calls ([`Store::drop_call_weeks_before`])
    /// rather than deleting calls.
    pub fn keeps_calls_by_week(&self) -> bool {
        matches!(self, Store::Postgres(..))
    }

    /// Drops the tables of the weeks that ended by `cutoff`, with their rollups; returns
    /// how many calls went. Each week in a transaction of its own, under the lock that
    /// makes tables: an instance that comes second finds the week gone and counts
    /// nothing. Calls of the week `cutoff` falls in stay until that week ends.
    pub async fn drop_call_weeks_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let Store::Postgres(pool, _) = self else {
            return Ok(0);
        };
        let mut dropped = 0;
        for monday in call_weeks(pool).await? {
            if monday + TimeDelta::weeks(1) <= cutoff.date_naive() {
                dropped += drop_week(pool, monday).await?;
            }
        }
        Ok(dropped)
    }
}

/// The Mondays of the weeks that have a table, oldest first.
async fn call_weeks(pool: &PgPool) -> Result<Vec<NaiveDate>, StoreError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname::TEXT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'log_entries'::regclass",
    )
    .fetch_all(pool)
    .await?;
    let mut mondays: Vec<NaiveDate> = names
        .iter()
        .filter_map(|(name,)| name.strip_prefix("log_entries_"))
        .filter_map(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .collect();
    mondays.sort();
    Ok(mondays)
}

async fn drop_week(pool: &PgPool, monday: NaiveDate) -> Result<u64, StoreError> {
    let name = table(monday);
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('log_entries partitions'))")
        .execute(&mut *tx)
        .await?;
    let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
        .bind(&name)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        tx.rollback().await?;
        return Ok(0);
    }
    // The name is made here from a date: nothing to quote.
    let (calls,): (i64,) =
        sqlx::query_as(&format!("SELECT count(*) FROM {name}")).fetch_one(&mut *tx).await?;
    sqlx::query(&format!("DROP TABLE {name}")).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM usage_days WHERE day >= $1 AND day < $2")
        .bind(monday)
        .bind(monday + TimeDelta::weeks(1))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(calls as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_starts_on_its_monday() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(monday(day(23)), day(23), "a Monday");
        assert_eq!(monday(day(29)), day(23), "a Sunday");
        assert_eq!(monday(day(1)), NaiveDate::from_ymd_opt(2026, 10, 26).unwrap());
        assert_eq!(table(monday(day(26))), "log_entries_20261123");
    }
}

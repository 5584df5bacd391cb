//! The calls' tables by UTC day on PostgreSQL (`log_entries_YYYYMMDD`, partitions of
//! `log_entries`, see its migration): made ahead of the calls by the jobs, made on
//! demand for a write that meets a day without one, and dropped whole once the day is
//! past retention. SQLite keeps one table, and its retention deletes rows.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::PgPool;

use crate::store::{Store, StoreError};

/// The name of a day's table.
fn table(day: NaiveDate) -> String {
    format!("log_entries_{}", day.format("%Y%m%d"))
}

/// Whether a write failed for want of a day's table.
pub(super) fn missing_day(error: &StoreError) -> bool {
    // check_violation, which PostgreSQL also raises for "no partition of relation".
    matches!(error, StoreError::Query(sqlx::Error::Database(db))
        if db.code().as_deref() == Some("23514") && db.message().contains("no partition"))
}

impl Store {
    /// Makes the tables of `days` unless they exist (PostgreSQL; nothing on SQLite).
    pub async fn make_call_days(
        &self,
        days: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<(), StoreError> {
        if let Store::Postgres(pool) = self {
            for day in days {
                sqlx::query("SELECT log_entries_day($1)").bind(day).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Makes the tables of the days from `now`'s to `ahead` later, so that no call
    /// written meanwhile waits for its table.
    pub async fn make_call_days_ahead(
        &self,
        now: DateTime<Utc>,
        ahead: TimeDelta,
    ) -> Result<(), StoreError> {
        let (first, last) = (now.date_naive(), (now + ahead).date_naive());
        self.make_call_days(first.iter_days().take_while(|day| *day <= last)).await
    }

    /// Whether retention drops whole days of calls ([`Store::drop_call_days_before`])
    /// rather than deleting calls.
    pub fn keeps_calls_by_day(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Drops the tables of the days that ended by `cutoff`, with their rollups; returns
    /// how many calls went. Each day in a transaction of its own, under the lock that
    /// makes tables: an instance that comes second finds the day gone and counts
    /// nothing. Calls of the day `cutoff` falls in stay until that day ends.
    pub async fn drop_call_days_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let Store::Postgres(pool) = self else {
            return Ok(0);
        };
        let mut dropped = 0;
        for day in call_days(pool).await? {
            if day.succ_opt().is_some_and(|next| next <= cutoff.date_naive()) {
                dropped += drop_day(pool, day).await?;
            }
        }
        Ok(dropped)
    }
}

/// The days that have a table, oldest first.
async fn call_days(pool: &PgPool) -> Result<Vec<NaiveDate>, StoreError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname::TEXT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'log_entries'::regclass",
    )
    .fetch_all(pool)
    .await?;
    let mut days: Vec<NaiveDate> = names
        .iter()
        .filter_map(|(name,)| name.strip_prefix("log_entries_"))
        .filter_map(|day| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .collect();
    days.sort();
    Ok(days)
}

async fn drop_day(pool: &PgPool, day: NaiveDate) -> Result<u64, StoreError> {
    let name = table(day);
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
    sqlx::query("DELETE FROM usage_days WHERE day = $1").bind(day).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(calls as u64)
}

//! Work that happens by time alone, whether or not anyone visits: each grant's expiry
//! and each unanswered request's lapse is recorded in the audit trail; spent sessions,
//! sign-in failures, calls and access events past their retention, and settled notices
//! are removed; on PostgreSQL the calls' tables of the coming weeks are made. Every step
//! is idempotent, so any number of instances may run it at once.

use std::{future::Future, sync::Arc, time::Duration};

use app::{
    auth::ssr::FAILURE_WINDOW,
    clock::Clock,
    store::{Store, StoreError},
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::metrics::METRICS;

/// How far ahead the calls' tables by week are made (PostgreSQL), so that a week's
/// first calls never wait for theirs; the housekeeping that makes them runs hourly.
const WEEKS_AHEAD: TimeDelta = TimeDelta::days(7);

/// How often expiries are looked for (they are recorded at the instant they happened).
const TICK: Duration = Duration::from_secs(5);
/// Housekeeping every this many ticks (an hour).
const HOUSEKEEPING_EVERY: u32 = 720;

/// Calls deleted per statement, with a pause between, so retention never holds locks
/// (or the SQLite writer) for long and requests go on meanwhile.
const PURGE_BATCH: i64 = 5_000;
const PURGE_PAUSE: Duration = Duration::from_millis(20);

/// How long the outbox keeps a notice once all its deliveries are settled (delivered,
/// or given up), for the deliveries' history.
const NOTICES_KEPT: TimeDelta = TimeDelta::days(30);

/// How long what is recorded is kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    pub calls: TimeDelta,
    /// At least a year: the database refuses to delete younger access events.
    pub access_history: TimeDelta,
}

pub fn spawn(store: Store, clock: Arc<dyn Clock>, retention: Retention) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        for tick in 0_u32.. {
            ticks.tick().await;
            let now = clock.now();
            match store.record_expiries(now).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "recorded expired support grants"),
                Err(error) => tracing::warn!(%error, "could not record expired grants"),
            }
            match store.record_lapses(now).await {
                Ok(0) => {}
                Ok(lapsed) => tracing::info!(lapsed, "recorded lapsed access requests"),
                Err(error) => tracing::warn!(%error, "could not record lapsed requests"),
            }
            if tick % HOUSEKEEPING_EVERY == 0 {
                if let Err(error) = store.make_call_weeks_ahead(now, WEEKS_AHEAD).await {
                    tracing::warn!(%error, "could not make the tables of the coming weeks");
                }
                if let Err(error) = store.delete_expired_sessions(now).await {
                    tracing::warn!(%error, "could not remove expired sessions");
                }
                if let Err(error) = store.delete_sign_in_failures_before(now - FAILURE_WINDOW).await
                {
                    tracing::warn!(%error, "could not remove old sign-in failures");
                }
                match purge_calls(&store, now - retention.calls).await {
                    Ok(0) => {}
                    Ok(purged) => {
                        METRICS.purged_rows.add("calls", purged);
                        tracing::info!(purged, "deleted calls past their retention");
                    }
                    Err(error) => tracing::warn!(%error, "could not delete calls past retention"),
                }
                let cutoff = now - retention.access_history;
                match in_batches(|| store.purge_access_events(cutoff, PURGE_BATCH)).await {
                    Ok(0) => {}
                    Ok(purged) => {
                        METRICS.purged_rows.add("access_events", purged);
                        tracing::info!(purged, "deleted access events past retention");
                    }
                    Err(error) => tracing::warn!(%error, "could not delete old access events"),
                }
                let cutoff = now - NOTICES_KEPT;
                match in_batches(|| store.purge_notices(cutoff, PURGE_BATCH)).await {
                    Ok(0) => {}
                    Ok(purged) => {
                        METRICS.purged_rows.add("notices", purged);
                        tracing::info!(purged, "deleted settled notices");
                    }
                    Err(error) => tracing::warn!(%error, "could not delete settled notices"),
                }
            }
        }
    });
}

/// Deletes every call from before `cutoff`: on PostgreSQL the tables of the weeks that
/// ended by then, whole (the week `cutoff` falls in goes when it has ended); on SQLite
/// account by account, in bounded batches.
pub async fn purge_calls(store: &Store, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
    if store.keeps_calls_by_week() {
        return store.drop_call_weeks_before(cutoff).await;
    }
    let mut purged = 0;
    for account in store.account_ids().await? {
        purged += in_batches(|| store.purge_log_entries(account, cutoff, PURGE_BATCH)).await?;
    }
    Ok(purged)
}

/// Runs `delete`, which deletes at most [`PURGE_BATCH`] rows, until a batch comes back
/// short, pausing between batches; returns how many rows went.
async fn in_batches<F: Future<Output = Result<u64, StoreError>>>(
    mut delete: impl FnMut() -> F,
) -> Result<u64, StoreError> {
    let mut purged = 0;
    loop {
        let deleted = delete().await?;
        purged += deleted;
        if deleted < PURGE_BATCH as u64 {
            return Ok(purged);
        }
        tokio::time::sleep(PURGE_PAUSE).await;
    }
}

#[cfg(test)]
mod tests {
    use app::{
        logs::{Call, NewLogEntry},
        store::testing::TestDb,
    };

    use super::*;

    #[tokio::test]
    async fn retention_deletes_every_old_call_of_every_account_in_batches() {
        let db = TestDb::sqlite().await;
        let store = &db.store;
        let now = Utc::now();
        let cutoff = now - TimeDelta::days(90);
        let a = store.create_account("A", now).await.unwrap().id;
        let b = store.create_account("B", now).await.unwrap().id;
        // More than one batch for A.
        let mut calls: Vec<NewLogEntry> = (0..PURGE_BATCH as usize + 3)
            .map(|i| NewLogEntry::new(a, Call::sample(cutoff - TimeDelta::hours(1), i as i64)))
            .collect();
        calls.extend((0..2).map(|i| NewLogEntry::new(a, Call::sample(now, i))));
        calls.extend(
            (0..3).map(|i| NewLogEntry::new(b, Call::sample(cutoff - TimeDelta::days(400), i))),
        );
        store.insert_log_entries(&calls).await.unwrap();

        assert_eq!(purge_calls(store, cutoff).await.unwrap(), PURGE_BATCH as u64 + 6);
        assert_eq!(store.log_entry_count(a).await.unwrap(), 2);
        assert_eq!(store.log_entry_count(b).await.unwrap(), 0);
        assert_eq!(purge_calls(store, cutoff).await.unwrap(), 0);
    }
}

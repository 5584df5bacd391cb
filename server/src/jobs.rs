//! Work that happens by time alone, whether or not anyone visits: each grant's expiry
//! is recorded in the audit trail, and spent sessions and sign-in failures are removed.
//! Every step is idempotent, so any number of instances may run it at once.

use std::{sync::Arc, time::Duration};

use app::{auth::ssr::FAILURE_WINDOW, clock::Clock, store::Store};

/// How often expiries are looked for (they are recorded at the instant they happened).
const TICK: Duration = Duration::from_secs(5);
/// Housekeeping every this many ticks (an hour).
const HOUSEKEEPING_EVERY: u32 = 720;

pub fn spawn(store: Store, clock: Arc<dyn Clock>) {
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
            if tick % HOUSEKEEPING_EVERY == 0 {
                if let Err(error) = store.delete_expired_sessions(now).await {
                    tracing::warn!(%error, "could not remove expired sessions");
                }
                if let Err(error) = store.delete_sign_in_failures_before(now - FAILURE_WINDOW).await
                {
                    tracing::warn!(%error, "could not remove old sign-in failures");
                }
            }
        }
    });
}

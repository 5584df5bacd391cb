//! The outbox's worker: it writes each notice's deliveries ([`email`]) and delivers
//! them, at least once each, retrying with exponential back-off for about a day.
//! Several instances may run it on one PostgreSQL: notices and deliveries are claimed
//! with `SKIP LOCKED`, and a claimed delivery is leased, so that a killed instance's
//! work falls due again.

pub mod email;
mod mail;
mod webhook;

use std::{sync::Arc, time::Duration};

use app::{
    clock::Clock,
    notices::{Attempt, Channel, Delivery, NewDelivery, NoticeFacts},
    store::{Store, StoreError},
};
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use sha2::{Digest, Sha256};

pub use mail::Mailer;
pub use webhook::Webhooks;

/// How often the worker looks for work.
const TICK: Duration = Duration::from_secs(1);
/// Notices written, and deliveries attempted, per round.
const BATCH: i64 = 50;
/// How long an attempt may hold its delivery before another instance may try.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// Waits before each retry; after the last, the delivery is given up (about 23 h in all).
const BACK_OFF: [TimeDelta; 11] = [
    TimeDelta::seconds(30),
    TimeDelta::minutes(1),
    TimeDelta::minutes(2),
    TimeDelta::minutes(5),
    TimeDelta::minutes(10),
    TimeDelta::minutes(30),
    TimeDelta::hours(1),
    TimeDelta::hours(2),
    TimeDelta::hours(4),
    TimeDelta::hours(6),
    TimeDelta::hours(8),
];
/// When a grant's "ends in 24 hours" goes out.
pub const ENDING_NOTICE: TimeDelta = TimeDelta::hours(24);

/// Who gets told, and how.
pub struct Notices {
    /// The app's address as people reach it, for links: `https://logs.example.com`.
    pub public_url: String,
    /// `None`: no SMTP server, no email.
    pub mailer: Option<Mailer>,
    pub webhooks: Webhooks,
}

impl Notices {
    /// The deliveries a notice makes: emails (with an SMTP server), and a webhook call
    /// to each of the account's endpoints.
    fn write(&self, facts: &NoticeFacts) -> Vec<NewDelivery> {
        let mut deliveries = match &self.mailer {
            Some(_) => email::emails(facts, &self.public_url),
            None => Vec::new(),
        };
        deliveries.extend(webhook::deliveries(facts));
        deliveries
    }

    /// One round: announces grants about to end, writes the deliveries of the notices
    /// waiting, and attempts the deliveries due, batch after batch while batches come
    /// full: capped at one batch a round, the deliveries of a busy hour (each of the
    /// agents' reads, to each of the account's webhook endpoints) would fall behind by
    /// the minute. Returns the deliveries attempted.
    pub async fn run_once(&self, store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
        store.announce_endings(now, ENDING_NOTICE).await?;
        while store.fan_out(now, BATCH, |facts| self.write(facts)).await? == BATCH as usize {}
        let mut attempted = 0;
        loop {
            // Each attempt settles its delivery (or sets its retry later than `now`):
            // a delivery is attempted at most once a round.
            let due = store.claim_deliveries(now, now + LEASE, BATCH).await?;
            attempted += due.len();
            let attempts = due.iter().map(|delivery| self.attempt(store, delivery, now));
            let results = join_all(attempts).await;
            for (delivery, attempt) in due.iter().zip(results) {
                if let Attempt::Failed { error, retry_at, .. } = &attempt {
                    tracing::warn!(
                        message = delivery.message_id,
                        attempts = delivery.attempts,
                        error,
                        ?retry_at,
                        "a delivery failed"
                    );
                }
                store.settle_delivery(delivery.id, &attempt, now).await?;
            }
            if due.len() < BATCH as usize {
                return Ok(attempted);
            }
        }
    }

    async fn attempt(&self, store: &Store, delivery: &Delivery, now: DateTime<Utc>) -> Attempt {
        let sent = match (delivery.channel, &self.mailer) {
            (Channel::Email, Some(mailer)) => mailer.send(delivery).await,
            (Channel::Email, None) => Err(Failure::permanent("no SMTP server is configured")),
            (Channel::Webhook, _) => self.webhooks.send(store, delivery, now).await,
        };
        match sent {
            Ok(status) => Attempt::Delivered { status },
            Err(failure) => Attempt::Failed {
                retry_at: (!failure.permanent).then(|| retry_at(delivery.attempts, now)).flatten(),
                error: failure.error,
                status: failure.status,
            },
        }
    }
}

/// Why an attempt failed, and whether trying again could help.
pub struct Failure {
    pub error: String,
    pub status: Option<i32>,
    pub permanent: bool,
}

impl Failure {
    /// Trying again cannot help.
    pub fn permanent(error: impl Into<String>) -> Self {
        Failure { error: error.into(), status: None, permanent: true }
    }

    /// Trying again later may.
    pub fn transient(error: impl Into<String>) -> Self {
        Failure { error: error.into(), status: None, permanent: false }
    }
}

/// A delivery's id: the same for a notice and recipient however often it is written.
pub fn message_id(notice: i64, channel: &str, recipient: &str) -> String {
    let digest = Sha256::digest(recipient.as_bytes());
    format!("msg_{notice}_{channel}_{}", hex::encode(&digest[..8]))
}

/// When to try again after the `attempts`-th attempt failed; `None`: give up.
fn retry_at(attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let wait = *BACK_OFF.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    // Up to a tenth more, so that many deliveries failing together do not retry together.
    let jitter = wait.num_milliseconds() * i64::from(rand::random::<u8>()) / 2_550;
    Some(now + wait + TimeDelta::milliseconds(jitter))
}

/// Failed deliveries `apilogs outbox` lists.
const REPORTED: i64 = 20;

/// `apilogs outbox`: the outbox's counts, then the latest failures.
pub async fn report(store: &Store) -> anyhow::Result<()> {
    let state = store.outbox_state().await?;
    say!(
        "notices waiting: {}\ndeliveries pending: {}, delivered: {}, given up: {}",
        state.notices_waiting,
        state.pending,
        state.delivered,
        state.failed
    );
    for d in store.recent_deliveries(true, REPORTED).await? {
        let state = match (d.failed_at, d.delivered_at) {
            (Some(at), _) => format!("given up {}", at.to_rfc3339()),
            (None, Some(at)) => format!("delivered {}", at.to_rfc3339()),
            (None, None) => format!("next attempt {}", d.next_attempt_at.to_rfc3339()),
        };
        say!(
            "{} {} {} to {} — {} attempt(s), {state}; last error: {}",
            d.message_id,
            d.channel.as_str(),
            d.topic,
            d.recipient,
            d.attempts,
            d.last_error.as_deref().unwrap_or("none")
        );
    }
    Ok(())
}

/// Runs the worker until the process ends.
pub fn spawn(store: Store, clock: Arc<dyn Clock>, notices: Arc<Notices>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        loop {
            ticks.tick().await;
            if let Err(error) = notices.run_once(&store, clock.now()).await {
                tracing::warn!(%error, "the outbox worker's round failed");
            }
        }
    });
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod back_off_tests {
    use super::*;

    #[test]
    fn retries_back_off_for_about_a_day_then_stop() {
        let now = DateTime::UNIX_EPOCH;
        let waits: Vec<TimeDelta> =
            (1..=11).map(|n| retry_at(n, now).expect("retried") - now).collect();
        for (wait, base) in waits.iter().zip(BACK_OFF) {
            assert!(*wait >= base && *wait <= base + base / 10, "{wait} after {base}");
        }
        let total: TimeDelta = BACK_OFF.iter().sum();
        assert!(total > TimeDelta::hours(20) && total < TimeDelta::hours(26), "{total}");
        assert_eq!(retry_at(12, now), None);
        assert_eq!(retry_at(0, now), None);
    }
}

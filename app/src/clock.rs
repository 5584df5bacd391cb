//! The server's clock. Everything that depends on "now" (sessions, grants, expiry)
//! takes it from here, so tests can put it at any instant.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// Microseconds are what PostgreSQL keeps: a time read back equals the time written,
/// on both back-ends.
fn to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(time)
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock that stands still until it is set or advanced. For tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn at(time: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(to_micros(time))))
    }

    pub fn set(&self, time: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to_micros(time);
    }

    pub fn advance(&self, by: TimeDelta) {
        let now = self.now();
        self.set(now + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The real clock moved by an offset that can be advanced: the server's clock under
/// `--test-clock`, so end-to-end tests can let two weeks pass.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_micros: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    pub fn advance(&self, by: TimeDelta) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_micros.load(std::sync::atomic::Ordering::SeqCst);
        SystemClock.now() + TimeDelta::microseconds(offset)
    }
}

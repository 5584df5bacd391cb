//! `POST /test/clock` with `advance_seconds=N`: moves the server's clock forward, for
//! end-to-end tests of what happens when time passes (a grant's expiry). Mounted only
//! when the server starts with `--test-clock`; no request can switch it on.

use std::sync::Arc;

use app::clock::{Clock, OffsetClock};
use axum::{extract::State, routing::post, Form, Router};
use chrono::{SecondsFormat, TimeDelta};
use serde::Deserialize;

#[derive(Deserialize)]
struct Advance {
    advance_seconds: u32,
}

pub fn router(clock: Arc<OffsetClock>) -> Router {
    Router::new().route("/test/clock", post(advance)).with_state(clock)
}

/// Answers the server's new time.
async fn advance(State(clock): State<Arc<OffsetClock>>, Form(form): Form<Advance>) -> String {
    clock.advance(TimeDelta::seconds(form.advance_seconds.into()));
    clock.now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

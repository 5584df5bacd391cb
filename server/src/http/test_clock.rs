//! `POST /test/clock` with `advance_seconds=N`: moves the server's clock forward, for
//! end-to-end tests of what happens when time passes (a grant's expiry). Compiled only
//! with the `test-clock` feature, mounted only when the server starts with
//! `--test-clock`; no request can switch it on, and no call moves it more than
//! [`MAX_ADVANCE`].

use std::sync::Arc;

use app::clock::{Clock, OffsetClock};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Form, Router,
};
use chrono::{SecondsFormat, TimeDelta};
use serde::Deserialize;

/// The most one call may move the clock: past any grant, short of any retention.
pub const MAX_ADVANCE: TimeDelta = TimeDelta::days(60);

/// The server's clock and the routes that move it: with `on`, a clock that
/// `POST /test/clock` advances; without, `clock` and no routes.
pub fn from_flag(on: bool, clock: Arc<dyn Clock>) -> (Arc<dyn Clock>, Router) {
    if !on {
        return (clock, Router::new());
    }
    eprintln!("WARNING: --test-clock is on: POST /test/clock moves this server's clock");
    let test_clock = Arc::new(OffsetClock::default());
    let routes = Router::new().route("/test/clock", post(advance)).with_state(test_clock.clone());
    (test_clock, routes)
}

#[derive(Deserialize)]
struct Advance {
    advance_seconds: u32,
}

/// Answers the server's new time.
async fn advance(State(clock): State<Arc<OffsetClock>>, Form(form): Form<Advance>) -> Response {
    let by = TimeDelta::seconds(form.advance_seconds.into());
    if by > MAX_ADVANCE {
        let most = MAX_ADVANCE.num_seconds();
        return (StatusCode::BAD_REQUEST, format!("advance at most {most} seconds at a time"))
            .into_response();
    }
    clock.advance(by);
    clock.now().to_rfc3339_opts(SecondsFormat::Micros, true).into_response()
}

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

#[cfg(test)]
mod tests {
    use app::clock::SystemClock;
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn advance(routes: &Router, seconds: i64) -> StatusCode {
        let request = Request::post("/test/clock")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("advance_seconds={seconds}")))
            .unwrap();
        routes.clone().oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn the_clock_moves_only_when_switched_on_and_at_most_sixty_days_a_call() {
        let (_, off) = from_flag(false, Arc::new(SystemClock));
        assert_eq!(advance(&off, 60).await, StatusCode::NOT_FOUND);

        let (clock, on) = from_flag(true, Arc::new(SystemClock));
        let before = clock.now();
        let most = MAX_ADVANCE.num_seconds();
        assert_eq!(advance(&on, most + 1).await, StatusCode::BAD_REQUEST);
        assert!(clock.now() - before < TimeDelta::days(1), "a refused advance moves nothing");
        assert_eq!(advance(&on, most).await, StatusCode::OK);
        assert!(clock.now() - before >= MAX_ADVANCE);
        assert_eq!(advance(&on, -1).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

//! `GET /metrics`: the process's metrics for Prometheus. On the main port they are
//! answered only to this machine (a peer on loopback, not forwarded by a proxy): they
//! say how the service is used, which is nobody else's business. `--metrics-addr`
//! serves them on an address of their own, to whoever can reach it.

use std::{net::SocketAddr, sync::Arc};

use app::{clock::Clock, state::AppState, store::Store};
use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::{
    metrics::{Gauges, METRICS},
    recorder::Recorder,
};

/// What a scrape reads besides the counters.
#[derive(Clone)]
pub struct Scraping {
    store: Store,
    recorder: Recorder,
    clock: Arc<dyn Clock>,
    exposure: Exposure,
}

/// Who may scrape.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Only this machine.
    Local,
    /// Whoever reaches the address.
    Anyone,
}

pub fn scraping(state: &AppState, recorder: &Recorder, exposure: Exposure) -> Scraping {
    let (store, clock) = (state.store.clone(), state.clock.clone());
    Scraping { store, recorder: recorder.clone(), clock, exposure }
}

pub async fn scrape(
    State(scraping): State<Scraping>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if scraping.exposure == Exposure::Local && (!peer.ip().is_loopback() || forwarded) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let grants_in_force = match scraping.store.grants_in_force(scraping.clock.now()).await {
        Ok(grants) => Some(grants),
        Err(error) => {
            tracing::warn!(%error, "metrics: could not count the grants in force");
            None
        }
    };
    let pool = scraping.store.pool_stats();
    let gauges = Gauges {
        recorder_queue: scraping.recorder.queue_depth(),
        pool_size: pool.size,
        pool_idle: pool.idle,
        pool_max: pool.max,
        pool_waiting: pool.waiting,
        grants_in_force,
    };
    let text = METRICS.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// `--metrics-addr`: `/metrics` alone on `addr`, in the background.
pub async fn serve_apart(addr: SocketAddr, scraping: Scraping) -> anyhow::Result<()> {
    let scraping = Scraping { exposure: Exposure::Anyone, ..scraping };
    let app = Router::new().route("/metrics", get(scrape)).with_state(scraping);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    say!("metrics at http://{}/metrics", listener.local_addr()?);
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}

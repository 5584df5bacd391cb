//! The HTTP side: the Leptos app and its server functions, sign-in and sign-out, the
//! page guard, log exports, the ingest API, the demo API, static files and the health
//! check.

mod auth;
mod export;
pub mod ingest;
mod test_clock;

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use app::{clock::OffsetClock, shell, state::AppState, store::Store, App};
use axum::{
    extract::State,
    http::StatusCode,
    middleware,
    routing::{get, post},
    Router,
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::trace::TraceLayer;

use crate::{demo_api, ingest::IngestSettings, recorder::Recorder};
use ingest::IngestState;

/// The app's routes, listed once: listing renders the app in a special mode that must
/// not overlap with requests being served.
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Everything the server answers: the app's pages and server functions, sign-in, the
/// exports, the ingest API and the demo API (whose calls `recorder` records).
pub fn router(state: AppState, ingest: IngestState, recorder: Recorder) -> Router {
    let routes = app_routes();
    let options = state.leptos_options.clone();
    Router::<AppState>::new()
        .route("/healthz", get(healthz))
        .route("/signin", post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .merge(export::routes())
        .merge(ingest::routes(ingest))
        .merge(demo_api::routes(state.store.clone(), recorder))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard_pages))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 while the database answers, 503 when it does not (for load balancers).
async fn healthz(State(store): State<Store>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer within 2 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

pub async fn serve(
    state: AppState,
    ingest: IngestSettings,
    ingest_tokens: &[String],
    addr: SocketAddr,
    test_clock: Option<Arc<OffsetClock>>,
) -> anyhow::Result<()> {
    let backend = state.store.backend();
    let store = state.store.clone();
    let ingest = Arc::new(ingest);
    let (recorder, recorder_writer) =
        Recorder::spawn(store.clone(), state.clock.clone(), ingest.clone());
    let ingest_state =
        IngestState::new(store.clone(), state.clock.clone(), ingest.clone(), ingest_tokens);
    let mut app = router(state, ingest_state, recorder);
    if let Some(clock) = test_clock {
        app = app.merge(test_clock::router(clock));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    say!("apilogs is listening on http://{} ({backend} database)", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // The app (and its recorders) are gone: the writer stores what it was sent, then ends.
    if tokio::time::timeout(Duration::from_secs(10), recorder_writer).await.is_err() {
        tracing::warn!("the recorder did not finish storing calls within 10 s");
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests;

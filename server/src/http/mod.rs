//! The HTTP side: the Leptos app and its server functions, sign-in and sign-out, the
//! page guard, log exports, the ingest API, the demo API, static files and the health
//! check.

mod auth;
pub mod caching;
pub mod client;
mod downloads;
pub mod ingest;
mod listener;
mod protect;
#[cfg(feature = "test-clock")]
pub mod test_clock;

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use app::{csp, shell, state::AppState, store::Store, App};
use axum::{
    extract::State,
    http::StatusCode,
    middleware,
    routing::{get, post},
    Router,
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, CompressionLevel},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{demo_api, ingest::IngestSettings, recorder::Recorder};
use client::TrustedProxies;
use ingest::IngestState;

/// The most a request may take to be answered (a download may take longer to send).
const REQUEST_TIME: Duration = Duration::from_secs(30);

/// The app's routes, listed once: listing renders the app in a special mode that must
/// not overlap with requests being served.
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Everything the server answers: the app's pages and server functions, sign-in, the
/// exports, the ingest API and the demo API (whose calls `recorder` records).
pub fn router(
    state: AppState,
    ingest: IngestState,
    recorder: Recorder,
    proxies: TrustedProxies,
) -> Router {
    let routes = app_routes();
    let options = state.leptos_options.clone();
    Router::<AppState>::new()
        .route("/healthz", get(healthz))
        .route("/signin", post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .merge(downloads::routes())
        .merge(ingest::routes(ingest))
        .merge(demo_api::routes(state.store.clone(), recorder))
        .leptos_routes_with_context(&state, routes, csp::use_request_nonce, move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            csp::use_request_nonce,
            shell,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard_pages))
        .layer(middleware::from_fn(protect::same_origin_writes))
        .layer(middleware::from_fn_with_state(Arc::new(proxies), client::client_address))
        .layer(middleware::from_fn_with_state(state.clone(), protect::security_headers))
        .layer(middleware::from_fn(caching::cache_policy))
        // Pages, server-function answers and downloads, br or gzip as the client accepts,
        // at a level quick enough to run on every answer (the bundle is compressed ahead,
        // at the best level, and passes as it is).
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4)))
        // The handler's time, not a download's: an export streams after it returns.
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIME))
        .layer(CatchPanicLayer::new())
        // Paths only: a query can hold a customer's search text.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
            tracing::debug_span!("request", method = %request.method(), path = request.uri().path())
        }))
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

/// How the server listens and takes calls in, beside the app's state.
pub struct Serving {
    pub addr: SocketAddr,
    pub ingest: IngestSettings,
    pub ingest_tokens: Vec<String>,
    pub proxies: TrustedProxies,
    /// Routes only end-to-end tests have (the test clock), or none.
    pub test_routes: Router,
}

pub async fn serve(state: AppState, serving: Serving) -> anyhow::Result<()> {
    let Serving { addr, ingest, ingest_tokens, proxies, test_routes } = serving;
    let backend = state.store.backend();
    let store = state.store.clone();
    let ingest = Arc::new(ingest);
    let (recorder, recorder_writer) =
        Recorder::spawn(store.clone(), state.clock.clone(), ingest.clone());
    let ingest_state =
        IngestState::new(store.clone(), state.clock.clone(), ingest.clone(), &ingest_tokens);
    let app = router(state, ingest_state, recorder, proxies).merge(test_routes);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    say!("apilogs is listening on http://{} ({backend} database)", listener.local_addr()?);
    listener::serve(listener, app, shutdown_signal()).await?;
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

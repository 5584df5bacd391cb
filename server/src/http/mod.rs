//! The HTTP side: the Leptos app and its server functions, sign-in and sign-out, the
//! page guard, log exports, the ingest API, the demo API, static files and the health
//! check.

mod auth;
pub mod caching;
pub mod client;
mod downloads;
pub mod ingest;
mod listener;
pub mod observe;
mod protect;
mod scrape;
#[cfg(feature = "test-clock")]
pub mod test_clock;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, OnceLock,
    },
    time::Duration,
};

use app::{csp, shell, state::AppState, store::Store, App};
use axum::{
    extract::State,
    http::StatusCode,
    middleware,
    routing::{get, post},
    Extension, Router,
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, CompressionLevel},
    services::ServeDir,
    timeout::TimeoutLayer,
};

use crate::{demo_api, ingest::IngestSettings, recorder::Recorder};
use client::TrustedProxies;
use ingest::IngestState;
use scrape::{scrape, scraping, Exposure};

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
    stopping: Stopping,
) -> Router {
    let routes = app_routes();
    let options = state.leptos_options.clone();
    // The bundle straight from its folder, compressed ahead. Through leptos's fallback a
    // file's answer is extended with whatever `ResponseOptions` its reactive context
    // finds: a CSS file was seen answered 403, with its content, while other pages were
    // being refused.
    let bundle = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    Router::<AppState>::new()
        .nest_service("/pkg", ServeDir::new(bundle).precompressed_br().precompressed_gzip())
        .route("/healthz", get(healthz))
        .route("/signin", post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .merge(downloads::routes())
        .merge(ingest::routes(ingest))
        .route("/metrics", get(scrape).with_state(scraping(&state, &recorder, Exposure::Local)))
        .merge(demo_api::routes(state.store.clone(), recorder))
        .leptos_routes_with_context(&state, routes, csp::use_request_nonce, move || {
            shell(options.clone())
        })
        .route_layer(middleware::from_fn(observe::note_route))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            csp::use_request_nonce,
            shell,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard_pages))
        .layer(Extension(stopping))
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
        .layer(middleware::from_fn(observe::observe))
        .with_state(state)
}

/// Set once the server begins to stop.
#[derive(Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

/// 200 while the database answers, 503 when it does not or the server is stopping (for
/// load balancers).
async fn healthz(
    State(store): State<Store>,
    Extension(stopping): Extension<Stopping>,
) -> (StatusCode, &'static str) {
    if stopping.0.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
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
    /// Where `/metrics` is also served, to anyone who reaches it.
    pub metrics_addr: Option<SocketAddr>,
    pub shutdown: Shutdown,
}

/// How the server stops on a signal.
pub struct Shutdown {
    /// On SIGTERM, how long `/healthz` says 503 before the server stops taking
    /// connections.
    pub delay: Duration,
    /// From the signal, when the process exits whatever is still under way.
    pub deadline: Duration,
}

pub async fn serve(state: AppState, serving: Serving) -> anyhow::Result<()> {
    let Serving { addr, ingest, ingest_tokens, proxies, test_routes, metrics_addr, shutdown } =
        serving;
    let backend = state.store.backend();
    let store = state.store.clone();
    let ingest = Arc::new(ingest);
    let (recorder, recorder_writer) =
        Recorder::spawn(store.clone(), state.clock.clone(), ingest.clone());
    let ingest_state =
        IngestState::new(store.clone(), state.clock.clone(), ingest.clone(), &ingest_tokens);
    if let Some(metrics_addr) = metrics_addr {
        scrape::serve_apart(metrics_addr, scrape::scraping(&state, &recorder, Exposure::Anyone))
            .await?;
    }
    let stopping = Stopping::default();
    let app = router(state, ingest_state, recorder, proxies, stopping.clone()).merge(test_routes);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    say!("apilogs is listening on http://{} ({backend} database)", listener.local_addr()?);
    listener::serve(listener, app, stop_taking_connections(stopping, shutdown)).await?;
    // The app (and its recorders) are gone: the writer stores what it was sent, then ends.
    if tokio::time::timeout(Duration::from_secs(10), recorder_writer).await.is_err() {
        tracing::warn!("the recorder did not finish storing calls within 10 s");
    }
    store.close().await;
    Ok(())
}

/// Completes when the server should stop taking connections: at once on Ctrl-C; on
/// SIGTERM (an orchestrator's stop) after the delay, `/healthz` saying 503 meanwhile.
/// From the signal on, the process has until the deadline to finish.
async fn stop_taking_connections(stopping: Stopping, shutdown: Shutdown) {
    let delay = match signal().await {
        Signal::Interrupt => Duration::ZERO,
        Signal::Terminate => shutdown.delay,
    };
    stopping.0.store(true, Ordering::Relaxed);
    tokio::spawn(async move {
        tokio::time::sleep(shutdown.deadline).await;
        tracing::error!("still stopping after {} s: exiting now", shutdown.deadline.as_secs());
        std::process::exit(1);
    });
    if !delay.is_zero() {
        tracing::info!("stopping in {} s; /healthz answers 503 meanwhile", delay.as_secs());
        tokio::time::sleep(delay).await;
    }
}

enum Signal {
    Interrupt,
    Terminate,
}

async fn signal() -> Signal {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => signal.recv().await,
            Err(_) => std::future::pending().await,
        };
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => Signal::Interrupt,
        () = terminate => Signal::Terminate,
    }
}

#[cfg(test)]
mod tests;

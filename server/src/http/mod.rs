//! The HTTP side: the Leptos app and its server functions, sign-in and sign-out, the
//! page guard, log exports, static files and the health check.

mod auth;
mod export;
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

/// The app's routes, listed once: listing renders the app in a special mode that must
/// not overlap with requests being served.
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = app_routes();
    let options = state.leptos_options.clone();
    Router::<AppState>::new()
        .route("/healthz", get(healthz))
        .route("/signin", post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .merge(export::routes())
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
    addr: SocketAddr,
    test_clock: Option<Arc<OffsetClock>>,
) -> anyhow::Result<()> {
    let backend = state.store.backend();
    let store = state.store.clone();
    let mut app = router(state);
    if let Some(clock) = test_clock {
        app = app.merge(test_clock::router(clock));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("apilogs is listening on http://{} ({backend} database)", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
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

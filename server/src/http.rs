//! The HTTP side: the Leptos app and its server functions, static files, health check.

use std::time::Duration;

use app::{shell, store::Store, App};
use axum::{extract::State, http::StatusCode, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::TraceLayer;

use crate::cli::ServeArgs;

/// What every handler and server function can reach. Leptos provides it as context.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::<AppState>::new()
        .route("/healthz", get(healthz))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
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

pub async fn serve(store: Store, args: ServeArgs) -> anyhow::Result<()> {
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.site_addr = args.addr;
    let backend = store.backend();
    let app = router(AppState {
        leptos_options,
        store: store.clone(),
    });

    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!(
        "apilogs is listening on http://{} ({backend} database)",
        listener.local_addr()?
    );
    axum::serve(listener, app)
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
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn health_status(store: Store) -> StatusCode {
        let state = AppState {
            leptos_options: LeptosOptions::builder().output_name("apilogs").build(),
            store,
        };
        let request = axum::http::Request::get("/healthz")
            .body(Body::empty())
            .unwrap();
        router(state).oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn healthz_is_ok_while_the_database_answers() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        assert_eq!(health_status(store).await, StatusCode::OK);
    }

    #[tokio::test]
    async fn healthz_is_unavailable_when_the_database_is_not() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.close().await;
        assert_eq!(health_status(store).await, StatusCode::SERVICE_UNAVAILABLE);
    }
}

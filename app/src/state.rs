//! What every server function and handler can reach. The server builds one
//! `AppState`; leptos_axum provides it as context to every route and server fn.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::{clock::Clock, error::AppError, store::Store};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Mark cookies `Secure` (when served over TLS).
    pub secure_cookies: bool,
    /// A session unused for this long ends.
    pub session_idle: chrono::TimeDelta,
    /// The public base URL of the API whose calls are logged (for "Copy as cURL").
    pub api_url: String,
    /// How long Support's request for access waits for an answer before it lapses.
    #[from_ref(skip)]
    pub request_lifetime: chrono::TimeDelta,
    /// Let webhook endpoints be on loopback or private addresses: for tests only.
    #[from_ref(skip)]
    pub allow_private_webhooks: bool,
}

/// The client's address, as the server found it (the connection, or what a trusted
/// proxy says it forwarded for): in every request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// How long Support's request for access waits for an answer before it lapses, unless
/// configured otherwise.
pub const REQUEST_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// The state, from a server function's or component's context.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState is not in context"))
}

#[cfg(feature = "testing")]
impl AppState {
    /// The state tests run the app with: `store`, the clock `clock`, the API at
    /// `https://api.example.com`, plain cookies, and sessions that do not go idle (tests
    /// let weeks pass at once; the idle timeout has tests of its own).
    pub fn for_tests(store: Store, clock: Arc<dyn Clock>) -> Self {
        AppState {
            leptos_options: LeptosOptions::builder().output_name("apilogs").build(),
            store,
            clock,
            secure_cookies: false,
            session_idle: chrono::TimeDelta::days(36_500),
            api_url: "https://api.example.com".into(),
            request_lifetime: REQUEST_LIFETIME,
            allow_private_webhooks: false,
        }
    }
}

//! The one error type of apilogs' server functions, and the one view of it. What
//! reaches the browser is a user-facing message; internal causes are logged on the
//! server and sent only as [`AppError::Internal`].

use leptos::{
    either::EitherOf3,
    prelude::*,
    server_fn::{
        codec::JsonEncoding,
        error::{FromServerFnError, ServerFnErrorErr, ServerFnUrlError},
    },
};
use serde::{Deserialize, Serialize};

use crate::url::encode_component;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("You are not signed in, or your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("You do not have access to this.")]
    Forbidden,
    #[error(
        "The customer has not granted Customer Support access to their API Logs, or the \
         access has ended. The customer can grant it from their API Logs page."
    )]
    AccessNotGranted,
    /// A call an agent's grant does not cover, or no call at all: one answer for both.
    #[error("The customer has not shared this call with Customer Support.")]
    OutsideGrant,
    #[error("Not found.")]
    NotFound,
    /// A share link that ran out, was revoked, or never was: one answer for all three.
    #[error("This link has expired or was revoked, or there is no such link.")]
    LinkGone,
    /// A share link opened more often than it may be in an hour.
    #[error("This link was opened too often in the last hour. Try again later.")]
    TooOften,
    #[error("{0}")]
    Invalid(String),
    /// The change asked for clashes with the state of things (said in words).
    #[error("{0}")]
    Conflict(String),
    /// The database stopped a query that ran past its time budget.
    #[error(
        "This took the database too long to answer. Narrow it down, with a time range or \
         other filters, and try again."
    )]
    TooSlow,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport failures (network, encoding), reported by the server fn machinery.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::AccessNotGranted | AppError::OutsideGrant => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound | AppError::LinkGone => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooSlow => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooOften => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Puts the error's status code on the response being made, if one is.
    #[cfg(feature = "ssr")]
    pub fn set_response_status(&self) {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.status());
        }
    }

    /// Logs an internal failure and hides it from the client.
    #[cfg(feature = "ssr")]
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The caller sent arguments that do not parse: its fault, a 400.
            ServerFnErrorErr::Args(why)
            | ServerFnErrorErr::MissingArg(why)
            | ServerFnErrorErr::Deserialization(why) => {
                let error = AppError::Invalid(format!("The request is malformed: {why}"));
                #[cfg(feature = "ssr")]
                error.set_response_status();
                error
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::TooSlow => AppError::TooSlow,
            error => AppError::internal(error),
        }
    }
}

/// What a page shows in place of what it could not load.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    // A page that shows an error answers with its status (a bad filter is a 400).
    #[cfg(feature = "ssr")]
    if error != AppError::Unauthenticated {
        error.set_response_status();
    }
    match error {
        // The session ended while the page was open: sign in again, then come back here.
        AppError::Unauthenticated => EitherOf3::A(sign_in_again()),
        AppError::AccessNotGranted => EitherOf3::B(view! {
            <div class="access-denied" role="alert">
                <h2>"No access to this account's API Logs"</h2>
                <p>{AppError::AccessNotGranted.to_string()}</p>
            </div>
        }),
        error => EitherOf3::C(view! { <p class="form-error" role="alert">{error.to_string()}</p> }),
    }
}

/// The error of a form posted as a plain form: the server function sent the browser
/// back to the page with it in the URL (`__err`).
#[component]
pub fn PostedError() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let error = query.with_untracked(|q| q.get("__err"));
    error.map(|error| {
        view! { <ErrorView error={ServerFnUrlError::<AppError>::decode_err(&error)} /> }
    })
}

/// Where to sign in again and come back to `here` after.
fn sign_in_path(here: &str) -> String {
    format!("/signin?notice=session&next={}", encode_component(here))
}

/// Off to sign in again: a redirect from the server, or, when an island learns it in
/// the browser, a new page.
#[cfg(feature = "ssr")]
fn sign_in_again() -> impl IntoView {
    use leptos_router::{components::Redirect, hooks::use_location};

    let location = use_location();
    let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
    view! { <Redirect path=sign_in_path(&here) /> }
}

#[cfg(not(feature = "ssr"))]
fn sign_in_again() -> impl IntoView {
    let location = window().location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    // Leaving the page cannot fail in a way the page could do anything about.
    let _ = location.set_href(&sign_in_path(&here));
}

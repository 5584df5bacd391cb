//! The one error type of apilogs' server functions. What reaches the browser is a
//! user-facing message; internal causes are logged on the server and sent only as
//! [`AppError::Internal`].

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

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
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
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
            AppError::Forbidden | AppError::AccessNotGranted => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        AppError::internal(error)
    }
}

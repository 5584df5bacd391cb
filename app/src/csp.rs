//! The Content-Security-Policy of every response. A page's allows its own scripts (the
//! bundle, and inline ones that carry this response's nonce) and WebAssembly; anything
//! else runs no script at all. Neither may be framed, nor post a form elsewhere.
//!
//! The server makes each page request's nonce ([`CspNonce`], in the request's
//! extensions) and writes the header; [`use_request_nonce`] hands the same nonce to
//! Leptos, which puts it on every inline script it renders.

use leptos::prelude::*;

/// For responses that are not pages of the app: files, exports, server functions.
pub const NOT_A_PAGE: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
                              base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// For a page whose inline scripts carry `nonce`.
pub fn page(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// A request's nonce: 128 random bits, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspNonce(pub String);

impl CspNonce {
    pub fn new() -> Self {
        CspNonce(hex::encode(rand::random::<[u8; 16]>()))
    }
}

impl Default for CspNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// Makes the request's nonce the one Leptos renders with (in place of one of its own,
/// which the header would not name). For `leptos_routes_with_context`.
pub fn use_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

//! What every response and every state-changing request goes through: the browser's
//! protections on each response, and a refusal of cross-site writes made with the
//! user's cookies.

use app::{
    csp::{self, CspNonce},
    state::AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Paths whose callers prove who they are with a token or an API key, not a cookie: a
/// request from another site carries nothing that lets it act as a user there.
const TOKEN_PATHS: [&str; 2] = ["/api/v1/", "/v1/"];

/// Refuses (403) a state-changing request that a browser sent from another site (or
/// another origin of this site: another port, a sibling subdomain), so that no page
/// elsewhere can grant access, sign in or out, or call a server function with the
/// user's session. Browsers say where a request comes from in `Sec-Fetch-Site`, and
/// older ones in `Origin`; a client that sends neither is not a browser acting for a
/// user.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = request.uri().path();
    if writes && !TOKEN_PATHS.iter().any(|prefix| path.starts_with(prefix)) {
        if let Err(why) = same_origin(request.headers()) {
            tracing::warn!(%path, why, "refused a cross-origin write");
            return (StatusCode::FORBIDDEN, "Cross-origin requests may not change anything here.")
                .into_response();
        }
    }
    next.run(request).await
}

fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name: HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
    match text(HeaderName::from_static("sec-fetch-site")) {
        Some("same-origin" | "none") => return Ok(()),
        Some(_) => return Err("Sec-Fetch-Site is not same-origin"),
        None => {}
    }
    let Some(origin) = text(header::ORIGIN) else {
        return Ok(());
    };
    let host = text(header::HOST).ok_or("an Origin without a Host")?;
    let authority = origin.split_once("://").map(|(_, authority)| authority);
    if authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host)) {
        Ok(())
    } else {
        Err("Origin is another site")
    }
}

/// Puts the browser's protections on every response: no framing, no MIME sniffing,
/// referrers only to this site (URLs carry search text), no powerful features, HTTPS
/// only once served over it, and a Content-Security-Policy: a page's names the nonce
/// made here for its inline scripts (Leptos renders with it); anything else runs no
/// script.
pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = CspNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = if is_page { csp::page(&nonce.0) } else { csp::NOT_A_PAGE.to_owned() };
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if state.secure_cookies {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_this_origin_may_write() {
        let host = ("host", "logs.example.com:3000");
        let allowed = [
            vec![host],
            vec![host, ("sec-fetch-site", "same-origin")],
            vec![host, ("sec-fetch-site", "none")],
            vec![host, ("origin", "http://logs.example.com:3000")],
            vec![host, ("origin", "https://LOGS.example.com:3000")],
        ];
        for pairs in allowed {
            assert_eq!(same_origin(&headers(&pairs)), Ok(()), "{pairs:?}");
        }
        let refused = [
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host, ("sec-fetch-site", "same-site"), ("origin", "http://logs.example.com:3000")],
            vec![host, ("origin", "http://evil.example")],
            vec![host, ("origin", "http://logs.example.com:3001")],
            vec![host, ("origin", "http://sub.logs.example.com:3000")],
            vec![host, ("origin", "null")],
            vec![("origin", "http://logs.example.com:3000")],
        ];
        for pairs in refused {
            assert!(same_origin(&headers(&pairs)).is_err(), "{pairs:?}");
        }
    }
}

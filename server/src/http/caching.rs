//! What browsers may keep. The bundle's files are named after their content
//! (`/pkg/apilogs.<hash>.js`, written by the build with the name in `bundle.txt`), so
//! browsers keep them for good and a deploy can never run an old bundle against a new
//! server; pages are checked with the server every time.

use std::path::Path;

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};
use leptos::config::LeptosOptions;

/// The file, next to the site's files, that names the bundle the build published.
const BUNDLE_NAME_FILE: &str = "bundle.txt";

/// Links the bundle the build published, if it names one (`cargo leptos` does not).
pub fn use_published_bundle(options: &mut LeptosOptions) {
    let name_file = Path::new(options.site_root.as_ref()).join(BUNDLE_NAME_FILE);
    if let Ok(name) = std::fs::read_to_string(name_file) {
        options.output_name = name.trim().into();
    }
}

/// `Cache-Control` for what has none: a year, unchanged, for a versioned bundle file;
/// `no-cache` for pages.
pub async fn cache_policy(request: Request, next: Next) -> Response {
    let versioned = is_versioned(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers();
    if headers.contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = match (versioned && response.status() == StatusCode::OK, is_page) {
        (true, _) => "public, max-age=31536000, immutable",
        (false, true) => "no-cache",
        (false, false) => return response,
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `/pkg/<name>.<16 hex digits>.<extension>`: a file whose name changes with its content.
fn is_versioned(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else { return false };
    let mut parts = file.split('.');
    let (_, hash) = (parts.next(), parts.next().unwrap_or_default());
    hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && parts.next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_named_after_their_content_are_versioned() {
        assert!(is_versioned("/pkg/apilogs.0123456789abcdef.wasm"));
        assert!(is_versioned("/pkg/apilogs.0123456789abcdef.js.br"));
        assert!(!is_versioned("/pkg/apilogs.wasm"));
        assert!(!is_versioned("/pkg/apilogs.0123456789ABCDEF.wasm"));
        assert!(!is_versioned("/pkg/apilogs.0123456789abcdef"));
        assert!(!is_versioned("/pkg/apilogs.0123456789abcde.css"));
        assert!(!is_versioned("/favicon.svg"));
        assert!(!is_versioned("/logs/pkg/apilogs.0123456789abcdef.css"));
    }
}

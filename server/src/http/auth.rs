//! Sign-in and sign-out (plain form posts, so they work without JavaScript), and the
//! guard in front of every page.

use app::{
    auth::{
        home_for, page_access,
        ssr::{self as auth, SignInError},
        PageAccess, User,
    },
    state::AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
    Extension, Form,
};
use serde::Deserialize;

use super::client::ClientAddress;
use crate::metrics::METRICS;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The page the user was on their way to.
    #[serde(default)]
    next: String,
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `next` as a path on this site, or `None` (no open redirect). It is read as a browser
/// reads a `Location` (the URL standard: tabs and newlines dropped, `\\` as `/`), against
/// this site's origin, and kept only when it stays there; what comes back is the path
/// and query the parser wrote out, never one a browser could read as another host.
fn local_path(next: &str) -> Option<String> {
    const SITE: &str = "http://apilogs.invalid/";
    if !next.starts_with('/') {
        return None;
    }
    let site = url::Url::parse(SITE).ok()?;
    let target = site.join(next).ok()?;
    if target.origin() != site.origin() || !target.username().is_empty() {
        return None;
    }
    let path = &target[url::Position::BeforePath..url::Position::AfterQuery];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}

/// Back to the form, with what went wrong and what the user had typed (not the password).
fn back_to_form(error: &str, form: &SignInForm, extra: &str) -> Response {
    let mut location = format!("/signin?error={error}&email={}", encode(form.email.trim()));
    if let Some(next) = local_path(&form.next) {
        location.push_str(&format!("&next={}", encode(&next)));
    }
    location.push_str(extra);
    Redirect::to(&location).into_response()
}

pub async fn sign_in(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if form.email.trim().is_empty() || form.password.is_empty() {
        return back_to_form("missing", &form, "");
    }
    let now = state.clock.now();
    match auth::sign_in(&state.store, &form.email, &form.password, Some(client), now).await {
        Ok((user, session)) => {
            // A new session at every sign-in; the one the browser had ends.
            if let Some(old) = auth::session_token(&headers, state.secure_cookies) {
                if let Err(error) = auth::end_session(&state.store, &old).await {
                    tracing::warn!(%error, "could not end the previous session");
                }
            }
            let target = local_path(&form.next).unwrap_or_else(|| home_for(user.role).to_owned());
            let cookie = auth::session_cookie(&session, state.secure_cookies);
            with_cookie(Redirect::to(&target).into_response(), &cookie)
        }
        Err(SignInError::Invalid) => {
            METRICS.sign_in_refusals.add("invalid", 1);
            back_to_form("invalid", &form, "")
        }
        Err(SignInError::Throttled { retry_after }) => {
            METRICS.sign_in_refusals.add("throttled", 1);
            let minutes = (retry_after.num_seconds().max(1) + 59) / 60;
            back_to_form("throttled", &form, &format!("&retry={minutes}"))
        }
        Err(SignInError::Internal) => back_to_form("internal", &form, ""),
    }
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = auth::session_token(&headers, state.secure_cookies) {
        if let Err(error) = auth::end_session(&state.store, &token).await {
            tracing::error!(%error, "could not end a session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let response = Redirect::to("/signin?notice=signed-out").into_response();
    with_cookie(response, &auth::clear_session_cookie(state.secure_cookies))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// In front of every request: a page that needs a role gets the signed-in user's
/// session checked. No session: to the sign-in form (and back here after). Another
/// role: 403. Such pages are never stored by the browser, so the back button cannot
/// show one after sign-out.
pub async fn guard_pages(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let access = page_access(request.uri().path());
    if access == PageAccess::Public {
        return next.run(request).await;
    }
    let user = match auth::request_user(&state, request.headers()).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(%error, "could not read a session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut response = match auth::page_refusal(access, user.as_ref()) {
        None => {
            request.extensions_mut().insert(auth::GuardedUser(user));
            next.run(request).await
        }
        Some(StatusCode::UNAUTHORIZED) => {
            let wanted = request.uri().path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&format!("/signin?notice=session&next={}", encode(wanted))).into_response()
        }
        Some(status) => {
            let bundle = &state.leptos_options.output_name;
            (status, forbidden_page(user.as_ref(), bundle)).into_response()
        }
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `bundle`: the name of the site's bundle, whose styles the page uses.
fn forbidden_page(user: Option<&User>, bundle: &str) -> Html<String> {
    let who = user.map_or(String::new(), |user| {
        let email = user.email.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!("You are signed in as {email} ({}). ", user.role)
    });
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>No access · apilogs</title><link rel=\"stylesheet\" href=\"/pkg/{bundle}.css\">\
         </head><body><main class=\"app-main\"><h1>You do not have access to this page</h1>\
         <p>{who}<a href=\"/\">Back to the start page</a></p></main></body></html>"
    ))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_stays_on_this_site() {
        let kept = [
            ("/logs", "/logs"),
            ("/logs?status=errors&q=a%20b", "/logs?status=errors&q=a%20b"),
            ("/support/accounts/3/logs/9", "/support/accounts/3/logs/9"),
            ("/logs/../support", "/support"),
            ("/logs#row-3", "/logs"),
            // Odd, but paths on this site all the same.
            ("/%2F/evil.example", "/%2F/evil.example"),
            ("/ /evil.example", "/%20/evil.example"),
            ("/@evil.example", "/@evil.example"),
        ];
        for (next, path) in kept {
            assert_eq!(local_path(next).as_deref(), Some(path), "{next:?}");
        }
        let refused = [
            "",
            "logs",
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r\n/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "https://evil.example/logs",
            "javascript:alert(1)",
            "//user:pass@evil.example",
            "/.//evil.example",
            "//apilogs.invalid@evil.example/",
            "\t//evil.example",
            "/\t\t/evil.example",
        ];
        for next in refused {
            assert_eq!(local_path(next), None, "{next:?}");
        }
    }
}

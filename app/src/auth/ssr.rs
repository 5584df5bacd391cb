//! Server side of authentication: password hashing, sessions in the database behind an
//! HttpOnly cookie, sign-in with throttling, and the guard.

use std::{future::Future, net::IpAddr};

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::{normalize_email, Role, SignInAttempt, User, MAX_EMAIL_BYTES};
use crate::{
    error::AppError,
    state::{app_state, AppState},
    store::{Store, StoreError},
};

/// The session cookie's name; over HTTPS with the `__Host-` prefix, which browsers keep
/// to this host, `Secure` and path `/`, so no sibling subdomain can set or shadow it.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-apilogs_session"
    } else {
        "apilogs_session"
    }
}

/// Longer than a support grant, so a customer who grants access stays signed in to see
/// it end.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::days(30);
/// A session unused for this long ends (the default of `--session-idle-hours`).
pub const SESSION_IDLE: TimeDelta = TimeDelta::hours(12);

/// Sign-in attempts within this window count towards a refusal.
pub const FAILURE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failed attempts on one user from one address within the window before that address
/// is refused for that user. Failures from elsewhere never lock a user out here.
pub const MAX_FAILURES_PER_USER_AT_ADDRESS: usize = 5;
/// Failed attempts from one client address, on any users, within the window.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;

/// Password checks that run at once. argon2 is slow on purpose (tens of milliseconds
/// and 19 MiB each): a burst of sign-ins waits its turn here, on blocking threads, while
/// the async workers go on serving every other request.
static PASSWORD_CHECKS: Semaphore = Semaphore::const_new(2);

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(AppError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(AppError::internal)
}

/// Whether `password` matches the PHC string `hash`, checked off the async workers.
async fn verify_password(password: &str, hash: String) -> bool {
    let Ok(_turn) = PASSWORD_CHECKS.acquire().await else {
        return false;
    };
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash that matches no password, checked when the email is unknown so that an
/// unknown email takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never set").unwrap_or_default())
}

/// A secret for a cookie or a link: 256 random bits, in hex.
pub(crate) fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the database keeps of a token: its SHA-256, in hex.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new session: the token goes in the cookie, only its hash in the database.
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn start_session(
    store: &Store,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Session, StoreError> {
    let token = new_token();
    let expires_at = now + SESSION_LIFETIME;
    store.create_session(&hash_token(&token), user_id, now, expires_at).await?;
    Ok(Session { token, expires_at })
}

pub async fn end_session(store: &Store, token: &str) -> Result<(), StoreError> {
    store.delete_session(&hash_token(token)).await
}

/// The user of the session `token` opens, unless it ended by `now` (its expiry, or
/// `idle` without use).
pub async fn session_user(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
    idle: TimeDelta,
) -> Result<Option<User>, StoreError> {
    store.session_user(&hash_token(token), now, idle).await
}

/// The user whose open session the request's cookies name.
pub async fn request_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<User>, StoreError> {
    let Some(token) = session_token(headers, state.secure_cookies) else {
        return Ok(None);
    };
    session_user(&state.store, &token, state.clock.now(), state.session_idle).await
}

/// The session token in a request's cookies.
pub fn session_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == session_cookie_name(secure))
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(session: &Session, secure: bool) -> String {
    let max_age = (session.expires_at - Utc::now()).num_seconds().max(0);
    format!(
        "{}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        session_cookie_name(secure),
        session.token,
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignInError {
    /// Wrong password or unknown email: the same answer for both.
    Invalid,
    /// Too many recent failures for this email or address.
    Throttled {
        retry_after: TimeDelta,
    },
    Internal,
}

impl From<StoreError> for SignInError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "sign-in failed");
        SignInError::Internal
    }
}

/// Checks a sign-in and starts a session. The attempt is counted before the password
/// is checked, so a burst at once gets no more tries than one after the other; a user
/// is throttled per client address, so failures from one address cannot lock them out
/// at another.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<(User, Session), SignInError> {
    let email = normalize_email(email);
    // No user has a longer one: refused at once, and nothing this long is stored.
    if email.len() > MAX_EMAIL_BYTES {
        return Err(SignInError::Invalid);
    }
    let mut keys = match client {
        Some(address) => vec![
            (format!("email:{email} ip:{address}"), MAX_FAILURES_PER_USER_AT_ADDRESS),
            (format!("ip:{address}"), MAX_FAILURES_PER_ADDRESS),
        ],
        None => vec![(format!("email:{email}"), MAX_FAILURES_PER_USER_AT_ADDRESS)],
    };
    let ids = match store.count_sign_in_attempt(&keys, now - FAILURE_WINDOW, now).await? {
        SignInAttempt::Counted(ids) => ids,
        // Open again once the oldest attempt that still counts leaves the window.
        SignInAttempt::Refused { oldest } => {
            return Err(SignInError::Throttled { retry_after: oldest + FAILURE_WINDOW - now })
        }
    };
    let credentials = store.credentials_by_email(&email).await?;
    let hash = credentials.as_ref().map_or(decoy_hash(), |c| c.password_hash.as_str());
    let verified = verify_password(password, hash.to_owned()).await;
    match credentials {
        Some(credentials) if verified => {
            let (user_key, _) = keys.swap_remove(0);
            store.forget_sign_in_failures(&ids, &user_key).await?;
            let session = start_session(store, credentials.user.id, now).await?;
            Ok((credentials.user, session))
        }
        _ => Err(SignInError::Invalid),
    }
}

/// The signed-in user as the page guard read it, carried in the request's extensions.
#[derive(Clone, Debug)]
pub struct GuardedUser(pub Option<User>);

/// The user whose session cookie came with the current request.
pub async fn current_user() -> Result<Option<User>, AppError> {
    let state = app_state()?;
    let Some(parts) = use_context::<Parts>() else {
        return Ok(None);
    };
    // A guarded page's request carries the session the guard read: the page's server
    // functions, called while it renders, need not read it again.
    if let Some(GuardedUser(user)) = parts.extensions.get::<GuardedUser>() {
        return Ok(user.clone());
    }
    Ok(request_user(&state, &parts.headers).await?)
}

/// The guard for server functions: runs `body`, a server function's plain server-side
/// function, with the app's state and the signed-in user if their role is one of
/// `roles`; refuses anyone else (401 without a session, 403 with another role). An
/// error's status code goes on the response.
pub async fn guard<T, F>(
    roles: &[Role],
    body: impl FnOnce(AppState, User) -> F,
) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    let result = async {
        match current_user().await? {
            Some(user) if roles.contains(&user.role) => body(app_state()?, user).await,
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthenticated),
        }
    }
    .await;
    if let Err(error) = &result {
        error.set_response_status();
    }
    result
}

/// The status a page request gets from the guard, or `None` when it may proceed.
pub fn page_refusal(access: super::PageAccess, user: Option<&User>) -> Option<StatusCode> {
    match (access, user) {
        (super::PageAccess::Public, _) => None,
        (super::PageAccess::Roles(_), None) => Some(StatusCode::UNAUTHORIZED),
        (super::PageAccess::Roles(roles), Some(user)) if roles.contains(&user.role) => None,
        (super::PageAccess::Roles(_), Some(_)) => Some(StatusCode::FORBIDDEN),
    }
}

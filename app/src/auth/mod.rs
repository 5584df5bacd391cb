//! Who is signed in, and what they may open: users and roles, sessions, sign-in and
//! sign-out, and the one guard that pages and server functions go through.

mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;
mod types;

use leptos::prelude::*;

pub use pages::{SignIn, UserMenu};
#[cfg(feature = "ssr")]
pub use store::{normalize_email, Credentials, NewUser, SignInAttempt, MAX_EMAIL_BYTES};
pub use types::{Role, User};

use crate::error::AppError;

/// Which users may open a page, by its path. The server enforces it on every page
/// request; server functions check their own callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAccess {
    Public,
    Roles(&'static [Role]),
}

pub fn page_access(path: &str) -> PageAccess {
    let under = |prefix: &str| {
        path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    };
    if under("/logs") {
        PageAccess::Roles(&[Role::Customer])
    } else if under("/support") {
        PageAccess::Roles(&[Role::Support, Role::Admin])
    } else {
        PageAccess::Public
    }
}

/// Where a user lands after signing in, unless they were on their way elsewhere.
pub fn home_for(role: Role) -> &'static str {
    match role {
        Role::Customer => "/logs",
        Role::Support | Role::Admin => "/support",
    }
}

/// The signed-in user, if any.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    ssr::current_user().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_pages_are_for_customers_and_the_console_for_staff() {
        for path in ["/logs", "/logs/", "/logs/42"] {
            assert_eq!(page_access(path), PageAccess::Roles(&[Role::Customer]), "{path}");
        }
        for path in ["/support", "/support/accounts/3/logs/9"] {
            assert_eq!(page_access(path), PageAccess::Roles(&[Role::Support, Role::Admin]));
        }
        for path in ["/", "/signin", "/logsearch", "/healthz", "/supportx"] {
            assert_eq!(page_access(path), PageAccess::Public, "{path}");
        }
    }
}

//! apilogs' isomorphic Leptos app: compiled with `ssr` into the server and with
//! `hydrate` into the browser bundle. One module per feature.

// The views' types nest deep: the API Logs page's, spelled out, passes the default 128.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod accounts;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod decimal;
pub mod error;
pub mod layout;
pub mod live;
pub mod logs;
pub mod markup;
pub mod notices;
pub mod pages;
pub mod sharing;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
pub mod support;
pub mod support_access;
pub mod theme;
pub mod time;
pub mod url;
pub mod webhooks;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme::requested_theme().as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name) />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application, rendered on the server. In the browser only its islands
/// (`#[island]`) hydrate: everything else is HTML, and links and forms load pages.
///
/// Every route renders in `SsrMode::Async`: the server waits for a page's data and
/// sends it whole, so pages work without JavaScript, show the right state on the first
/// paint, and can set their status code.
///
/// A part that waits for data is a `Suspend` put straight in its `<Suspense>`, not a
/// closure returning one: Suspense calls a closure again each time it looks for data
/// still loading, and again to render, so the part's whole view was built two or three
/// times (an eighth of `/logs`'s instructions). Outside islands nothing renders again
/// in the browser, so nothing needs the closure.
///
/// The data itself stays in a `Resource`, though nothing outside islands needs its
/// reactivity: a `Resource` runs its server function as a task of its own. A plain
/// future in a `Suspend` runs only when rendering polls it, and the first pass polls
/// every part once before the page is drawn part by part: a later part's read, started
/// and then left waiting, holds its pool connection while an earlier part needs one.
/// Without `Resource`s (7 % fewer instructions on `/logs`), eight agents reading at
/// once ran the pool dry and every view failed.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title formatter=|page: String| format!("{page} · apilogs") />
        <Router>
            <layout::Layout>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=auth::SignIn ssr=SsrMode::Async />
                    <Route path=path!("/logs") view=logs::CustomerLogsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/logs/grant")
                        view=support_access::GrantConfirmPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/grant/limited")
                        view=logs::LimitedGrantPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/revoke")
                        view=support_access::RevokeConfirmPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/decline")
                        view=support_access::DeclineConfirmPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/access")
                        view=logs::AccessHistoryPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/webhooks")
                        view=webhooks::WebhooksPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/webhooks/deliveries")
                        view=webhooks::WebhookDeliveriesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/shared")
                        view=sharing::SharedCallsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/logs/:id")
                        view=|| {
                            view! {
                                <logs::CustomerLogDetailPage actions=sharing::share_this_call />
                            }
                        }
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/shared/:token")
                        view=sharing::SharedCallPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/support") view=support::SupportConsole ssr=SsrMode::Async />
                    <Route
                        path=path!("/support/accounts/:account/logs")
                        view=support::SupportLogsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/support/accounts/:account/status")
                        view=support::SupportAccountStatusPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/support/accounts/:account/logs/:id")
                        view=support::SupportLogDetailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/support/accounts/:account/access")
                        view=logs::AccountAccessHistoryPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </layout::Layout>
        </Router>
    }
}

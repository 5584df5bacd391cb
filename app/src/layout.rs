//! The app shell every page shares: header with the main navigation, and footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{auth::UserMenu, theme::ThemeToggle};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="app-header">
            <a class="brand" href="/">
                "apilogs"
            </a>
            <nav aria-label="Main">
                <A href="/logs">"API Logs"</A>
                <A href="/support">"Support console"</A>
            </nav>
            <ThemeToggle />
            <UserMenu />
        </header>
        <main class="app-main">{children()}</main>
        <footer class="app-footer">
            <p>"apilogs — every call to your API, with its request and response."</p>
        </footer>
    }
}

//! The app shell every page shares: header with the main navigation, and footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    auth::{current_user, Role, UserMenu},
    theme::ThemeToggle,
    time::Localize,
};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |()| current_user());
    view! {
        <header class="app-header">
            <a class="brand" href="/">
                "apilogs"
            </a>
            <nav aria-label="Main">
                <Suspense fallback=|| ()>
                    {Suspend::new(async move {
                        let role = user.await.ok().flatten().map(|user| user.role);
                        match role {
                            Some(Role::Support | Role::Admin) => {
                                view! { <A href="/support">"Support console"</A> }.into_any()
                            }
                            _ => view! { <A href="/logs">"API Logs"</A> }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
            <ThemeToggle />
            <UserMenu user />
        </header>
        <main class="app-main">{children()}</main>
        <footer class="app-footer">
            <p>"apilogs — every call to your API, with its request and response."</p>
        </footer>
        <Localize />
    }
}

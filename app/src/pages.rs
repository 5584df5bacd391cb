//! Pages that are not a feature of their own.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="Home" />
        <section class="hero">
            <h1>"Every call to your API, in one place"</h1>
            <p>
                "apilogs records each request your customers make: its endpoint, status, "
                "duration, credits used, and the full request and response bodies."
            </p>
            <p>
                <a class="button" href="/logs">
                    "Open API Logs"
                </a>
            </p>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>
            "There is nothing at this address. "
            <a href="/">"Back to the start page"</a>
        </p>
    }
}

//! Light or dark colour theme. The header toggle switches it in the browser and
//! remembers the choice in a cookie, so the server renders the chosen theme on the
//! very first paint (no flash of the wrong colours).

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    const COOKIE: &'static str = "theme";

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }

    /// The theme named in a `Cookie` header; light when none is.
    pub fn from_cookie_header(header: &str) -> Self {
        let chosen = header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == Self::COOKIE)
            .map(|(_, value)| value);
        match chosen {
            Some("dark") => Theme::Dark,
            _ => Theme::Light,
        }
    }
}

/// The theme to render: the request's cookie on the server, the document's
/// `data-theme` (which the server wrote) in the browser, so hydration agrees.
pub fn requested_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|parts| {
                let header = parts.headers.get(axum::http::header::COOKIE)?;
                Some(Theme::from_cookie_header(header.to_str().ok()?))
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let attribute =
            document().document_element().and_then(|root| root.get_attribute("data-theme"));
        match attribute.as_deref() {
            Some("dark") => Theme::Dark,
            _ => Theme::Light,
        }
    }
}

/// A button that switches the theme. It is disabled until the WASM has hydrated,
/// since only then can it do anything.
#[island]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(requested_theme());
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, once hydration has attached the handlers.
    Effect::new(move |_| hydrated.set(true));

    let toggle = move |_| {
        let next = theme.get_untracked().toggled();
        theme.set(next);
        #[cfg(feature = "hydrate")]
        remember(next);
    };

    view! {
        <button
            type="button"
            class="theme-toggle"
            disabled=move || !hydrated.get()
            aria-pressed=move || (theme.get() == Theme::Dark).to_string()
            title="Switch between the light and the dark theme"
            on:click=toggle
        >
            "Dark theme"
        </button>
    }
}

/// Shows `theme` now and keeps it for a year.
#[cfg(feature = "hydrate")]
fn remember(theme: Theme) {
    use leptos::wasm_bindgen::JsCast;

    let document = document();
    if let Some(root) = document.document_element() {
        // Setting an attribute on the document element cannot fail.
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    let cookie =
        format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", Theme::COOKIE, theme.as_str());
    if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
        let _ = html.set_cookie(&cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_theme_cookie_among_others() {
        assert_eq!(Theme::from_cookie_header("a=1; theme=dark; b=2"), Theme::Dark);
        assert_eq!(Theme::from_cookie_header("theme=light"), Theme::Light);
        assert_eq!(Theme::from_cookie_header("xtheme=dark"), Theme::Light);
        assert_eq!(Theme::from_cookie_header("theme=purple"), Theme::Light);
        assert_eq!(Theme::from_cookie_header(""), Theme::Light);
    }

    #[test]
    fn toggling_twice_is_the_identity() {
        assert_eq!(Theme::Light.toggled(), Theme::Dark);
        assert_eq!(Theme::Dark.toggled().toggled(), Theme::Dark);
    }
}

//! What the server says, kept fresh in the browser: a value an island asks for again
//! ([`Live`]), or a part of a page that follows the server's own rendering of it
//! ([`LiveRegion`]), which costs the browser's bundle no code of its own.

use std::future::Future;

use leptos::prelude::*;

use crate::error::AppError;

/// A server value in the browser. An answer replaces it only if nothing newer came
/// meanwhile: a refresh that crosses a change's answer does not undo the change.
pub struct Live<T: Send + Sync + 'static> {
    value: RwSignal<Result<T, AppError>>,
    /// Counts questions and answers; a question's answer counts only if it is the last.
    turn: RwSignal<u64>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T: Send + Sync + 'static> Live<T> {
    pub fn new(value: Result<T, AppError>) -> Self {
        Live { value: RwSignal::new(value), turn: RwSignal::new(0) }
    }

    /// The value now, tracked.
    pub fn get(self) -> Result<T, AppError>
    where
        T: Clone,
    {
        self.value.get()
    }

    /// An answer known to be the newest (a change's own result).
    pub fn set(self, value: Result<T, AppError>) {
        self.turn.update(|turn| *turn += 1);
        self.value.set(value);
    }

    /// Asks the server (in the browser; nothing on the server, which just answered).
    pub fn ask(self, question: impl Future<Output = Result<T, AppError>> + 'static) {
        #[cfg(feature = "hydrate")]
        {
            self.turn.update(|turn| *turn += 1);
            let asked = self.turn.get_untracked();
            leptos::task::spawn_local(async move {
                let answer = question.await;
                if self.turn.get_untracked() == asked {
                    self.value.set(answer);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        drop(question);
    }

    /// Asks every `millis` while the calling island lives.
    pub fn ask_every<Q>(self, millis: u32, question: impl Fn() -> Q + 'static)
    where
        Q: Future<Output = Result<T, AppError>> + 'static,
    {
        let question = std::rc::Rc::new(question);
        Effect::new(move |_| {
            let question = question.clone();
            crate::time::every(millis, move || self.ask(question()));
        });
    }
}

/// A part of the page, rendered by the server, that follows the server: every
/// `millis`, the page (or the page at `from`, which renders this part alone: asking
/// again must not count as reading anything more) is asked again and this part's new
/// HTML replaces the old. Forms stay outside it (what is typed would be lost).
#[island]
pub fn LiveRegion(
    /// The region's element id, unique on the page.
    id: String,
    from: Option<String>,
    millis: u32,
    children: Children,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let region = id.clone();
        Effect::new(move |_| {
            let (region, from) = (region.clone(), from.clone());
            crate::time::every(millis, move || {
                leptos::task::spawn_local(follow(region.clone(), from.clone()))
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (from, millis);
    view! { <div id=id>{children()}</div> }
}

/// Asks for the page again (or `from`) and puts the region's new content in place.
/// When the answer has no such region (the session ended, say), loads the page itself.
#[cfg(feature = "hydrate")]
async fn follow(region: String, from: Option<String>) {
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let window = window();
    let location = window.location();
    let html = async {
        let asked = window.fetch_with_str(&from.map_or_else(|| location.href().ok(), Some)?);
        let response: web_sys::Response = JsFuture::from(asked).await.ok()?.dyn_into().ok()?;
        // A server that fails for now is asked again next time.
        if response.status() >= 500 {
            return None;
        }
        JsFuture::from(response.text().ok()?).await.ok()?.as_string()
    };
    let Some(html) = html.await else { return };
    let fresh = web_sys::DomParser::new()
        .and_then(|parser| parser.parse_from_string(&html, web_sys::SupportedType::TextHtml))
        .ok()
        .and_then(|page| page.get_element_by_id(&region));
    match (fresh, document().get_element_by_id(&region)) {
        (Some(fresh), Some(shown)) => {
            shown.set_inner_html(&fresh.inner_html());
            crate::time::localize(&shown);
        }
        _ => {
            let _ = location.reload();
        }
    }
}

//! Times as people read them: in their own time zone.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use leptos::prelude::*;

pub fn utc_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `at` in the browser's time zone, e.g. `2026-12-10 04:00:00 UTC-05:00`. (On the
/// server, which does not know the viewer's zone, UTC.)
pub fn local_text(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S UTC%:z").to_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        utc_text(at)
    }
}

/// The viewer's UTC offset now, in the browser; `None` on the server, which does not
/// know it.
pub fn viewer_offset() -> Option<FixedOffset> {
    #[cfg(feature = "hydrate")]
    {
        use chrono::Offset;
        Some(chrono::Local::now().offset().fix())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// A `<time>` that the server renders in UTC and the browser, once hydrated, in the
/// viewer's own time zone.
#[component]
pub fn LocalTime(at: DateTime<Utc>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <time datetime=at.to_rfc3339_opts(SecondsFormat::Secs, true) title=utc_text(at)>
            {move || if hydrated.get() { local_text(at) } else { utc_text(at) }}
        </time>
    }
}

/// Runs `tick` every `millis` while the calling component lives (in the browser).
pub fn every(millis: u32, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let interval = gloo_timers::callback::Interval::new(millis, tick);
        let interval = send_wrapper::SendWrapper::new(interval);
        leptos::prelude::on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (millis, tick);
}

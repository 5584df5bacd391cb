//! Times as people read them: in their own time zone.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Timelike, Utc};
use leptos::prelude::*;

use crate::decimal;

/// `at` as `2026-12-10 09:00:00 UTC`.
pub fn utc_text(at: DateTime<Utc>) -> String {
    let mut text = String::with_capacity(23);
    push_utc_text(&mut text, at);
    text
}

/// Appends [`utc_text`]. Written out digit by digit: a page of calls writes a hundred
/// times, and `format!` or a chrono format string cost ten times as much.
pub fn push_utc_text(out: &mut String, at: DateTime<Utc>) {
    push_date_time(out, at, ' ');
    out.push_str(" UTC");
}

/// Appends `at` as RFC 3339 to the second, as `2026-12-10T09:00:00Z`, as chrono's
/// `to_rfc3339_opts(SecondsFormat::Secs, true)` writes it.
pub fn push_rfc3339(out: &mut String, at: DateTime<Utc>) {
    push_date_time(out, at, 'T');
    out.push('Z');
}

/// `2026-12-10`, `separator`, `09:00:00`.
fn push_date_time(out: &mut String, at: DateTime<Utc>, separator: char) {
    let at = at.naive_utc();
    push_date(out, at.date());
    out.push(separator);
    decimal::push_padded(out, at.hour().into(), 2);
    for part in [at.minute(), at.second()] {
        out.push(':');
        decimal::push_padded(out, part.into(), 2);
    }
}

/// Appends `day` as `2026-12-10`; a year outside 0 to 9999 as chrono writes it (with
/// its sign).
pub fn push_date(out: &mut String, day: NaiveDate) {
    match u64::try_from(day.year()) {
        Ok(year) if year <= 9999 => decimal::push_padded(out, year, 4),
        _ => out.push_str(&day.format("%Y").to_string()),
    }
    for part in [day.month(), day.day()] {
        out.push('-');
        decimal::push_padded(out, part.into(), 2);
    }
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

/// A `<time>` in the viewer's own time zone: written by the server in UTC, then
/// rewritten in the browser by [`Localize`] (or drawn local when an island draws it).
#[component]
pub fn LocalTime(at: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=at.to_rfc3339_opts(SecondsFormat::Secs, true) title=utc_text(at) data-local="">
            {local_text(at)}
        </time>
    }
}

/// Rewrites the page's [`LocalTime`]s in the viewer's zone once it runs in the browser.
#[island]
pub fn Localize() -> impl IntoView {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(page) = document().document_element() {
            localize(&page);
        }
    });
}

/// Rewrites the [`LocalTime`]s under `root` in the viewer's zone.
#[cfg(feature = "hydrate")]
pub fn localize(root: &web_sys::Element) {
    use leptos::wasm_bindgen::JsCast;

    let Ok(times) = root.query_selector_all("time[data-local]") else { return };
    for time in (0..times.length()).filter_map(|i| times.item(i)) {
        let Some(time) = time.dyn_ref::<web_sys::Element>() else { continue };
        let at = time.get_attribute("datetime").unwrap_or_default();
        if let Ok(at) = DateTime::parse_from_rfc3339(&at) {
            time.set_text_content(Some(&local_text(at.with_timezone(&Utc))));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_chrono_writes_them() {
        let seconds = [0, 59, 1_764_147_600, 1_764_147_599, 951_782_400, 4_102_444_799];
        // Before year 0 and past year 9999 too.
        for seconds in seconds.into_iter().chain([-62_198_755_200, 253_402_300_800]) {
            let at = DateTime::from_timestamp(seconds, 987_654_321).unwrap();
            assert_eq!(utc_text(at), at.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            let mut rfc3339 = String::new();
            push_rfc3339(&mut rfc3339, at);
            assert_eq!(rfc3339, at.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
    }
}

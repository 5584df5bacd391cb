//! Credits used and calls per day over the last 30 days, drawn as SVG on the server
//! (it shows without JavaScript), with the totals beside it.

use chrono::{NaiveDate, TimeDelta};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::usage_last_30_days;
use crate::{decimal, markup::escape, time::push_date};

pub const DAYS: i64 = 30;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub calls: i64,
    pub credits: i64,
    /// Calls answered 4xx.
    pub client_errors: i64,
    /// Calls answered 5xx.
    pub server_errors: i64,
}

impl UsageDay {
    /// Calls answered neither 4xx nor 5xx.
    pub fn ok(&self) -> i64 {
        self.calls - self.client_errors - self.server_errors
    }

    pub fn errors(&self) -> i64 {
        self.client_errors + self.server_errors
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Exactly [`DAYS`] UTC days, oldest first, the last being today.
    pub days: Vec<UsageDay>,
    pub calls: i64,
    pub credits: i64,
    pub errors: i64,
}

impl Usage {
    /// The last [`DAYS`] days to `today` from the days `found`, those without calls zero.
    pub fn from_days(today: NaiveDate, found: &[UsageDay]) -> Usage {
        let days: Vec<UsageDay> = (0..DAYS)
            .rev()
            .map(|back| {
                let day = today - TimeDelta::days(back);
                found
                    .iter()
                    .find(|d| d.day == day)
                    .cloned()
                    .unwrap_or(UsageDay { day, ..UsageDay::default() })
            })
            .collect();
        let calls = days.iter().map(|d| d.calls).sum();
        let credits = days.iter().map(|d| d.credits).sum();
        let errors = days.iter().map(UsageDay::errors).sum();
        Usage { days, calls, credits, errors }
    }
}

const WIDTH: i64 = 600;
const HEIGHT: i64 = 120;

/// Calls per day over the last 30 days, split by outcome; a day's bar leads to the
/// table filtered to that day. `account`: support's view of that account.
#[component]
pub fn UsageChart(#[prop(optional)] account: Option<i64>) -> impl IntoView {
    let usage = Resource::new(move || account, usage_last_30_days);
    let base =
        account.map_or_else(|| "/logs".to_owned(), |id| format!("/support/accounts/{id}/logs"));
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move { usage.await.ok().map(|usage| view! { <Chart usage base /> }) })}
        </Suspense>
    }
}

/// A day as `2026-11-26` ([`push_date`]: chrono's `Display` for a date goes through its
/// `Debug`, and the chart writes 150 of them).
fn day_text(day: NaiveDate) -> String {
    let mut text = String::with_capacity(10);
    push_date(&mut text, day);
    text
}

/// Writes the table's URL for one UTC `day` (a [`day_text`]) as an attribute's value:
/// `base` comes escaped, the `&`s are written `&amp;`.
fn push_day_href(out: &mut String, base: &str, day: &str) {
    for part in [base, "?from=", day, "&amp;to=", day, "&amp;tz=%2B00:00"] {
        out.push_str(part);
    }
}

/// Writes one `<rect>`; `class` goes after `class="`.
fn push_rect(out: &mut String, [x, y, width, height]: [i64; 4], class: &str) {
    for (before, value) in
        [(r#"<rect x=""#, x), (r#"" y=""#, y), (r#"" width=""#, width), (r#"" height=""#, height)]
    {
        out.push_str(before);
        decimal::push(out, value);
    }
    out.push_str(r#"" class=""#);
    out.push_str(class);
    out.push_str(r#""></rect>"#);
}

/// The chart. Its bars and its table's rows, some 400 elements for 30 days, are written
/// as markup (see [`crate::markup`]).
#[component]
pub(super) fn Chart(usage: Usage, base: String) -> impl IntoView {
    let first = usage.days.first().map(|d| day_text(d.day)).unwrap_or_default();
    let last = usage.days.last().map(|d| day_text(d.day)).unwrap_or_default();
    view! {
        <figure class="usage">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="group"
                aria-label="Calls per day over the last 30 days, by outcome; each day leads to its calls"
                inner_html=bars(&usage, &base)>
            </svg>
            <p class="usage-axis" aria-hidden="true">
                <span>{first}</span>
                <span class="legend">
                    <span class="key ok"></span>" 2xx/3xx "
                    <span class="key client-error"></span>" 4xx "
                    <span class="key server-error"></span>" 5xx"
                </span>
                <span>{last}</span>
            </p>
            <figcaption>
                <strong>"Last 30 days (UTC)"</strong>
                <span class="usage-calls">{format!("{} calls", usage.calls)}</span>
                <span class="usage-errors">{format!("{} errors", usage.errors)}</span>
                <span class="usage-credits">{format!("{} credits used", usage.credits)}</span>
            </figcaption>
            <details class="usage-table">
                <summary>"The days as a table"</summary>
                <div class="table-scroll">
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">"Day (UTC)"</th>
                                <th scope="col">"Calls"</th>
                                <th scope="col">"4xx"</th>
                                <th scope="col">"5xx"</th>
                                <th scope="col">"Credits"</th>
                            </tr>
                        </thead>
                        <tbody inner_html=table_rows(&usage, &base)></tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// A bar a day, stacked by outcome, each a link to that day's calls with its numbers as
/// its name and tooltip. An outcome without calls draws nothing.
fn bars(usage: &Usage, base: &str) -> String {
    let most = usage.days.iter().map(|d| d.calls).max().unwrap_or(0).max(1);
    let slot = WIDTH / DAYS;
    let base = escape(base);
    let mut svg = String::with_capacity(usage.days.len() * 500);
    for (i, day) in usage.days.iter().enumerate() {
        let x = i as i64 * slot;
        let date = day_text(day.day);
        let mut title = String::with_capacity(80);
        title.push_str(&date);
        for (before, number) in [
            (": ", day.calls),
            (" calls, ", day.client_errors),
            (" 4xx, ", day.server_errors),
            (" 5xx, ", day.credits),
        ] {
            title.push_str(before);
            decimal::push(&mut title, number);
        }
        title.push_str(" credits");
        svg.push_str(r#"<a href=""#);
        push_day_href(&mut svg, &base, &date);
        for part in [r#"" aria-label=""#, &title, "\"><title>", &title, "</title>"] {
            svg.push_str(part);
        }
        push_rect(&mut svg, [x, 0, slot, HEIGHT], "day");
        let parts = [
            (day.ok(), "bar ok"),
            (day.client_errors, "bar client-error"),
            (day.server_errors, "bar server-error"),
        ];
        let mut below = 0;
        for (calls, class) in parts.into_iter().filter(|(calls, _)| *calls > 0) {
            let top = (below + calls) * (HEIGHT - 10) / most;
            let bottom = below * (HEIGHT - 10) / most;
            let height = (top - bottom).max(1);
            push_rect(&mut svg, [x + 2, HEIGHT - bottom - height, slot - 4, height], class);
            below += calls;
        }
        svg.push_str("</a>");
    }
    svg
}

/// The chart's days as table rows, newest first.
fn table_rows(usage: &Usage, base: &str) -> String {
    let base = escape(base);
    let mut rows = String::with_capacity(usage.days.len() * 250);
    for day in usage.days.iter().rev() {
        let date = day_text(day.day);
        rows.push_str(r#"<tr><th scope="row"><a href=""#);
        push_day_href(&mut rows, &base, &date);
        rows.push_str(r#"">"#);
        rows.push_str(&date);
        rows.push_str("</a></th>");
        for number in [day.calls, day.client_errors, day.server_errors, day.credits] {
            rows.push_str(r#"<td class="number">"#);
            decimal::push(&mut rows, number);
            rows.push_str("</td>");
        }
        rows.push_str("</tr>");
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_without_calls_are_zero_and_totals_add_up() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let day = |day, calls, credits, client_errors, server_errors| UsageDay {
            day,
            calls,
            credits,
            client_errors,
            server_errors,
        };
        let found = [
            day(today, 3, 7, 1, 1),
            day(today - TimeDelta::days(29), 1, 2, 0, 1),
            day(today - TimeDelta::days(30), 9, 9, 9, 0),
        ];
        let usage = Usage::from_days(today, &found);
        assert_eq!(usage.days.len(), 30);
        assert_eq!(usage.days[0].day, NaiveDate::from_ymd_opt(2026, 10, 28).unwrap());
        assert_eq!((usage.days[0].calls, usage.days[0].credits), (1, 2));
        assert_eq!(usage.days[1], UsageDay { day: usage.days[1].day, ..UsageDay::default() });
        assert_eq!(usage.days[29], found[0]);
        assert_eq!(usage.days[29].ok(), 1);
        assert_eq!((usage.calls, usage.credits, usage.errors), (4, 9, 3), "the 31st day is out");
    }

    #[test]
    fn the_chart_links_each_day_and_draws_only_the_outcomes_it_had() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let busy =
            UsageDay { day: today, calls: 10, credits: 4, client_errors: 5, server_errors: 0 };
        let usage = Usage::from_days(today, &[busy]);
        let svg = bars(&usage, "/support/accounts/7/logs");
        assert_eq!(svg.matches("<a href=").count(), 30);
        assert_eq!(svg.matches(r#"class="day""#).count(), 30, "every day can be clicked");
        assert_eq!(svg.matches(r#"class="bar "#).count(), 2, "the busy day's 2xx and 4xx alone");
        assert!(svg.contains(
            r#"<a href="/support/accounts/7/logs?from=2026-11-26&amp;to=2026-11-26&amp;tz=%2B00:00" aria-label="2026-11-26: 10 calls, 5 4xx, 0 5xx, 4 credits">"#
        ));
        // Half its calls each: the bars meet halfway up the 110 pixels drawn.
        assert!(svg.contains(r#"<rect x="582" y="65" width="16" height="55" class="bar ok">"#));
        assert!(svg
            .contains(r#"<rect x="582" y="10" width="16" height="55" class="bar client-error">"#));
        let rows = table_rows(&usage, "/logs");
        assert_eq!(rows.matches("<tr>").count(), 30);
        assert!(rows.starts_with(
            r#"<tr><th scope="row"><a href="/logs?from=2026-11-26&amp;to=2026-11-26&amp;tz=%2B00:00">2026-11-26</a></th><td class="number">10</td><td class="number">5</td><td class="number">0</td><td class="number">4</td></tr>"#
        ));
    }
}

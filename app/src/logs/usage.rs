//! Credits used and calls per day over the last 30 days, drawn as SVG on the server
//! (it shows without JavaScript), with the totals beside it.

use chrono::{NaiveDate, TimeDelta};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::usage_last_30_days;

pub const DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub calls: i64,
    pub credits: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Exactly [`DAYS`] UTC days, oldest first, the last being today.
    pub days: Vec<UsageDay>,
    pub calls: i64,
    pub credits: i64,
}

impl Usage {
    /// Fills the days without calls with zeros.
    pub fn from_days(today: NaiveDate, found: &[(NaiveDate, i64, i64)]) -> Usage {
        let days: Vec<UsageDay> = (0..DAYS)
            .rev()
            .map(|back| {
                let day = today - TimeDelta::days(back);
                let (calls, credits) = found
                    .iter()
                    .find(|(d, _, _)| *d == day)
                    .map_or((0, 0), |(_, calls, credits)| (*calls, *credits));
                UsageDay { day, calls, credits }
            })
            .collect();
        let calls = days.iter().map(|d| d.calls).sum();
        let credits = days.iter().map(|d| d.credits).sum();
        Usage { days, calls, credits }
    }
}

const WIDTH: i64 = 600;
const HEIGHT: i64 = 120;

#[component]
pub fn UsageChart(#[prop(optional)] account: Option<i64>) -> impl IntoView {
    let usage = Resource::new(move || account, usage_last_30_days);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { usage.await.ok().map(|usage| view! { <Chart usage /> }) })}
        </Suspense>
    }
}

#[component]
fn Chart(usage: Usage) -> impl IntoView {
    let most = usage.days.iter().map(|d| d.credits).max().unwrap_or(0).max(1);
    let slot = WIDTH / DAYS;
    let bars = usage
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let height = (day.credits * (HEIGHT - 10) / most).max(i64::from(day.credits > 0));
            let title = format!("{}: {} calls, {} credits", day.day, day.calls, day.credits);
            view! {
                <rect
                    x=i as i64 * slot + 2
                    y=HEIGHT - height
                    width=slot - 4
                    height=height
                    class="bar"
                >
                    <title>{title}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="usage">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label="Credits used per day over the last 30 days"
            >
                {bars}
            </svg>
            <figcaption>
                <strong>"Last 30 days"</strong>
                <span class="usage-calls">{format!("{} calls", usage.calls)}</span>
                <span class="usage-credits">{format!("{} credits used", usage.credits)}</span>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_without_calls_are_zero_and_totals_add_up() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let found = [
            (today, 3, 7),
            (today - TimeDelta::days(29), 1, 2),
            (today - TimeDelta::days(30), 9, 9),
        ];
        let usage = Usage::from_days(today, &found);
        assert_eq!(usage.days.len(), 30);
        assert_eq!(usage.days[0].day, NaiveDate::from_ymd_opt(2026, 10, 28).unwrap());
        assert_eq!((usage.days[0].calls, usage.days[0].credits), (1, 2));
        assert_eq!(usage.days[29], UsageDay { day: today, calls: 3, credits: 7 });
        assert_eq!((usage.calls, usage.credits), (4, 9), "the 31st day back is outside");
    }
}

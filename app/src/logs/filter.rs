//! The filter's URL language: which calls a link shows, written in its query
//! (`?status=errors&method=POST&from=…&tz=…`) and read back.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A class of status codes to filter on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusClass {
    Success,
    ClientError,
    ServerError,
    /// Every 4xx and 5xx.
    Errors,
}

impl StatusClass {
    pub const ALL: [StatusClass; 4] = [
        StatusClass::Success,
        StatusClass::ClientError,
        StatusClass::ServerError,
        StatusClass::Errors,
    ];

    /// Its name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
            StatusClass::Errors => "errors",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusClass::Success => "2xx success",
            StatusClass::ClientError => "4xx client errors",
            StatusClass::ServerError => "5xx server errors",
            StatusClass::Errors => "All errors",
        }
    }

    /// The lowest and highest status in the class.
    pub fn range(self) -> (i32, i32) {
        match self {
            StatusClass::Success => (200, 299),
            StatusClass::ClientError => (400, 499),
            StatusClass::ServerError => (500, 599),
            StatusClass::Errors => (400, 599),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        StatusClass::ALL.into_iter().find(|class| class.as_str() == name)
    }
}

/// Which calls the table shows. Every part is optional; they all must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilter {
    pub status: Option<StatusClass>,
    /// Exact HTTP method, e.g. `POST`.
    pub method: Option<String>,
    /// Exact endpoint path, e.g. `/v1/pdf/merge`.
    pub endpoint: Option<String>,
    pub request_id: Option<String>,
    /// Text anywhere in the request or response body (any case).
    pub search: Option<String>,
    /// Calls at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Calls before this instant.
    pub until: Option<DateTime<Utc>>,
    /// The UTC offset, in seconds east, in which the URL writes `since` and `until`.
    pub utc_offset: i32,
}

/// The URL query parameters of a filter, in a fixed order. `from` and `to` are local
/// times (to the minute, both included) at the UTC offset `tz`, as a browser's
/// `datetime-local` input gives them; without `tz` they are UTC.
pub const FILTER_PARAMS: [&str; 8] =
    ["status", "method", "endpoint", "request_id", "q", "from", "to", "tz"];

const MINUTE: TimeDelta = TimeDelta::minutes(1);

/// The longest text a filter may search for, in characters: a longer pattern costs the
/// database more per body than anyone needs to find a call.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The longest endpoint, request id and method a filter may name, as ingest stores them.
const MAX_ENDPOINT_BYTES: usize = 2_048;
const MAX_REQUEST_ID_BYTES: usize = 200;
const MAX_METHOD_BYTES: usize = 16;
/// The years a time range may name.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

impl LogFilter {
    /// The filter a URL's query names. Empty values are ignored; a value that names
    /// nothing (an unknown status class, a malformed time) is an error, not silently
    /// dropped, so a shared link never shows more than it says.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<Self, AppError> {
        let text = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let status = match text("status") {
            None => None,
            Some(name) => Some(StatusClass::parse(&name).ok_or_else(|| {
                AppError::Invalid(format!("{name:?} is not a status class (2xx, 4xx, 5xx, errors)"))
            })?),
        };
        let offset = match text("tz") {
            None => FixedOffset::east_opt(0).expect("UTC"),
            Some(tz) => parse_offset(&tz)?,
        };
        let from = text("from").map(|v| parse_local(&v, false)).transpose()?;
        let to = text("to").map(|v| parse_local(&v, true)).transpose()?;
        // In range (`parse_local`), a time moved by an offset or a minute stays in range.
        let instant = |local: NaiveDateTime| (local - offset).and_utc();
        let since = from.map(instant);
        // `to` names a minute, all of it included.
        let until = to.map(|to| instant(to) + MINUTE);
        if let (Some(since), Some(until)) = (since, until) {
            if since >= until {
                return Err(AppError::Invalid("The time range ends before it starts.".into()));
            }
        }
        let filter = LogFilter {
            status,
            method: text("method").map(|m| m.to_uppercase()),
            endpoint: text("endpoint"),
            request_id: text("request_id"),
            search: text("q"),
            since,
            until,
            utc_offset: offset.local_minus_utc(),
        };
        filter.check()?;
        Ok(filter)
    }

    /// Refuses a filter no URL of ours would make, however it arrived (a server
    /// function takes one whole): text too long to be a real value, or times outside
    /// [`YEARS`].
    pub fn check(&self) -> Result<(), AppError> {
        let too_long = |value: &Option<String>, max: usize, what: &str| match value {
            Some(value) if value.len() > max => {
                Err(AppError::Invalid(format!("The {what} is longer than {max} characters.")))
            }
            _ => Ok(()),
        };
        too_long(&self.method, MAX_METHOD_BYTES, "method")?;
        too_long(&self.endpoint, MAX_ENDPOINT_BYTES, "endpoint")?;
        too_long(&self.request_id, MAX_REQUEST_ID_BYTES, "request ID")?;
        if self.search.as_ref().is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
            return Err(AppError::Invalid(format!(
                "Search for at most {MAX_SEARCH_CHARS} characters."
            )));
        }
        for at in [self.since, self.until].into_iter().flatten() {
            if !YEARS.contains(&at.year()) {
                return Err(AppError::Invalid(format!(
                    "Times must fall in the years {} to {}.",
                    YEARS.start(),
                    YEARS.end()
                )));
            }
        }
        Ok(())
    }

    /// `(name, value)` for each part that is set, as in [`FILTER_PARAMS`].
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let ranged = self.since.is_some() || self.until.is_some();
        let values = [
            self.status.map(|s| s.as_str().to_owned()),
            self.method.clone(),
            self.endpoint.clone(),
            self.request_id.clone(),
            self.search.clone(),
            self.since.map(|at| self.local_input(at)),
            self.until.map(|at| self.local_input(at - MINUTE)),
            ranged.then(|| self.offset().to_string()),
        ];
        FILTER_PARAMS.into_iter().zip(values).filter_map(|(k, v)| Some((k, v?))).collect()
    }

    /// The filter as a URL query (`status=5xx&q=…`); `None` when it shows everything.
    pub fn query_string(&self) -> Option<String> {
        let params: Vec<String> = self
            .to_query()
            .into_iter()
            .map(|(name, value)| format!("{name}={}", crate::url::encode_component(&value)))
            .collect();
        (!params.is_empty()).then(|| params.join("&"))
    }

    /// The filter in words, for the access history: `status 5xx, endpoint /v1/x,
    /// text "invoice"`; times in UTC.
    pub fn words(&self) -> String {
        let time = |at: DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
        let parts = [
            self.status.map(|s| format!("status {}", s.as_str())),
            self.method.as_ref().map(|m| format!("method {m}")),
            self.endpoint.as_ref().map(|e| format!("endpoint {e}")),
            self.request_id.as_ref().map(|r| format!("request id {r}")),
            self.search.as_ref().map(|q| format!("text \"{q}\"")),
            self.since.map(|at| format!("from {}", time(at))),
            self.until.map(|at| format!("until {}", time(at))),
        ];
        let parts: Vec<String> = parts.into_iter().flatten().collect();
        if parts.is_empty() {
            "all calls".into()
        } else {
            parts.join(", ")
        }
    }

    pub fn is_empty(&self) -> bool {
        LogFilter { utc_offset: 0, ..self.clone() } == LogFilter::default()
    }

    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
    }

    /// The same filter, its times written at another UTC offset.
    pub fn at_offset(&self, offset: FixedOffset) -> Self {
        LogFilter { utc_offset: offset.local_minus_utc(), ..self.clone() }
    }

    /// `at` as a `datetime-local` input writes it, at the filter's offset.
    pub fn local_input(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.offset()).format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// A local time from a URL, to the minute: `2026-11-20T10:30` (seconds are dropped)
/// or a date, which means its first minute, or its last when it ends a range.
fn parse_local(value: &str, end: bool) -> Result<NaiveDateTime, AppError> {
    let minute = |t: NaiveDateTime| t.with_second(0).expect("second 0 exists");
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(minute)
        .or_else(|| {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            let start = day.and_hms_opt(0, 0, 0)?;
            // Checked: the last day chrono knows has no day after it.
            if end {
                start.checked_add_signed(TimeDelta::days(1) - MINUTE)
            } else {
                Some(start)
            }
        })
        .ok_or_else(|| AppError::Invalid(format!("{value:?} is not a date and time")))?;
    if !YEARS.contains(&local.year()) {
        return Err(AppError::Invalid(format!(
            "{value:?} is outside the years {} to {}",
            YEARS.start(),
            YEARS.end()
        )));
    }
    Ok(local)
}

/// A UTC offset such as `-05:00` or `+05:30`. A URL's `+` reads as a space, which
/// [`LogFilter::from_query`] trims: an offset without its sign is east of UTC.
fn parse_offset(value: &str) -> Result<FixedOffset, AppError> {
    let signed = if value.starts_with(|c: char| c.is_ascii_digit()) {
        format!("+{value}")
    } else {
        value.to_owned()
    };
    signed
        .parse()
        .map_err(|_| AppError::Invalid(format!("{value:?} is not a UTC offset such as -05:00")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn a_filter_round_trips_through_the_url() {
        let pairs = [("status", "errors"), ("method", "post"), ("q", "  invoice "), ("x", "y")];
        let filter = LogFilter::from_query(query(&pairs)).unwrap();
        assert_eq!(
            filter,
            LogFilter {
                status: Some(StatusClass::Errors),
                method: Some("POST".into()),
                search: Some("invoice".into()),
                ..LogFilter::default()
            }
        );
        let back = filter.to_query();
        assert_eq!(
            back,
            vec![("status", "errors".into()), ("method", "POST".into()), ("q", "invoice".into())]
        );
        assert!(LogFilter::from_query(query(&[("status", ""), ("q", " ")])).unwrap().is_empty());
    }

    #[test]
    fn a_time_range_is_local_to_its_offset_and_includes_its_last_minute() {
        let pairs = [("from", "2026-11-20T09:30"), ("to", "2026-11-20T10:00"), ("tz", "-05:00")];
        let filter = LogFilter::from_query(query(&pairs)).unwrap();
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(filter.since, Some(utc("2026-11-20T14:30:00Z")));
        assert_eq!(filter.until, Some(utc("2026-11-20T15:01:00Z")));
        assert_eq!(filter.to_query(), pairs.map(|(k, v)| (k, v.to_owned())).to_vec());
        // Written at another offset, the same instants.
        let berlin = filter.at_offset(FixedOffset::east_opt(3600).unwrap());
        let back = LogFilter::from_query(query(
            &berlin.to_query().iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        ))
        .unwrap();
        assert_eq!((back.since, back.until), (filter.since, filter.until));
        assert_eq!(back.local_input(back.since.unwrap()), "2026-11-20T15:30");
    }

    #[test]
    fn dates_and_urls_plus_signs_are_understood() {
        let pairs = [("from", "2026-11-20"), ("to", "2026-11-20"), ("tz", " 05:30")];
        let filter = LogFilter::from_query(query(&pairs)).unwrap();
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(filter.since, Some(utc("2026-11-19T18:30:00Z")));
        assert_eq!(filter.until, Some(utc("2026-11-20T18:30:00Z")));
        let utc_only = LogFilter::from_query(query(&[("from", "2026-11-20T10:00:59")])).unwrap();
        assert_eq!(utc_only.since, Some(utc("2026-11-20T10:00:00Z")));
        assert_eq!(
            utc_only.to_query(),
            vec![("from", "2026-11-20T10:00".into()), ("tz", "+00:00".into())]
        );
    }

    #[test]
    fn a_filter_that_names_nothing_is_an_error() {
        for pairs in [
            vec![("status", "3xx")],
            vec![("from", "yesterday")],
            vec![("to", "2026-13-01T00:00")],
            vec![("from", "2026-11-20T10:00"), ("tz", "EST")],
            vec![("from", "2026-11-20T10:00"), ("to", "2026-11-20T09:00")],
        ] {
            let error = LogFilter::from_query(query(&pairs)).unwrap_err();
            assert!(matches!(error, AppError::Invalid(_)), "{pairs:?}: {error:?}");
        }
    }

    #[test]
    fn dates_far_out_and_long_texts_are_refused_not_panicked_on() {
        for pairs in [
            vec![("to", "+262142-12-31")],
            vec![("from", "+262142-12-31T23:59"), ("tz", "-23:59")],
            vec![("from", "-262143-01-01"), ("tz", "+23:59")],
            vec![("to", "9999-12-31T23:59"), ("tz", "-23:59")],
            vec![("from", "1969-12-31")],
        ] {
            let error = LogFilter::from_query(query(&pairs)).unwrap_err();
            assert!(matches!(error, AppError::Invalid(_)), "{pairs:?}: {error:?}");
        }
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        let error = LogFilter::from_query(query(&[("q", &long)])).unwrap_err();
        assert_eq!(error, AppError::Invalid("Search for at most 200 characters.".into()));
        let longest = "é".repeat(MAX_SEARCH_CHARS);
        assert!(LogFilter::from_query(query(&[("q", &longest)])).is_ok());
        let far = LogFilter {
            until: NaiveDate::from_ymd_opt(20_000, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
            ..LogFilter::default()
        };
        assert!(far.check().is_err(), "a filter sent whole is checked too");
    }

    proptest::proptest! {
        #[test]
        fn no_query_string_panics(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    "\\PC{0,40}",
                    "[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?)?",
                    "[+-]?[0-9]{1,2}:[0-9]{1,2}",
                ],
                FILTER_PARAMS.len(),
            ),
        ) {
            let pairs: Vec<(&str, &str)> =
                FILTER_PARAMS.iter().copied().zip(values.iter().map(String::as_str)).collect();
            if let Ok(filter) = LogFilter::from_query(query(&pairs)) {
                // What it names, it writes back, and that reads as the same filter.
                let written = filter.to_query();
                let written: Vec<(&str, &str)> =
                    written.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let again = LogFilter::from_query(query(&written)).unwrap();
                proptest::prop_assert_eq!((again.since, again.until), (filter.since, filter.until));
                proptest::prop_assert_eq!(again.search, filter.search);
            }
        }

        #[test]
        fn no_cursor_panics(text in "\\PC{0,30}|-?[0-9]{1,20}_-?[0-9]{1,20}") {
            if let Ok(cursor) = text.parse::<super::super::Cursor>() {
                proptest::prop_assert_eq!(cursor.to_string().parse::<super::super::Cursor>().unwrap(), cursor);
            }
        }
    }
}

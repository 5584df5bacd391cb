//! What a grant lets Support read of the account's calls: all of them (the seed's
//! grant), or only those in a time range, answered with an error, to chosen endpoints,
//! or chosen one by one. Every part set must match. The database applies a scope beside
//! the agent's own filter (`logs::store`), never by dropping rows after reading them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most endpoints, and calls, one grant may name.
pub const MAX_SCOPE_ENDPOINTS: usize = 20;
pub const MAX_SCOPE_CALLS: usize = 100;

/// A grant's reach. The default, every part unset, is every call of the account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Calls at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Calls before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Calls answered with a 4xx or 5xx status.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub errors_only: bool,
    /// Calls to one of these endpoints (exact paths); empty: any endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// These calls and no other; empty: any call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<ChosenCall>,
}

/// A call chosen by the customer, with its time: the database finds it by the key of
/// the account's calls, (time, id), in one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChosenCall {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Scope {
    /// Every call of the account: the seed's grant, and the customer's own reads.
    pub const EVERYTHING: Scope = Scope {
        since: None,
        until: None,
        errors_only: false,
        endpoints: Vec::new(),
        calls: Vec::new(),
    };

    pub fn is_everything(&self) -> bool {
        *self == Scope::EVERYTHING
    }

    /// What the scope covers, in words ("only calls answered with an error, to
    /// /v1/pdf/merge"); `None` for every call.
    pub fn words(&self) -> Option<String> {
        let time = |at: DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
        let mut parts = Vec::new();
        match self.calls.len() {
            0 => {}
            1 => parts.push("1 chosen call".to_owned()),
            n => parts.push(format!("{n} chosen calls")),
        }
        match (self.since, self.until) {
            (Some(since), Some(until)) => {
                parts.push(format!("from {} to {}", time(since), time(until)))
            }
            (Some(since), None) => parts.push(format!("from {}", time(since))),
            (None, Some(until)) => parts.push(format!("before {}", time(until))),
            (None, None) => {}
        }
        if self.errors_only {
            parts.push("answered with an error (4xx or 5xx)".into());
        }
        if !self.endpoints.is_empty() {
            parts.push(format!("to {}", self.endpoints.join(" or ")));
        }
        (!parts.is_empty()).then(|| {
            let calls = if self.calls.is_empty() { "calls " } else { "" };
            format!("only {calls}{}", parts.join(", "))
        })
    }

    /// The stored form: JSON text, `NULL` for every call.
    pub fn stored(&self) -> Option<String> {
        (!self.is_everything()).then(|| serde_json::to_string(self).expect("a scope is JSON"))
    }
}

impl TryFrom<Option<String>> for Scope {
    type Error = serde_json::Error;

    fn try_from(text: Option<String>) -> Result<Self, Self::Error> {
        text.map_or_else(|| Ok(Scope::default()), |text| serde_json::from_str(&text))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_scope_says_what_it_covers_and_is_stored_only_when_narrow() {
        assert_eq!(Scope::default().words(), None);
        assert_eq!(Scope::default().stored(), None);
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
        let narrow = Scope {
            since: Some(at),
            errors_only: true,
            endpoints: vec!["/v1/a".into(), "/v1/b".into()],
            ..Scope::default()
        };
        assert_eq!(
            narrow.words().as_deref(),
            Some(
                "only calls from 2026-11-20 09:30 UTC, answered with an error (4xx or 5xx), \
                 to /v1/a or /v1/b"
            )
        );
        assert_eq!(Scope::try_from(narrow.stored()).unwrap(), narrow);
        let chosen = Scope { calls: vec![ChosenCall { at, id: 4 }; 3], ..Scope::default() };
        assert_eq!(chosen.words().as_deref(), Some("only 3 chosen calls"));
    }
}

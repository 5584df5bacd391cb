//! One recorded API call: the one list of what is recorded about a call, and the
//! entry that carries it with its place in the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Declares [`Call`] and, from the same list, [`Call::NAMES`] and [`Call::fields`]:
/// the INSERT, the CSV export and every other place that goes through the fields one
/// by one follow them, so adding a field to the struct is the whole change in Rust.
macro_rules! call_fields {
    (
        $(#[$meta:meta])*
        pub struct Call { $($(#[$field_meta:meta])* pub $field:ident: $type:ty,)* }
    ) => {
        $(#[$meta])*
        pub struct Call { $($(#[$field_meta])* pub $field: $type,)* }

        impl Call {
            /// The fields' names, which are also their columns' and their JSON keys.
            pub const NAMES: [&'static str; [$(stringify!($field)),*].len()] =
                [$(stringify!($field)),*];

            /// Every field with its name, in [`Call::NAMES`]' order.
            pub fn fields(&self) -> [(&'static str, Field<'_>); Self::NAMES.len()] {
                [$((stringify!($field), Field::from(&self.$field))),*]
            }
        }
    };
}

call_fields! {
    /// What is recorded about one API call, in the order an export lists it: what was
    /// called and how it went, who called, then what was sent and answered.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
    pub struct Call {
        pub occurred_at: DateTime<Utc>,
        pub method: String,
        /// The path called, without the query.
        pub endpoint: String,
        /// The query string, without `?`.
        pub query: String,
        pub status: i32,
        pub duration_ms: i32,
        pub credits: i32,
        /// The API's own id for the call, as its customer sees it.
        pub request_id: String,
        pub client_ip: Option<String>,
        pub user_agent: Option<String>,
        pub error_message: Option<String>,
        /// A JSON object of header names to values.
        pub request_headers: String,
        pub request_body: Option<String>,
        pub response_body: Option<String>,
        /// A body's size before it was cut to the ingest limit; `None` when stored whole.
        pub request_body_full_size: Option<i64>,
        pub response_body_full_size: Option<i64>,
    }
}

/// One field's value, typed as its column is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field<'a> {
    Time(DateTime<Utc>),
    Text(&'a str),
    OptionalText(Option<&'a str>),
    Int(i32),
    OptionalBigInt(Option<i64>),
}

impl<'a> From<&'a DateTime<Utc>> for Field<'a> {
    fn from(value: &'a DateTime<Utc>) -> Self {
        Field::Time(*value)
    }
}

impl<'a> From<&'a String> for Field<'a> {
    fn from(value: &'a String) -> Self {
        Field::Text(value)
    }
}

impl<'a> From<&'a Option<String>> for Field<'a> {
    fn from(value: &'a Option<String>) -> Self {
        Field::OptionalText(value.as_deref())
    }
}

impl<'a> From<&'a i32> for Field<'a> {
    fn from(value: &'a i32) -> Self {
        Field::Int(*value)
    }
}

impl<'a> From<&'a Option<i64>> for Field<'a> {
    fn from(value: &'a Option<i64>) -> Self {
        Field::OptionalBigInt(*value)
    }
}

/// A stored call: the call, where it is, and which key made it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LogEntry {
    pub id: i64,
    pub account_id: i64,
    /// The first characters of the API key used, never the key.
    pub api_key_prefix: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub call: Call,
}

/// A call's request headers (a JSON object) as names and text values, in the order
/// they were recorded; `None` when they are not an object.
pub fn header_pairs(headers: &str) -> Option<Vec<(String, String)>> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(headers).ok()?;
    let text = |value| match value {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    };
    Some(map.into_iter().map(|(name, value)| (name, text(value))).collect())
}

#[cfg(any(test, feature = "testing"))]
impl Call {
    /// The test sample: a plain successful call at `occurred_at`, with request id
    /// `req_<i>`. Tests set what they look at with struct update syntax.
    pub fn sample(occurred_at: DateTime<Utc>, i: i64) -> Call {
        Call {
            occurred_at,
            request_id: format!("req_{i}"),
            method: "POST".into(),
            endpoint: "/v1/pdf/convert/to/text".into(),
            query: String::new(),
            status: 200,
            duration_ms: 420,
            credits: 3,
            request_headers: "{}".into(),
            request_body: Some("{}".into()),
            response_body: Some("{}".into()),
            request_body_full_size: None,
            response_body_full_size: None,
            error_message: None,
            client_ip: Some("203.0.113.9".into()),
            user_agent: Some("curl/8.5.0".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_follow_the_struct_and_its_json() {
        let call = Call { status: 404, ..Call::sample(DateTime::default(), 7) };
        let json = serde_json::to_value(&call).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, Call::NAMES);
        let fields = call.fields();
        assert_eq!(fields.map(|(name, _)| name), Call::NAMES);
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(field("request_id"), Field::Text("req_7"));
        assert_eq!(field("status"), Field::Int(404));
        assert_eq!(field("error_message"), Field::OptionalText(None));
        assert_eq!(field("response_body_full_size"), Field::OptionalBigInt(None));
    }

    #[test]
    fn an_entry_is_its_call_flattened() {
        let entry = LogEntry {
            id: 3,
            account_id: 1,
            api_key_prefix: None,
            call: Call::sample(DateTime::default(), 1),
        };
        let json = serde_json::to_string(&entry).unwrap();
        assert!(json.starts_with(r#"{"id":3,"account_id":1,"api_key_prefix":null,"occurred_at":"#));
        assert_eq!(serde_json::from_str::<LogEntry>(&json).unwrap(), entry);
    }
}

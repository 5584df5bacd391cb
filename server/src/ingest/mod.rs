//! Ingest: call records, from the vendor's gateway (`POST /api/v1/logs`) or from the
//! recording middleware, checked, redacted and cut to size before they are stored.

use std::{collections::HashMap, net::IpAddr, sync::Arc};

use app::{
    logs::{Call, NewLogEntry},
    store::{Store, StoreError},
};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{value::RawValue, Map, Value};
use utoipa::ToSchema;

use crate::redact::{self, Redactor};

/// What ingest accepts, from the server's configuration.
#[derive(Clone, Debug)]
pub struct IngestSettings {
    pub redactor: Redactor,
    /// Bodies longer than this many bytes are stored cut.
    pub max_body_bytes: usize,
    /// Records in one batch.
    pub max_batch_records: usize,
    /// Bytes in one request to `POST /api/v1/logs`.
    pub max_request_bytes: usize,
    /// How long calls are kept: an older call is refused, not stored to be deleted
    /// within the hour (nor, on PostgreSQL, given a table for its day).
    pub retention: TimeDelta,
}

/// How far past the body limit a body is read for secrets: one that straddles the cut
/// is found whole, so no part of it is kept.
const CUT_MARGIN: usize = 4 * 1024;

impl IngestSettings {
    /// A body as it is stored: redacted, then cut to the limit; with its size as sent
    /// when it was cut. Only what can be kept is read, so a body of many megabytes costs
    /// no more than one at the limit.
    pub fn keep_body(&self, body: String, content_type: Option<&str>) -> (String, Option<i64>) {
        let sent = body.len();
        let (mut body, cut_before) = cut(body, self.max_body_bytes + CUT_MARGIN);
        self.redactor.text(&mut body, content_type);
        let redacted = body.len();
        let (body, cut_after) = cut(body, self.max_body_bytes);
        (body, (cut_before || cut_after).then(|| sent.max(redacted) as i64))
    }
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            redactor: Redactor::default(),
            max_body_bytes: 64 * 1024,
            max_batch_records: 5_000,
            max_request_bytes: 32 * 1024 * 1024,
            retention: TimeDelta::days(90),
        }
    }
}

/// One API call, as the gateway or the middleware reports it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRecord {
    /// The customer's account. Give this, `api_key_id`, or both.
    #[schema(example = 1)]
    pub account_id: Option<i64>,
    /// The API key the call was made with; its account is the call's.
    pub api_key_id: Option<i64>,
    /// When the call arrived, RFC 3339; at most 5 minutes ahead of the server's clock,
    /// and within the retention (`--retention-days`, 90 by default).
    #[schema(value_type = String, format = DateTime, example = "2026-11-26T09:00:00.123Z")]
    pub occurred_at: DateTime<Utc>,
    /// The API's own id for the call, as its customer sees it.
    #[schema(example = "req_5f2c1d", min_length = 1, max_length = 200, pattern = r"\S")]
    pub request_id: String,
    #[schema(example = "POST", pattern = r"^\s*[A-Za-z]{1,16}\s*$")]
    pub method: String,
    /// The path called, without the query.
    #[schema(example = "/v1/pdf/merge", pattern = "^/", max_length = 2048)]
    pub endpoint: String,
    /// The query string, without `?`.
    #[serde(default)]
    #[schema(max_length = 8192)]
    pub query: String,
    #[schema(minimum = 100, maximum = 599, example = 200)]
    pub status: u16,
    #[schema(maximum = 2147483647)]
    pub duration_ms: u32,
    /// Credits the call used.
    #[serde(default)]
    #[schema(maximum = 2147483647)]
    pub credits: u32,
    /// Header names (of at most 256 bytes) to values (of at most 8 KiB). Secrets are
    /// redacted before storage.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub request_headers: Map<String, Value>,
    /// A string as it was sent, or any JSON value (kept byte for byte as sent).
    #[schema(value_type = Object)]
    pub request_body: Option<BodyText>,
    /// A string as it was sent, or any JSON value (kept byte for byte as sent).
    #[schema(value_type = Object)]
    pub response_body: Option<BodyText>,
    #[schema(max_length = 4096)]
    pub error_message: Option<String>,
    /// An IPv4 or IPv6 address.
    #[schema(value_type = Option<String>, example = "203.0.113.7")]
    pub client_ip: Option<IpAddr>,
    #[schema(max_length = 1024)]
    pub user_agent: Option<String>,
}

/// A body as text: a JSON string is its content, any other JSON value its text exactly
/// as it came in the record (numbers, escapes, white space and repeated keys kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BodyText(pub String);

impl<'de> Deserialize<'de> for BodyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        if raw.get().starts_with('"') {
            serde_json::from_str(raw.get()).map(BodyText).map_err(serde::de::Error::custom)
        } else {
            Ok(BodyText(raw.get().to_owned()))
        }
    }
}

/// Why a batch was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IngestError {
    /// What is wrong, in words.
    pub error: String,
    /// The record at fault, counting from 0, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IngestError {
    pub fn batch(error: impl Into<String>) -> Self {
        IngestError { error: error.into(), record: None, field: None }
    }

    pub fn field(record: usize, field: &str, error: impl Into<String>) -> Self {
        IngestError { error: error.into(), record: Some(record), field: Some(field.to_owned()) }
    }
}

/// The most a record's clock may run ahead of the server's.
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(5);

/// The longest a record's free-text fields may be, in bytes (bodies are cut instead).
const MAX_QUERY: usize = 8 * 1024;
const MAX_ERROR_MESSAGE: usize = 4 * 1024;
const MAX_USER_AGENT: usize = 1024;
/// Headers a record may carry, and the longest name and value.
const MAX_HEADERS: usize = 100;
const MAX_HEADER_NAME: usize = 256;
const MAX_HEADER_VALUE: usize = 8 * 1024;

/// A record checked and made safe to store, as a call of `account_id`.
fn prepare(
    index: usize,
    record: CallRecord,
    account_id: i64,
    settings: &IngestSettings,
    now: DateTime<Utc>,
) -> Result<NewLogEntry, IngestError> {
    let invalid = |field: &str, why: String| IngestError::field(index, field, why);
    let method = record.method.trim().to_ascii_uppercase();
    if method.is_empty() || method.len() > 16 || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid("method", format!("{:?} is not an HTTP method", record.method)));
    }
    if !record.endpoint.starts_with('/') || record.endpoint.len() > 2_048 {
        return Err(invalid(
            "endpoint",
            "must be a path starting with / (at most 2048 bytes)".into(),
        ));
    }
    let request_id = record.request_id.trim();
    if request_id.is_empty() || request_id.len() > 200 {
        return Err(invalid("request_id", "must be 1 to 200 characters".into()));
    }
    if !(100..=599).contains(&record.status) {
        return Err(invalid(
            "status",
            format!("{} is not an HTTP status (100 to 599)", record.status),
        ));
    }
    if record.occurred_at > now + FUTURE_SLACK {
        return Err(invalid("occurred_at", "is in the future".into()));
    }
    if record.occurred_at < now - settings.retention {
        let days = settings.retention.num_days();
        return Err(invalid("occurred_at", format!("is older than the {days}-day retention")));
    }
    let texts = [
        ("query", Some(&record.query), MAX_QUERY),
        ("error_message", record.error_message.as_ref(), MAX_ERROR_MESSAGE),
        ("user_agent", record.user_agent.as_ref(), MAX_USER_AGENT),
    ];
    for (field, text, max) in texts {
        if text.is_some_and(|text| text.len() > max) {
            return Err(invalid(field, format!("is longer than {max} bytes")));
        }
    }
    if record.request_headers.len() > MAX_HEADERS {
        return Err(invalid("request_headers", format!("has more than {MAX_HEADERS} headers")));
    }
    for (name, value) in &record.request_headers {
        let value_len = value.as_str().map_or_else(|| value.to_string().len(), str::len);
        if name.len() > MAX_HEADER_NAME || value_len > MAX_HEADER_VALUE {
            return Err(invalid(
                "request_headers",
                format!(
                    "header names may have {MAX_HEADER_NAME} bytes and values \
                     {MAX_HEADER_VALUE}"
                ),
            ));
        }
    }
    let redactor = &settings.redactor;
    let mut headers = record.request_headers;
    redactor.headers(&mut headers);
    let content_type = redact::content_type(&headers);
    // `null` is no body (serde reads it as `None`).
    let body = |body: Option<BodyText>, content_type| match body {
        Some(BodyText(text)) => {
            let (text, full_size) = settings.keep_body(text, content_type);
            (Some(text), full_size)
        }
        None => (None, None),
    };
    let (request_body, request_body_full_size) = body(record.request_body, content_type);
    let (response_body, response_body_full_size) = body(record.response_body, None);
    let (mut endpoint, mut query, mut error_message, mut user_agent) =
        (record.endpoint, record.query, record.error_message, record.user_agent);
    // A path can carry a key too (`/bot<token>/sendMessage`).
    redactor.path(&mut endpoint);
    redactor.query(&mut query);
    redactor.optional(&mut error_message);
    redactor.optional(&mut user_agent);
    let to_i32 = |field: &str, value: u32| {
        i32::try_from(value).map_err(|_| invalid(field, format!("{value} is too large")))
    };
    Ok(NewLogEntry {
        account_id,
        api_key_id: record.api_key_id,
        call: Call {
            occurred_at: record.occurred_at,
            request_id: request_id.to_owned(),
            method,
            endpoint,
            query,
            status: i32::from(record.status),
            duration_ms: to_i32("duration_ms", record.duration_ms)?,
            credits: to_i32("credits", record.credits)?,
            request_headers: Value::Object(headers).to_string(),
            request_body,
            response_body,
            request_body_full_size,
            response_body_full_size,
            error_message,
            client_ip: record.client_ip.map(|ip| ip.to_string()),
            user_agent,
        },
    })
}

/// `text` cut to at most `max` bytes (at a character boundary); true when it was.
fn cut(mut text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (text, true)
}

/// Records checked, made safe and given their accounts: ready to store in one go.
pub async fn prepare_batch(
    store: &Store,
    records: Vec<CallRecord>,
    settings: &Arc<IngestSettings>,
    now: DateTime<Utc>,
) -> Result<Vec<NewLogEntry>, BatchError> {
    if records.is_empty() {
        return Err(BatchError::Invalid(IngestError::batch("the batch has no records")));
    }
    if records.len() > settings.max_batch_records {
        return Err(BatchError::TooLarge(IngestError::batch(format!(
            "{} records is more than the {} a batch may hold",
            records.len(),
            settings.max_batch_records
        ))));
    }
    let accounts = resolve_accounts(store, &records).await?;
    // Reading every text for secrets is work for the CPU, up to a request's size: off
    // the threads that serve requests.
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        records
            .into_iter()
            .zip(accounts)
            .enumerate()
            .map(|(i, (record, account))| prepare(i, record, account, &settings, now))
            .collect::<Result<Vec<_>, _>>()
            .map_err(BatchError::Invalid)
    })
    .await
    .map_err(|error| BatchError::Crashed(error.to_string()))?
}

/// The account of each record: the one its API key belongs to, or the one it names.
/// Every account and key named must exist, and a key must be its account's.
async fn resolve_accounts(store: &Store, records: &[CallRecord]) -> Result<Vec<i64>, BatchError> {
    let distinct = |ids: Vec<i64>| {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let keys = distinct(records.iter().filter_map(|r| r.api_key_id).collect());
    let key_accounts: HashMap<i64, i64> =
        store.api_key_accounts(&keys).await?.into_iter().collect();
    let named = distinct(records.iter().filter_map(|r| r.account_id).collect());
    let known = store.existing_accounts(&named).await?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| match (record.api_key_id, record.account_id) {
            (None, None) => Err(BatchError::Invalid(IngestError::field(
                i,
                "account_id",
                "give account_id or api_key_id",
            ))),
            (Some(key), named) => {
                let owner = *key_accounts.get(&key).ok_or_else(|| {
                    BatchError::Unknown(IngestError::field(
                        i,
                        "api_key_id",
                        format!("no API key has id {key}"),
                    ))
                })?;
                match named {
                    Some(account) if account != owner => {
                        Err(BatchError::Invalid(IngestError::field(
                            i,
                            "api_key_id",
                            format!("API key {key} belongs to account {owner}, not {account}"),
                        )))
                    }
                    _ => Ok(owner),
                }
            }
            (None, Some(account)) if known.contains(&account) => Ok(account),
            (None, Some(account)) => Err(BatchError::Unknown(IngestError::field(
                i,
                "account_id",
                format!("no account has id {account}"),
            ))),
        })
        .collect()
}

/// Why a batch cannot be stored.
#[derive(Debug)]
pub enum BatchError {
    /// 400: a record is malformed or breaks a rule.
    Invalid(IngestError),
    /// 413: over a configured limit.
    TooLarge(IngestError),
    /// 422: a record names an account or key that does not exist.
    Unknown(IngestError),
    /// 500: the database failed.
    Store(StoreError),
    /// 500: preparing the batch failed (a bug).
    Crashed(String),
}

impl From<StoreError> for BatchError {
    fn from(error: StoreError) -> Self {
        BatchError::Store(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_at_a_character_boundary() {
        assert_eq!(cut("short".into(), 10), ("short".into(), false));
        // "é" is two bytes: the cut must not split it.
        assert_eq!(cut("aé".repeat(4), 5), ("aéa".into(), true));
    }

    #[test]
    fn a_body_is_redacted_before_it_is_cut_and_says_its_size_as_sent() {
        let settings = IngestSettings { max_body_bytes: 20, ..IngestSettings::default() };
        // The secret straddles the cut: none of it is kept.
        let body = format!("{{\"note\":\"x\",\"password\":\"{}\"}}", "p".repeat(40));
        let (kept, full) = settings.keep_body(body.clone(), None);
        assert_eq!(kept, "{\"note\":\"x\",\"passwor");
        assert_eq!(full, Some(body.len() as i64));
        // Far past the limit, only the start is read, and the size is still the sent one.
        let long = format!("token={}&{}", "t".repeat(30), "a".repeat(100_000));
        let (kept, full) = settings.keep_body(long.clone(), None);
        assert_eq!(kept, "token=[REDACTED]&aaa");
        assert_eq!(full, Some(long.len() as i64));
        assert_eq!(settings.keep_body("{\"a\":1}".into(), None), ("{\"a\":1}".into(), None));
    }
}

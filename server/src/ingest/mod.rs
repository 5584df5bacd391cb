//! Ingest: call records, from the vendor's gateway (`POST /api/v1/logs`) or from the
//! recording middleware, checked, redacted and cut to size before they are stored.

pub mod redact;

use std::{collections::HashMap, net::IpAddr};

use app::{
    logs::{Call, NewLogEntry},
    store::{Store, StoreError},
};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use redact::Redactor;

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
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            redactor: Redactor::default(),
            max_body_bytes: 64 * 1024,
            max_batch_records: 5_000,
            max_request_bytes: 32 * 1024 * 1024,
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
    /// When the call arrived, RFC 3339; at most 5 minutes ahead of the server's clock.
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
    /// A string as it was sent, or any JSON value.
    #[schema(value_type = Object)]
    pub request_body: Option<Value>,
    /// A string as it was sent, or any JSON value.
    #[schema(value_type = Object)]
    pub response_body: Option<Value>,
    #[schema(max_length = 4096)]
    pub error_message: Option<String>,
    /// An IPv4 or IPv6 address.
    #[schema(value_type = Option<String>, example = "203.0.113.7")]
    pub client_ip: Option<IpAddr>,
    #[schema(max_length = 1024)]
    pub user_agent: Option<String>,
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
    let body = |body: Option<Value>| -> (Option<String>, Option<i64>) {
        let text = match body {
            None | Some(Value::Null) => return (None, None),
            Some(Value::String(text)) => redactor.body(&text).unwrap_or(text),
            // Sent as JSON: redacted as it was parsed, written once.
            Some(mut json) => {
                redactor.json(&mut json);
                json.to_string()
            }
        };
        cut(text, settings.max_body_bytes)
    };
    let (request_body, request_body_full_size) = body(record.request_body);
    let (response_body, response_body_full_size) = body(record.response_body);
    let query = redactor.query(&record.query).unwrap_or(record.query);
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
            endpoint: record.endpoint,
            query,
            status: i32::from(record.status),
            duration_ms: to_i32("duration_ms", record.duration_ms)?,
            credits: to_i32("credits", record.credits)?,
            request_headers: Value::Object(headers).to_string(),
            request_body,
            response_body,
            request_body_full_size,
            response_body_full_size,
            error_message: record.error_message,
            client_ip: record.client_ip.map(|ip| ip.to_string()),
            user_agent: record.user_agent,
        },
    })
}

/// `text` cut to at most `max` bytes (at a character boundary), with its full size
/// when it was cut.
pub fn cut(mut text: String, max: usize) -> (Option<String>, Option<i64>) {
    if text.len() <= max {
        return (Some(text), None);
    }
    let full = text.len() as i64;
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (Some(text), Some(full))
}

/// Records checked, made safe and given their accounts: ready to store in one go.
pub async fn prepare_batch(
    store: &Store,
    records: Vec<CallRecord>,
    settings: &IngestSettings,
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
    records
        .into_iter()
        .zip(accounts)
        .enumerate()
        .map(|(i, (record, account))| prepare(i, record, account, settings, now))
        .collect::<Result<Vec<_>, _>>()
        .map_err(BatchError::Invalid)
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
    fn a_long_body_is_cut_at_a_character_boundary_and_keeps_its_size() {
        assert_eq!(cut("short".into(), 10), (Some("short".into()), None));
        // "é" is two bytes: the cut must not split it.
        let (text, full) = cut("aé".repeat(4), 5);
        assert_eq!((text.as_deref(), full), (Some("aéa"), Some(12)));
    }
}

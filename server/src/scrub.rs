//! `apilogs scrub`: the current redaction rules applied again to calls already stored,
//! for the day a customer reports that a secret got through, or the rules grow.
//! Account by account, oldest call first, a batch a transaction: it can be stopped and
//! run again at any time, and a call already scrubbed is left as it is.

use app::{
    logs::{Cursor, StoredTexts},
    store::Store,
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::redact::{self, Redactor};

/// Calls read, and written back, at once.
const BATCH: i64 = 500;

/// What a scrub did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scrubbed {
    /// Calls read.
    pub calls: u64,
    /// Calls written back.
    pub changed: u64,
    /// Values redacted in them.
    pub values: u64,
}

pub async fn run(
    store: &Store,
    redactor: &Redactor,
    account: Option<i64>,
    since: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let accounts = match account {
        Some(id) if store.account(id).await?.is_some() => vec![id],
        Some(id) => anyhow::bail!("no account has id {id}"),
        None => store.account_ids().await?,
    };
    let mut total = Scrubbed::default();
    for &account in &accounts {
        let done = scrub(store, redactor, account, since).await?;
        if done.calls > 0 {
            say!(
                "account {account}: {} calls read, {} values redacted in {} calls",
                done.calls,
                done.values,
                done.changed
            );
        }
        total.calls += done.calls;
        total.changed += done.changed;
        total.values += done.values;
    }
    say!(
        "Scrubbed {} calls of {} account{}: {} values redacted in {} calls.",
        total.calls,
        accounts.len(),
        if accounts.len() == 1 { "" } else { "s" },
        total.values,
        total.changed
    );
    Ok(())
}

/// Scrubs one account's calls at or after `since`.
pub async fn scrub(
    store: &Store,
    redactor: &Redactor,
    account: i64,
    since: Option<DateTime<Utc>>,
) -> anyhow::Result<Scrubbed> {
    // Year 1: before any call, and a time both databases hold.
    let first = DateTime::from_timestamp(-62_135_596_800, 0).expect("a valid time");
    let mut after = Cursor { at: since.unwrap_or(first), id: i64::MIN };
    let mut done = Scrubbed::default();
    loop {
        let mut calls = store.stored_texts(account, after, BATCH).await?;
        let Some(last) = calls.last() else {
            return Ok(done);
        };
        after = Cursor { at: last.occurred_at, id: last.id };
        done.calls += calls.len() as u64;
        calls.retain_mut(|call| {
            let values = scrub_call(redactor, call);
            done.values += values as u64;
            values > 0
        });
        done.changed += calls.len() as u64;
        store.rewrite_texts(&calls).await?;
    }
}

/// Redacts a stored call's texts in place; how many values went.
fn scrub_call(redactor: &Redactor, call: &mut StoredTexts) -> usize {
    let mut values = redactor.query(&mut call.query);
    let mut content_type = None;
    match serde_json::from_str::<Map<String, Value>>(&call.request_headers) {
        Ok(mut headers) => {
            let found = redactor.headers(&mut headers);
            content_type = redact::content_type(&headers).map(str::to_owned);
            if found > 0 {
                call.request_headers = Value::Object(headers).to_string();
                values += found;
            }
        }
        Err(_) => values += redactor.text(&mut call.request_headers, None),
    }
    if let Some(body) = &mut call.request_body {
        values += redactor.text(body, content_type.as_deref());
    }
    values += redactor.optional(&mut call.response_body);
    values += redactor.optional(&mut call.error_message);
    values + redactor.optional(&mut call.user_agent)
}

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
    let mut values = redactor.path(&mut call.endpoint) + redactor.query(&mut call.query);
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

#[cfg(test)]
mod tests {
    use app::support_access::Scope;
    use app::{
        logs::{Call, LogEntry, LogFilter, NewLogEntry, PageFrom},
        store_conformance_tests,
    };
    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::redact::REDACTED;

    store_conformance_tests!(scrub_redacts_what_got_through_and_nothing_else);

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
    }

    /// The `i`th call, stored as it came, before the rules caught its secrets: every
    /// seventh has a password in its body, every eleventh a token in its query.
    fn call(i: i64) -> Call {
        let body = if i % 7 == 0 {
            format!("{{\"id\": \"ord_{i}\", \"password\": \"pw{i}\"}}")
        } else {
            format!("{{\"id\": \"ord_{i}\",\n \"n\": 1.50e2}}")
        };
        Call {
            query: if i % 11 == 0 { format!("page=2&token=tk{i}") } else { "page=2".into() },
            request_headers: r#"{"Content-Type":"application/json"}"#.into(),
            request_body: Some(body),
            ..Call::sample(t0() + TimeDelta::minutes(i), i)
        }
    }

    async fn entries(store: &Store, account: i64) -> Vec<LogEntry> {
        let filter = LogFilter::default();
        let page = store
            .log_page(account, &Scope::EVERYTHING, &filter, PageFrom::Newest, 5_000)
            .await
            .unwrap();
        let mut entries = Vec::new();
        for row in page.rows {
            entries
                .push(store.log_entry(account, &Scope::EVERYTHING, row.id).await.unwrap().unwrap());
        }
        entries
    }

    async fn scrub_redacts_what_got_through_and_nothing_else(store: &Store) {
        let acme = store.create_account("Acme", t0()).await.unwrap().id;
        let globex = store.create_account("Globex", t0()).await.unwrap().id;
        // More calls than a batch, in both accounts.
        let calls = |account| (0..1_200).map(move |i| NewLogEntry::new(account, call(i)));
        store
            .insert_log_entries(&calls(acme).chain(calls(globex)).collect::<Vec<_>>())
            .await
            .unwrap();
        let before_acme = entries(store, acme).await;
        let before_globex = entries(store, globex).await;

        // What a scrub of the calls `chosen` finds: a password in every seventh, a
        // token in every eleventh, both in every seventy-seventh.
        let expect = |calls: u64, chosen: &dyn Fn(i64) -> bool| {
            let count = |every: i64| (0..1_200).filter(|&i| i % every == 0 && chosen(i)).count();
            let (values, both) = ((count(7) + count(11)) as u64, count(77) as u64);
            Scrubbed { calls, changed: values - both, values }
        };
        // Acme's calls from the 100th minute on.
        let since = t0() + TimeDelta::minutes(100);
        let redactor = Redactor::default();
        let scrubbed = |i: &i64| *i >= 100;
        let done = scrub(store, &redactor, acme, Some(since)).await.unwrap();
        assert_eq!(done, expect(1_100, &|i| scrubbed(&i)));

        for (before, after) in before_acme.iter().zip(entries(store, acme).await) {
            let i = before.call.request_id.trim_start_matches("req_").parse::<i64>().unwrap();
            let mut expected = before.clone();
            if scrubbed(&i) {
                if i % 7 == 0 {
                    expected.call.request_body =
                        Some(format!("{{\"id\": \"ord_{i}\", \"password\": \"{REDACTED}\"}}"));
                }
                if i % 11 == 0 {
                    expected.call.query = format!("page=2&token={REDACTED}");
                }
            }
            // Every other byte as it was, the calls before `since` untouched.
            assert_eq!(after, expected);
        }
        assert_eq!(entries(store, globex).await, before_globex, "another account untouched");

        // The rest of Acme, then Globex; then nothing is left to do.
        let rest = scrub(store, &redactor, acme, None).await.unwrap();
        assert_eq!(rest, expect(1_200, &|i| !scrubbed(&i)));
        assert_eq!(scrub(store, &redactor, globex, None).await.unwrap(), expect(1_200, &|_| true));
        let last = scrub(store, &redactor, acme, None).await.unwrap();
        assert_eq!(last, Scrubbed { calls: 1_200, changed: 0, values: 0 });
    }
}

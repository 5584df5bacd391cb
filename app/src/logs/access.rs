//! `/logs/access`: what Customer Support has seen. Every grant of access to the
//! customer's API Logs, newest first, how it ended, and what Support opened under it.
//! It lives with the logs because it speaks of them: the filters in words, the calls
//! linked to the customer's own views.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::LogFilter;
use crate::{
    error::ErrorView,
    support_access::{
        access_history, grant_activity, is_open, AccessAction, AccessEvent, AccessRequest,
        Activity, Countdown, GrantRecord, HistoryPage, RequestState,
    },
    time::LocalTime,
    url::{encode_component, query_pairs},
};

/// The access history page: the grants, or with `?grant=<id>&activity=<cursor>`, older
/// activity under one grant.
#[component]
pub fn AccessHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let grant = move || query.with(|q| q.get("grant").and_then(|g| g.parse::<i64>().ok()));
    view! {
        {move || match grant() {
            Some(grant) => view! { <OlderActivity grant /> }.into_any(),
            None => view! { <Grants /> }.into_any(),
        }}
    }
}

/// Older activity under one grant, a page at a time.
#[component]
fn OlderActivity(grant: i64) -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("activity"));
    let activity = Resource::new(before, move |before| grant_activity(None, grant, before));
    view! {
        <Title text="Access history" />
        <p class="back">
            <A href="/logs/access">"← Access history"</A>
        </p>
        <h1>"What Customer Support did under one grant"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Ok(activity) => view! { <ActivityTable activity grant /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Grants() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok()));
    let history = Resource::new(before, |before| access_history(None, before));
    view! {
        <Title text="Access history" />
        <p class="back">
            <A href="/logs">"← API Logs"</A>
        </p>
        <h1>"What Customer Support has seen"</h1>
        <p class="muted">
            "Every grant of access to your API Logs, and everything Customer Support opened under it. "
            <a href="/logs/access.csv" download>"Download as CSV"</a>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(page) => view! { <History page /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn History(page: HistoryPage) -> impl IntoView {
    let requests = (!page.requests.is_empty()).then(|| {
        let now = page.now;
        let rows = page.requests.into_iter().map(|request| view! { <RequestRow request now /> });
        view! {
            <h2>"Requests from Customer Support"</h2>
            <table class="access-requests">
                <thead>
                    <tr>
                        <th scope="col">"Asked"</th>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Ticket and reason"</th>
                        <th scope="col">"Answer"</th>
                    </tr>
                </thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        }
    });
    if page.grants.is_empty() {
        return view! {
            <p>"You have not granted Customer Support access to your API Logs."</p>
            {requests}
        }
        .into_any();
    }
    let now = page.now;
    let grants = page
        .grants
        .into_iter()
        .map(|(record, activity)| view! { <GrantSection record activity now /> })
        .collect_view();
    let older = page.older.map(|id| {
        view! {
            <p class="pager">
                <A href=format!("/logs/access?before={id}")>"Older grants"</A>
            </p>
        }
    });
    view! {
        {requests}
        <h2>"Grants"</h2>
        <ol class="access-history">{grants}</ol>
        {older}
    }
    .into_any()
}

#[component]
fn RequestRow(request: AccessRequest, now: DateTime<Utc>) -> impl IntoView {
    let answer = match (request.state, request.decided_at) {
        (RequestState::Granted, Some(at)) => view! { "Granted " <LocalTime at /> }.into_any(),
        (RequestState::Declined, Some(at)) => view! { "Declined " <LocalTime at /> }.into_any(),
        (RequestState::Lapsed, _) => {
            view! { "Lapsed unanswered " <LocalTime at=request.lapses_at /> }.into_any()
        }
        _ if is_open(&request, now) => {
            view! { <strong>"Waiting for your answer"</strong> }.into_any()
        }
        _ => view! { "Lapsed unanswered " <LocalTime at=request.lapses_at /> }.into_any(),
    };
    view! {
        <tr>
            <td>
                <LocalTime at=request.requested_at />
            </td>
            <td>{request.requested_by_email.unwrap_or_else(|| "a former agent".into())}</td>
            <td>
                <strong>{request.ticket}</strong>
                ": "
                {request.reason}
            </td>
            <td>{answer}</td>
        </tr>
    }
}

#[component]
fn GrantSection(record: GrantRecord, activity: Activity, now: DateTime<Utc>) -> impl IntoView {
    let GrantRecord { grant, granted_by_email, revoked_by_email } = record;
    let someone = || "a former user".to_owned();
    let ended = match grant.revoked_at {
        Some(at) => view! {
            "Revoked by "
            {revoked_by_email.unwrap_or_else(someone)}
            " at "
            <LocalTime at />
        }
        .into_any(),
        None if now >= grant.expires_at => view! {
            "Expired at "
            <LocalTime at=grant.expires_at />
        }
        .into_any(),
        None => view! {
            <strong>"In force"</strong>
            ": "
            <Countdown until=grant.expires_at now />
        }
        .into_any(),
    };
    let grant_id = grant.id;
    view! {
        <li class="access-grant">
            <h2>
                "Granted " <LocalTime at=grant.granted_at /> " by "
                {granted_by_email.unwrap_or_else(someone)}
            </h2>
            <p>"Until " <LocalTime at=grant.expires_at /> ". " {ended}</p>
            <ActivityTable activity grant=grant_id />
        </li>
    }
}

/// Support's activity under a grant, with a link to the older activity when there is.
#[component]
fn ActivityTable(activity: Activity, grant: i64) -> impl IntoView {
    let older = activity.older.map(|cursor| {
        let href = format!("/logs/access?grant={grant}&activity={}", encode_component(&cursor));
        view! {
            <p class="pager">
                <A href=href>"Older activity"</A>
            </p>
        }
    });
    if activity.events.is_empty() {
        return view! { <p class="muted">"Customer Support opened nothing under this grant."</p> }
            .into_any();
    }
    let rows = activity.events.into_iter().map(|event| view! { <EventRow event /> });
    view! {
        <table class="access-activity">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Agent"</th>
                    <th scope="col">"What"</th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
        {older}
    }
    .into_any()
}

#[component]
fn EventRow(event: AccessEvent) -> impl IntoView {
    let agent = event.actor_email.clone().unwrap_or_else(|| "a former agent".into());
    view! {
        <tr>
            <td>
                <LocalTime at=event.occurred_at />
            </td>
            <td>{agent}</td>
            <td>{what(&event)}</td>
        </tr>
    }
}

/// What an agent did, in words, with links to the customer's own views.
fn what(event: &AccessEvent) -> AnyView {
    let filter =
        event.detail.filter.as_deref().map(|query| (filter_words(query), format!("/logs?{query}")));
    let filtered = move |text: &'static str| match filter.clone() {
        Some((words, href)) => view! {
            {text}
            " ("
            <a href=href>{words}</a>
            ")"
        }
        .into_any(),
        None => view! { {text} " (all calls)" }.into_any(),
    };
    match event.action {
        AccessAction::ViewLogs => filtered("Opened the list of calls"),
        AccessAction::Export => {
            let format = event.detail.format.as_deref().unwrap_or("a file").to_uppercase();
            match format.as_str() {
                "CSV" => filtered("Exported the calls as CSV"),
                _ => filtered("Exported the calls as NDJSON"),
            }
        }
        AccessAction::ViewEntry => {
            let request_id = event.detail.request_id.clone().unwrap_or_else(|| "a call".into());
            let endpoint = event.detail.endpoint.clone().unwrap_or_default();
            match event.log_entry_id {
                Some(id) => view! {
                    "Opened the call "
                    <a href=format!("/logs/{id}")>{request_id}</a>
                    " "
                    <span class="endpoint">{endpoint}</span>
                }
                .into_any(),
                None => view! { "Opened the call " {request_id} }.into_any(),
            }
        }
        AccessAction::ViewUsage => view! { "Viewed the usage chart" }.into_any(),
        AccessAction::Grant
        | AccessAction::Revoke
        | AccessAction::Expire
        | AccessAction::Request
        | AccessAction::Decline
        | AccessAction::Lapse => view! { {event.action.as_str()} }.into_any(),
    }
}

/// The whole history as CSV, newest first: every grant, revoke and expiry, and every
/// view and export by Support, with what it was of.
#[cfg(feature = "ssr")]
pub async fn history_csv(
    state: crate::state::AppState,
    user: crate::auth::User,
    account: Option<i64>,
) -> Result<Vec<u8>, crate::error::AppError> {
    use super::export::csv_field;
    const HEADER: &str = "time,action,by,grant,call,request_id,endpoint,filter,format\n";
    const BATCH: i64 = 500;
    let account = crate::support_access::ssr::history_account(&user, account)?;
    let mut out = HEADER.as_bytes().to_vec();
    let mut before = None;
    loop {
        let events = state.store.access_events_before(account, before, BATCH).await?;
        for event in &events {
            let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
            let filter = event.detail.filter.as_deref().map(filter_words).unwrap_or_default();
            let fields = [
                event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                event.action.as_str().to_owned(),
                event.actor_email.clone().unwrap_or_default(),
                number(event.grant_id),
                number(event.log_entry_id),
                event.detail.request_id.clone().unwrap_or_default(),
                event.detail.endpoint.clone().unwrap_or_default(),
                filter,
                event.detail.format.clone().unwrap_or_default(),
            ];
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_field(field, &mut out);
            }
            out.push(b'\n');
        }
        match events.last() {
            Some(last) if events.len() as i64 == BATCH => {
                before = Some((last.occurred_at, last.id))
            }
            _ => return Ok(out),
        }
    }
}

/// A filter's URL query in words (the query itself when it does not read as a filter).
fn filter_words(query: &str) -> String {
    let pairs = query_pairs(query);
    LogFilter::from_query(|name| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        .map_or_else(|_| query.to_owned(), |filter| filter.words())
}

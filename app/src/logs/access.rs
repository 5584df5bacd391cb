//! `/logs/access`: what Customer Support has seen. Every grant of access to the
//! customer's API Logs, newest first, how it ended, and what Support opened under it.
//! It lives with the logs because it speaks of them: the filters in words, the calls
//! linked to the customer's own views.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

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

/// Whose history a page shows: the signed-in customer's own account, or the account
/// an admin names (read-only: no links into the calls, which are the customer's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whose {
    Own,
    Admin(i64),
}

impl Whose {
    /// The account the server functions are asked about.
    fn account(self) -> Option<i64> {
        match self {
            Whose::Own => None,
            Whose::Admin(account) => Some(account),
        }
    }

    /// Where this history lives.
    fn path(self) -> String {
        match self {
            Whose::Own => "/logs/access".to_owned(),
            Whose::Admin(account) => format!("/support/accounts/{account}/access"),
        }
    }

    /// A link to the customer's own view, `/logs` + `rest`: only on their own history.
    fn logs_link(self, rest: &str) -> Option<String> {
        (self == Whose::Own).then(|| format!("/logs{rest}"))
    }
}

/// `/logs/access`: the customer's own history.
#[component]
pub fn AccessHistoryPage() -> impl IntoView {
    view! { <HistoryOf whose=Whose::Own /> }
}

/// `/support/accounts/<account>/access`: an account's history, for admins.
#[component]
pub fn AccountAccessHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let account = move || params.with(|p| p.get("account").and_then(|id| id.parse().ok()));
    move || match account() {
        Some(account) => view! { <HistoryOf whose=Whose::Admin(account) /> }.into_any(),
        None => view! { <p class="form-error">"There is no such account."</p> }.into_any(),
    }
}

/// The grants, or with `?grant=<id>&activity=<cursor>`, older activity under one grant.
#[component]
fn HistoryOf(whose: Whose) -> impl IntoView {
    let query = use_query_map();
    let grant = move || query.with(|q| q.get("grant").and_then(|g| g.parse::<i64>().ok()));
    let back = match whose {
        Whose::Own => view! { <A href="/logs">"← API Logs"</A> }.into_any(),
        Whose::Admin(account) => view! {
            <A href=format!("/support/accounts/{account}/logs")>"← The account"</A>
        }
        .into_any(),
    };
    view! {
        <Title text="Access history" />
        <p class="back">{back}</p>
        {move || match grant() {
            Some(grant) => view! { <OlderActivity whose grant /> }.into_any(),
            None => view! { <Grants whose /> }.into_any(),
        }}
    }
}

/// Older activity under one grant, a page at a time.
#[component]
fn OlderActivity(whose: Whose, grant: i64) -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("activity"));
    let activity =
        Resource::new(before, move |before| grant_activity(whose.account(), grant, before));
    view! {
        <h1>"What Customer Support did under one grant"</h1>
        <p>
            <A href=whose.path()>"All grants"</A>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {Suspend::new(async move {
                match activity.await {
                    Ok(activity) => view! { <ActivityTable whose activity grant /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Grants(whose: Whose) -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok()));
    let history = Resource::new(before, move |before| access_history(whose.account(), before));
    let about = match whose {
        Whose::Own => "Every grant of access to your API Logs, and everything Customer Support \
                       opened under it. "
            .to_owned(),
        Whose::Admin(account) => format!(
            "Every grant of access to the API Logs of account {account}, and everything \
             Customer Support opened under it. Read-only. "
        ),
    };
    view! {
        <h1>"What Customer Support has seen"</h1>
        <p class="muted">
            {about}
            <a href=format!("{}.csv", whose.path()) download>"Download as CSV"</a>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {Suspend::new(async move {
                match history.await {
                    Ok(page) => view! { <History whose page /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn History(whose: Whose, page: HistoryPage) -> impl IntoView {
    let requests = (!page.requests.is_empty()).then(|| {
        let now = page.now;
        let rows = page.requests.into_iter().map(|request| view! { <RequestRow request now /> });
        view! {
            <h2>"Requests from Customer Support"</h2>
            <div class="table-scroll">
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
            </div>
        }
    });
    if page.grants.is_empty() {
        return view! {
            <p>"Customer Support has never been granted access to these API Logs."</p>
            {requests}
        }
        .into_any();
    }
    let now = page.now;
    let grants = page
        .grants
        .into_iter()
        .map(|(record, activity)| view! { <GrantSection whose record activity now /> })
        .collect_view();
    let older = page.older.map(|id| {
        view! {
            <p class="pager">
                <A href=format!("{}?before={id}", whose.path())>"Older grants"</A>
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
fn GrantSection(
    whose: Whose,
    record: GrantRecord,
    activity: Activity,
    now: DateTime<Utc>,
) -> impl IntoView {
    let GrantRecord { grant, granted_by_email, revoked_by_email, extended_to } = record;
    let someone = || "a former user".to_owned();
    let ended = match grant.revoked_at {
        Some(at) if extended_to.is_some() => view! {
            "Extended by "
            {revoked_by_email.unwrap_or_else(someone)}
            " at "
            <LocalTime at />
            ", at Customer Support's request: the grant above follows it."
        }
        .into_any(),
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
            {grant
                .scope
                .words()
                .map(|covers| {
                    view! { <p class="grant-scope">"Customer Support reads " {covers} "."</p> }
                })}
            <ActivityTable whose activity grant=grant_id />
        </li>
    }
}

/// Support's activity under a grant, with a link to the older activity when there is.
#[component]
fn ActivityTable(whose: Whose, activity: Activity, grant: i64) -> impl IntoView {
    let older = activity.older.map(|cursor| {
        let href = format!("{}?grant={grant}&activity={}", whose.path(), encode_component(&cursor));
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
    let rows = activity.events.into_iter().map(|event| view! { <EventRow whose event /> });
    view! {
        <div class="table-scroll">
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
        </div>
        {older}
    }
    .into_any()
}

#[component]
fn EventRow(whose: Whose, event: AccessEvent) -> impl IntoView {
    let agent = event.actor_email.clone().unwrap_or_else(|| "a former agent".into());
    view! {
        <tr>
            <td>
                <LocalTime at=event.occurred_at />
            </td>
            <td>{agent}</td>
            <td>{what(whose, &event)}</td>
        </tr>
    }
}

/// What an agent did, in words, with links to the customer's own views.
fn what(whose: Whose, event: &AccessEvent) -> AnyView {
    let detail = &event.detail;
    let filter = detail.filter.as_deref().map(|query| (filter_words(query), query.to_owned()));
    // What the agent did, then the filter they did it with.
    let filtered = move |text: String| {
        let filter = match filter {
            Some((words, query)) => match whose.logs_link(&format!("?{query}")) {
                Some(href) => view! { <a href=href>{words}</a> }.into_any(),
                None => words.into_any(),
            },
            None => "all calls".into_any(),
        };
        view! { {text} " (" {filter} ")" }.into_any()
    };
    let format = detail.format.as_deref().unwrap_or("csv").to_uppercase();
    match event.action {
        AccessAction::ViewLogs => filtered("Opened the list of calls".into()),
        AccessAction::Export => filtered(format!("Started a {format} export of the calls")),
        AccessAction::ExportEnd => {
            let calls = detail.calls.unwrap_or(0);
            let calls = format!("{calls} call{}", if calls == 1 { "" } else { "s" });
            filtered(match &detail.broken_off {
                None => format!("Exported {calls} as {format}"),
                Some(why) => format!("The {format} export stopped after {calls}: {why}"),
            })
        }
        AccessAction::ViewEntry => {
            let request_id = detail.request_id.clone().unwrap_or_else(|| "a call".into());
            let endpoint = detail.endpoint.clone().unwrap_or_default();
            let call = match event.log_entry_id.and_then(|id| whose.logs_link(&format!("/{id}"))) {
                Some(href) => view! { <a href=href>{request_id}</a> }.into_any(),
                None => request_id.into_any(),
            };
            view! {
                "Opened the call "
                {call}
                " "
                <span class="endpoint">{endpoint}</span>
            }
            .into_any()
        }
        AccessAction::ViewUsage => "Viewed the usage chart".into_any(),
        AccessAction::OpenShare => {
            let address = detail.address.clone().unwrap_or_else(|| "an unknown address".into());
            format!("Opened a share link from {address}").into_any()
        }
        AccessAction::Share
        | AccessAction::Unshare
        | AccessAction::Grant
        | AccessAction::Revoke
        | AccessAction::Expire
        | AccessAction::Extend
        | AccessAction::Request
        | AccessAction::Decline
        | AccessAction::Lapse => event.action.as_str().into_any(),
    }
}

/// The access history as CSV: this header, then a row per event, newest first
/// ([`history_csv_row`]).
pub const HISTORY_CSV_HEADER: &str =
    "time,action,by,grant,call,request_id,endpoint,filter,format,calls,broken_off,ticket,\
     share_link,address,user_agent,scope\n";

/// One event of the access history as a CSV row: what it was of, the filter in words.
#[cfg(feature = "ssr")]
pub fn history_csv_row(event: &AccessEvent, out: &mut Vec<u8>) {
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let detail = &event.detail;
    let fields = [
        event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        event.action.as_str().to_owned(),
        event.actor_email.clone().unwrap_or_default(),
        number(event.grant_id),
        number(event.log_entry_id),
        detail.request_id.clone().unwrap_or_default(),
        detail.endpoint.clone().unwrap_or_default(),
        detail.filter.as_deref().map(filter_words).unwrap_or_default(),
        detail.format.clone().unwrap_or_default(),
        detail.calls.map(|n| n.to_string()).unwrap_or_default(),
        detail.broken_off.clone().unwrap_or_default(),
        detail.ticket.clone().unwrap_or_default(),
        number(event.share_link_id),
        detail.address.clone().unwrap_or_default(),
        detail.user_agent.clone().unwrap_or_default(),
        detail.scope.clone().unwrap_or_default(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        super::export::csv_field(field, out);
    }
    out.push(b'\n');
}

/// A filter's URL query in words (the query itself when it does not read as a filter).
fn filter_words(query: &str) -> String {
    let pairs = query_pairs(query);
    LogFilter::from_query(|name| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        .map_or_else(|_| query.to_owned(), |filter| filter.words())
}

//! The customer's side: right above their logs table, the link that grants access
//! (under Support's request, if one waits, with a link that declines it), or the banner
//! that says until when it is granted, with a live countdown and a link that revokes
//! it. Without JavaScript every link leads to a confirmation page.

use chrono::{DateTime, TimeDelta, Utc};
use leptos::{either::EitherOf4, ev, prelude::*};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::{
    countdown_text, support_access_status, AccessRequest, AccessStatus, DeclineAccess, Grant,
    GrantAccess, RevokeAccess, GRANT_DURATION, GRANT_LINK_TEXT,
};
use crate::{
    error::ErrorView,
    live::Live,
    time::{every, local_text, LocalTime},
};

pub const GRANTED_TEXT: &str = "Access to your API Logs is granted to Customer Support until ";
const REVOKE_LINK_TEXT: &str = "Revoke Customer Support's access now";
const REVOKE_QUESTION: &str = "Revoke Customer Support's access to your API Logs now? They \
                               will lose it at once.";

const DECLINE_LINK_TEXT: &str = "Decline";
/// The box that widens a grant answering a request from its agent to all of Support.
const EVERYONE_TEXT: &str = " Let all of Customer Support read them, not only ";

/// The grant's question; `asking` names the agent whose request it answers, with
/// whether all of Support may read (`everyone`) or that agent alone.
fn grant_question(
    until: DateTime<Utc>,
    ticket: Option<&str>,
    asking: Option<&str>,
    everyone: bool,
) -> String {
    let answering = ticket
        .map(|ticket| format!(" This answers Customer Support's request for ticket {ticket}."))
        .unwrap_or_default();
    let answering = match (asking, everyone) {
        (Some(agent), false) => format!("{answering} Only {agent} will have access."),
        (Some(_), true) => format!("{answering} All of Customer Support will have access."),
        (None, _) => answering,
    };
    format!(
        "Grant Customer Support access to your API Logs details, including the input and \
         output params of every call, for 2 weeks: until {}?{answering}\n\nYou can revoke it \
         at any time.",
        local_text(until)
    )
}

fn decline_question(ticket: &str, extension: bool) -> String {
    match extension {
        false => format!(
            "Decline Customer Support's request for access to your API Logs (ticket {ticket})? \
             They will not get access."
        ),
        true => format!(
            "Decline Customer Support's request to extend their access (ticket {ticket})? It \
             ends as planned."
        ),
    }
}

/// The question of an extension: a fresh two weeks from now, until `until`.
fn extend_question(until: DateTime<Utc>, ticket: &str) -> String {
    format!(
        "Extend Customer Support's access to your API Logs, as it is now, for 2 more weeks \
         from now: until {}? This answers their request for ticket {ticket}.\n\nYou can \
         revoke it at any time.",
        local_text(until)
    )
}

/// Asks `question` in a `window.confirm` pop-up.
fn confirmed(question: &str) -> bool {
    window().confirm_with_message(question).unwrap_or(false)
}

/// The customer's support access as the banner shows it, and the actions that change
/// it. The server's answer to an action is the new status.
#[derive(Clone, Copy)]
struct Access {
    status: Live<AccessStatus>,
    grant: ServerAction<GrantAccess>,
    revoke: ServerAction<RevokeAccess>,
    decline: ServerAction<DeclineAccess>,
}

impl Access {
    fn new(status: AccessStatus) -> Self {
        let access = Access {
            status: Live::new(Ok(status)),
            grant: ServerAction::new(),
            revoke: ServerAction::new(),
            decline: ServerAction::new(),
        };
        for answer in [access.grant.value(), access.revoke.value(), access.decline.value()] {
            Effect::new(move |_| {
                if let Some(answer) = answer.get() {
                    access.status.set(answer);
                }
            });
        }
        access
    }

    /// Asks the server again: the grant may have ended meanwhile.
    fn ask_again(self) {
        self.status.ask(support_access_status());
    }
}

/// The server's clock in the browser: the server's time when it answered, carried
/// forward by the browser's clock, whatever time the browser's own clock says.
#[derive(Clone, Copy)]
struct ServerClock {
    skew: TimeDelta,
}

impl ServerClock {
    /// `now` is the server's time in its answer, which has just arrived.
    fn from_answer(now: DateTime<Utc>) -> Self {
        ServerClock { skew: now - Utc::now() }
    }

    fn now(self) -> DateTime<Utc> {
        Utc::now() + self.skew
    }
}

/// The server's clock, from `now` (its time when it answered), ticking each second in
/// the browser.
fn ticking_server_clock(now: DateTime<Utc>) -> RwSignal<DateTime<Utc>> {
    let server_now = RwSignal::new(now);
    Effect::new(move |_| {
        let clock = ServerClock::from_answer(now);
        every(1_000, move || server_now.set(clock.now()));
    });
    server_now
}

#[component]
fn TimeLeft(until: DateTime<Utc>, server_now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    view! {
        <span class="countdown">
            {move || format!("{} left", countdown_text(until - server_now.get()))}
        </span>
    }
}

/// The time left until `until`, counted down live on the server's clock (`now` is its
/// time when it answered).
#[island]
pub fn Countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! { <TimeLeft until server_now=ticking_server_clock(now) /> }
}

/// Above the customer's table: the status as the server read it when the page was
/// made, then kept live in the browser by [`AccessControls`].
#[component]
pub fn GrantBanner(status: AccessStatus) -> impl IntoView {
    view! {
        <section class="support-access" aria-label="Customer Support access">
            <AccessControls status />
        </section>
    }
}

/// The grant link (with Support's request, if one waits) or the banner with its
/// countdown and revoke link. (`Either`s rather than `into_any`: each `AnyView` brings
/// every way of drawing its view into the bundle.)
#[island]
fn AccessControls(status: AccessStatus) -> impl IntoView {
    let access = Access::new(status);
    // A grant can also end elsewhere: revoked from another tab, or past its expiry by
    // the server's clock. Ask again every ten seconds.
    access.status.ask_every(10_000, support_access_status);
    move || match access.status.get() {
        Ok(AccessStatus { grant: Some(granted), covers, request, now }) => {
            EitherOf4::A(view! { <Granted granted covers extension=request now access /> })
        }
        Ok(AccessStatus { grant: None, request: Some(request), now, .. }) => {
            EitherOf4::B(view! { <Requested request now access extending=false /> })
        }
        Ok(AccessStatus { grant: None, request: None, now, .. }) => EitherOf4::C(view! {
            <GrantLink
                now
                grant=access.grant
                ticket=None
                asking=None
                everyone=RwSignal::new(false)
                extending=false
            />
        }),
        Err(error) => EitherOf4::D(view! { <ErrorView error /> }),
    }
}

/// The grant link, or, `extending` the grant in force at Support's request, the link
/// that extends it.
#[component]
fn GrantLink(
    /// The server's clock when the status was read.
    now: DateTime<Utc>,
    grant: ServerAction<GrantAccess>,
    /// The ticket of the request the grant would answer.
    ticket: Option<String>,
    /// The agent who asked, who alone will read unless `everyone`.
    asking: Option<String>,
    everyone: RwSignal<bool>,
    extending: bool,
) -> impl IntoView {
    let clock = ServerClock::from_answer(now);
    let on_click = move |event: ev::MouseEvent| {
        event.prevent_default();
        let everyone = everyone.get_untracked();
        let until = clock.now() + GRANT_DURATION;
        let question = match extending {
            true => extend_question(until, ticket.as_deref().unwrap_or_default()),
            false => grant_question(until, ticket.as_deref(), asking.as_deref(), everyone),
        };
        if confirmed(&question) {
            grant.dispatch(GrantAccess { everyone });
        }
    };
    let (class, text) = match extending {
        true => ("extend-link", "Extend for 2 more weeks"),
        false => ("grant-link", GRANT_LINK_TEXT),
    };
    view! {
        <p class=class>
            <a href="/logs/grant" on:click=on_click>
                {text}
            </a>
        </p>
        {(!extending)
            .then(|| {
                view! {
                    <p class="grant-limited-link">
                        <a href="/logs/grant/limited">"Or grant access to some calls only"</a>
                    </p>
                }
            })}
    }
}

/// Support's request waiting for an answer: who asks, for which ticket and why; then
/// the grant link, as ever, and a link that declines. `extending`: a request to extend
/// the grant in force, answered by a link that extends it or one that lets it end.
#[component]
fn Requested(
    request: AccessRequest,
    now: DateTime<Utc>,
    access: Access,
    extending: bool,
) -> impl IntoView {
    let ticket = request.ticket.clone();
    let question = decline_question(&ticket, extending);
    let on_decline = move |event: ev::MouseEvent| {
        event.prevent_default();
        if confirmed(&question) {
            access.decline.dispatch(DeclineAccess {});
        }
    };
    let who = request.requested_by_email.unwrap_or_else(|| "Customer Support".into());
    let everyone = RwSignal::new(false);
    let (asks, decline) = match extending {
        true => (" from Customer Support asks to extend their access for ticket ", "Let it end"),
        false => (
            " from Customer Support asks for access to your API Logs for ticket ",
            DECLINE_LINK_TEXT,
        ),
    };
    // Widening is for a new grant: an extension keeps whom the grant is for.
    let widen = (!extending).then(|| {
        view! {
            <p class="grant-everyone">
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || everyone.get()
                        on:change=move |event| everyone.set(event_target_checked(&event))
                    />
                    {EVERYONE_TEXT} {who.clone()}
                </label>
            </p>
        }
    });
    view! {
        <div class="access-request" class:extension-request=extending role="status">
            <p>
                <strong>{who.clone()}</strong>
                {asks}
                <strong class="ticket">{request.ticket}</strong> ", since "
                <LocalTime at=request.requested_at /> ":"
            </p>
            <blockquote class="reason">{request.reason}</blockquote>
        </div>
        {widen}
        <GrantLink now grant=access.grant ticket=Some(ticket) asking=Some(who) everyone extending />
        <p>
            <a href="/logs/decline" class="decline-link" on:click=on_decline>
                {decline}
            </a>
        </p>
    }
}

#[component]
fn Granted(
    granted: Grant,
    /// What it covers, in words, when not every call.
    covers: Option<String>,
    /// Support's request to extend it, waiting for an answer.
    extension: Option<AccessRequest>,
    /// The server's clock when the status was read.
    now: DateTime<Utc>,
    access: Access,
) -> impl IntoView {
    let expires_at = granted.expires_at;
    // The countdown runs on the server's clock, so it reaches zero when the server ends
    // the grant.
    let server_now = ticking_server_clock(now);
    // At zero, ask the server: it answers that no grant is in force, and the link returns.
    let ended = Memo::new(move |_| server_now.get() >= expires_at);
    Effect::new(move |_| {
        if ended.get() {
            access.ask_again();
        }
    });
    let on_revoke = move |event: ev::MouseEvent| {
        event.prevent_default();
        if confirmed(REVOKE_QUESTION) {
            access.revoke.dispatch(RevokeAccess {});
        }
    };
    let extension =
        extension.map(|request| view! { <Requested request now access extending=true /> });

    view! {
        <div class="grant-banner" role="status">
            <p class="granted-until">
                {GRANTED_TEXT} <LocalTime at=expires_at /> " " <TimeLeft until=expires_at server_now />
            </p>
            {covers.map(|covers| view! { <p class="grant-scope">"Customer Support reads " {covers} "."</p> })}
            {granted
                .ticket
                .map(|ticket| view! { <p class="grant-ticket">"For ticket " {ticket}</p> })}
            {granted
                .grantee_email
                .map(|agent| {
                    view! {
                        <p class="grant-grantee">
                            "Only " <strong>{agent}</strong> ", who asked, can read them."
                        </p>
                    }
                })}
            <p>
                <a href="/logs/revoke" class="revoke-link" on:click=on_revoke>
                    {REVOKE_LINK_TEXT}
                </a>
            </p>
            {extension}
        </div>
    }
}

/// Without JavaScript, the grant, revoke and decline links lead to these pages: the
/// same question as the pop-up, with an OK button (a plain form post) and a way back.
#[component]
pub fn GrantConfirmPage() -> impl IntoView {
    view! { <ConfirmChange change=Change::Grant /> }
}

#[component]
pub fn RevokeConfirmPage() -> impl IntoView {
    view! { <ConfirmChange change=Change::Revoke /> }
}

#[component]
pub fn DeclineConfirmPage() -> impl IntoView {
    view! { <ConfirmChange change=Change::Decline /> }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Grant,
    Revoke,
    Decline,
}

/// Asks to make the change; once it is made (or has nothing to change), back to the logs.
#[component]
fn ConfirmChange(change: Change) -> impl IntoView {
    let status = Resource::new(|| (), |()| support_access_status());
    let (grant, revoke, decline) = (
        ServerAction::<GrantAccess>::new(),
        ServerAction::<RevokeAccess>::new(),
        ServerAction::<DeclineAccess>::new(),
    );
    let title = match change {
        Change::Grant => "Grant access to Customer Support",
        Change::Revoke => "Revoke Customer Support's access",
        Change::Decline => "Decline Customer Support's request",
    };
    let buttons = || {
        view! {
            <button type="submit" class="button">
                "OK"
            </button>
            " "
            <a href="/logs">"Cancel"</a>
        }
    };
    view! {
        <Title text=title />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let status = match status.await {
                    Ok(status) => status,
                    Err(error) => return view! { <ErrorView error /> }.into_any(),
                };
                let ticket = status.request.as_ref().map(|request| request.ticket.clone());
                let asking = status.request.as_ref().and_then(|r| r.requested_by_email.clone());
                let (question, form) = match (change, &status) {
                    (Change::Grant, AccessStatus { grant: None, now, .. }) => (
                        grant_question(
                            *now + GRANT_DURATION,
                            ticket.as_deref(),
                            asking.as_deref(),
                            false,
                        ),
                        view! {
                            <ActionForm action=grant>
                                {asking
                                    .map(|agent| {
                                        view! {
                                            <p class="grant-everyone">
                                                <label>
                                                    <input type="checkbox" name="everyone" value="true" />
                                                    {EVERYONE_TEXT}
                                                    {agent}
                                                </label>
                                            </p>
                                        }
                                    })}
                                {buttons()}
                            </ActionForm>
                        }
                            .into_any(),
                    ),
                    (Change::Grant, AccessStatus { request: Some(request), now, .. }) => (
                        extend_question(*now + GRANT_DURATION, &request.ticket),
                        view! { <ActionForm action=grant>{buttons()}</ActionForm> }.into_any(),
                    ),
                    (Change::Revoke, AccessStatus { grant: Some(_), .. }) => (
                        REVOKE_QUESTION.to_owned(),
                        view! { <ActionForm action=revoke>{buttons()}</ActionForm> }.into_any(),
                    ),
                    (Change::Decline, AccessStatus { request: Some(request), grant, .. }) => (
                        decline_question(&request.ticket, grant.is_some()),
                        view! { <ActionForm action=decline>{buttons()}</ActionForm> }.into_any(),
                    ),
                    // Nothing left to change.
                    _ => return view! { <Redirect path="/logs" /> }.into_any(),
                };
                view! {
                    <section class="confirm-card">
                        <h1>{title}</h1>
                        <p>{question}</p>
                        {form}
                    </section>
                }
                    .into_any()
            })}
        </Suspense>
    }
}

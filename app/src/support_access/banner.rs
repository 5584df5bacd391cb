//! The customer's side: right above their logs table, the link that grants access,
//! or the banner that says until when it is granted, with a live countdown and a link
//! that revokes it. Without JavaScript both links lead to confirmation pages.

use chrono::{DateTime, TimeDelta, Utc};
use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::{
    countdown_text, support_access_status, AccessStatus, Grant, GrantAccess, RevokeAccess,
    GRANT_DURATION, GRANT_LINK_TEXT,
};
use crate::{
    error::{AppError, ErrorView},
    time::{local_text, LocalTime},
};

pub const GRANTED_TEXT: &str = "Access to your API Logs is granted to Customer Support until ";
const REVOKE_LINK_TEXT: &str = "Revoke Customer Support's access now";
const REVOKE_QUESTION: &str = "Revoke Customer Support's access to your API Logs now? They \
                               will lose it at once.";

fn grant_question(until: DateTime<Utc>) -> String {
    format!(
        "Grant Customer Support access to your API Logs details, including the input and \
         output params of every call, for 2 weeks: until {}?\n\nYou can revoke it at any time.",
        local_text(until)
    )
}

/// Asks `question` in a `window.confirm` pop-up.
fn confirmed(question: &str) -> bool {
    window().confirm_with_message(question).unwrap_or(false)
}

/// Runs `tick` every `millis` while the calling component lives (in the browser).
fn every(millis: u32, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let interval = gloo_timers::callback::Interval::new(millis, tick);
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (millis, tick);
}

/// Where a page's support access comes from: the server, asked when the page opens and
/// again on each refresh, or the answer of the grant or revoke just made, which is the
/// new status and needs no second request.
#[derive(Clone, Debug, PartialEq)]
enum Source {
    Ask(u64),
    Answer(Box<Result<AccessStatus, AppError>>),
}

/// The customer's support access as a page shows it, and the actions that change it.
#[derive(Clone, Copy)]
struct Access {
    status: Resource<Result<AccessStatus, AppError>>,
    grant: ServerAction<GrantAccess>,
    revoke: ServerAction<RevokeAccess>,
    source: RwSignal<Source>,
}

impl Access {
    fn new() -> Self {
        let grant = ServerAction::<GrantAccess>::new();
        let revoke = ServerAction::<RevokeAccess>::new();
        let source = RwSignal::new(Source::Ask(0));
        for answer in [grant.value(), revoke.value()] {
            Effect::new(move |_| {
                if let Some(answer) = answer.get() {
                    source.set(Source::Answer(Box::new(answer)));
                }
            });
        }
        let status = Resource::new(
            move || source.get(),
            |source| async move {
                match source {
                    Source::Ask(_) => support_access_status().await,
                    Source::Answer(answer) => *answer,
                }
            },
        );
        Access { status, grant, revoke, source }
    }

    /// Asks the server again: the grant may have ended meanwhile.
    fn ask_again(self) {
        self.source.update(|source| {
            *source = match source {
                Source::Ask(asked) => Source::Ask(*asked + 1),
                Source::Answer(_) => Source::Ask(0),
            }
        });
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
#[component]
pub fn Countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! { <TimeLeft until server_now=ticking_server_clock(now) /> }
}

#[component]
pub fn GrantBanner() -> impl IntoView {
    let access = Access::new();
    // A grant can also end elsewhere: revoked from another tab, or past its expiry by
    // the server's clock. Ask again every ten seconds.
    Effect::new(move |_| every(10_000, move || access.ask_again()));

    view! {
        <section class="support-access" aria-label="Customer Support access">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match access.status.await {
                        Ok(AccessStatus { grant: Some(granted), now, .. }) => {
                            view! { <Granted granted now access /> }.into_any()
                        }
                        Ok(AccessStatus { grant: None, now, .. }) => {
                            view! { <GrantLink now grant=access.grant /> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn GrantLink(
    /// The server's clock when the status was read.
    now: DateTime<Utc>,
    grant: ServerAction<GrantAccess>,
) -> impl IntoView {
    let clock = ServerClock::from_answer(now);
    let on_click = move |event: ev::MouseEvent| {
        event.prevent_default();
        if confirmed(&grant_question(clock.now() + GRANT_DURATION)) {
            grant.dispatch(GrantAccess {});
        }
    };
    view! {
        <p class="grant-link">
            <a href="/logs/grant" on:click=on_click>
                {GRANT_LINK_TEXT}
            </a>
        </p>
    }
}

#[component]
fn Granted(
    granted: Grant,
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

    view! {
        <div class="grant-banner" role="status">
            <p class="granted-until">
                {GRANTED_TEXT} <LocalTime at=expires_at /> " " <TimeLeft until=expires_at server_now />
            </p>
            <p>
                <a href="/logs/revoke" class="revoke-link" on:click=on_revoke>
                    {REVOKE_LINK_TEXT}
                </a>
            </p>
        </div>
    }
}

/// Without JavaScript, the grant and revoke links lead to these pages: the same
/// question as the pop-up, with an OK button (a plain form post) and a way back.
#[component]
pub fn GrantConfirmPage() -> impl IntoView {
    view! { <ConfirmChange grant=true /> }
}

#[component]
pub fn RevokeConfirmPage() -> impl IntoView {
    view! { <ConfirmChange grant=false /> }
}

/// Asks to grant (or revoke); once the grant is in force (or not), back to the logs.
#[component]
fn ConfirmChange(grant: bool) -> impl IntoView {
    let access = Access::new();
    let title =
        if grant { "Grant access to Customer Support" } else { "Revoke Customer Support's access" };
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
            {move || Suspend::new(async move {
                match access.status.await {
                    Ok(status) if status.grant.is_some() == grant => {
                        view! { <Redirect path="/logs" /> }.into_any()
                    }
                    Ok(AccessStatus { now, .. }) => {
                        let (question, form) = if grant {
                            (
                                grant_question(now + GRANT_DURATION),
                                view! { <ActionForm action=access.grant>{buttons()}</ActionForm> }
                                    .into_any(),
                            )
                        } else {
                            (
                                REVOKE_QUESTION.to_owned(),
                                view! { <ActionForm action=access.revoke>{buttons()}</ActionForm> }
                                    .into_any(),
                            )
                        };
                        view! {
                            <section class="confirm-card">
                                <h1>{title}</h1>
                                <p>{question}</p>
                                {form}
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

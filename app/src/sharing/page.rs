//! The customer's side (the share form on a call's page, the list of their links) and
//! everyone's side (the call a link shows).

use chrono::{DateTime, Utc};
use leptos::{either::Either, prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    link_in_force, open_shared_call, share_call, share_links, LinkList, ListedLink, NewShare,
    RevokeShare, ShareLink, DEFAULT_HOURS, LIFETIMES, SHARED_PATH,
};
use crate::{
    error::{ErrorView, PostedError},
    logs::EntryView,
    support_access::AccessEvent,
    time::{local_text, LocalTime},
};

/// Under the customer's call `id`: the way to share it.
pub fn share_this_call(id: i64) -> AnyView {
    view! { <ShareThisCall id /> }.into_any()
}

/// On a call's page: makes a link to the call and shows it this once, to copy.
#[island]
pub fn ShareThisCall(id: i64) -> impl IntoView {
    let hours = RwSignal::new(DEFAULT_HOURS);
    // One call and its answer, without an action's machinery (the bundle's budget).
    // Busy until the page runs in the browser, and while the link is being made.
    let (busy, made) = (RwSignal::new(true), RwSignal::new(None));
    Effect::new(move |_| busy.set(false));
    let options = LIFETIMES
        .iter()
        .map(|&(value, text)| {
            view! {
                <option value=value.to_string() selected=value == DEFAULT_HOURS>
                    {text}
                </option>
            }
        })
        .collect_view();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            made.set(Some(share_call(id, hours.get_untracked()).await));
            busy.set(false);
        });
    };
    view! {
        <section class="share-call" aria-labelledby="share-call-title">
            <h2 id="share-call-title">"Share this call"</h2>
            <p class="muted">
                "A link that shows this call, as Customer Support would see it, to anyone who "
                "holds it, without signing in. Each opening is recorded; you can revoke the "
                "link at any time."
            </p>
            <form class="share-form" on:submit=submit>
                <label>
                    "Link works for "
                    <select
                        name="hours"
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).parse() {
                                hours.set(value);
                            }
                        }
                    >
                        {options}
                    </select>
                </label>
                " "
                <button
                    type="submit"
                    class="button"
                    disabled=move || busy.get()
                >
                    "Create share link"
                </button>
            </form>
            {move || {
                made.get()
                    .map(|made| match made {
                        Ok(made) => Either::Left(view! { <MadeLink made /> }),
                        Err(error) => {
                            Either::Right(
                                view! {
                                    <p class="form-error" role="alert">
                                        {error.to_string()}
                                    </p>
                                },
                            )
                        }
                    })
            }}
        </section>
    }
}

/// A link just made: the whole URL, to copy, and until when it works.
#[component]
fn MadeLink(made: NewShare) -> impl IntoView {
    let NewShare { token, expires_at } = made;
    let origin = {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            String::new()
        }
    };
    let url = format!("{origin}{SHARED_PATH}{token}");
    view! {
        <div class="share-made" role="status">
            <p>
                "Anyone with this link can see this call until " {local_text(expires_at)}
                ". It is shown only now: copy it."
            </p>
            <input
                class="share-url"
                type="text"
                readonly
                aria-label="Share link"
                value=url
            />
            <p>
                <a href="/logs/shared">"Your shared calls"</a>
                " lists your links, who opened them, and revokes them."
            </p>
        </div>
    }
}

/// `/logs/shared`: the customer's links, live ones with a way to revoke, and their
/// openings.
#[component]
pub fn SharedCallsPage() -> impl IntoView {
    let links = Resource::new(|| (), |()| share_links());
    view! {
        <Title text="Shared calls" />
        <p class="back">
            <A href="/logs">"← API Logs"</A>
        </p>
        <h1>"Shared calls"</h1>
        <p class="muted">
            "Links you made to single calls. Anyone holding one sees its call, as Customer "
            "Support would, until it expires or you revoke it; each opening is listed with "
            "its time, address and browser."
        </p>
        <PostedError />
        <Suspense fallback=|| view! { <p class="loading">"Loading your links…"</p> }>
            {Suspend::new(async move {
                match links.await {
                    Ok(list) => view! { <Links list /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Links(list: LinkList) -> impl IntoView {
    let LinkList { links, now } = list;
    if links.is_empty() {
        return view! {
            <p class="empty-state">
                "You have not shared a call. Open one from your API Logs and choose "
                "\u{201c}Create share link\u{201d}."
            </p>
        }
        .into_any();
    }
    let rows = links.into_iter().map(|listed| view! { <LinkRow listed now /> }).collect_view();
    view! {
        <div class="table-scroll">
            <table class="share-links">
                <thead>
                    <tr>
                        <th scope="col">"Call"</th>
                        <th scope="col">"Made"</th>
                        <th scope="col">"Link"</th>
                        <th scope="col">"Opened"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn LinkRow(listed: ListedLink, now: DateTime<Utc>) -> impl IntoView {
    let ListedLink { link, openings, latest_openings } = listed;
    let live = link_in_force(&link, now);
    let ShareLink { id, log_entry_id, request_id, method, endpoint, created_at, .. } = link.clone();
    let state = match (live, link.revoked_at) {
        (true, _) => view! {
            "Works until " <LocalTime at=link.expires_at />
            <form method="post" action=RevokeShare::PATH class="revoke-share">
                <input type="hidden" name="link" value=id.to_string() />
                <button type="submit" class="button">
                    "Revoke"
                </button>
            </form>
        }
        .into_any(),
        (false, Some(at)) => view! { "Revoked " <LocalTime at /> }.into_any(),
        (false, None) => view! { "Expired " <LocalTime at=link.expires_at /> }.into_any(),
    };
    let times = if openings == 1 { "1 time".to_owned() } else { format!("{openings} times") };
    let openings_list = (!latest_openings.is_empty()).then(|| {
        let items =
            latest_openings.into_iter().map(|event| view! { <OpeningItem event /> }).collect_view();
        view! {
            <details>
                <summary>"Latest openings"</summary>
                <ul class="openings">{items}</ul>
            </details>
        }
    });
    let row_class = if live { "share-link live" } else { "share-link ended" };
    view! {
        <tr class=row_class>
            <td>
                <a href=format!("/logs/{log_entry_id}")>
                    <span class="method">{method}</span>
                    " "
                    <span class="endpoint">{endpoint}</span>
                </a>
                <br />
                <span class="request-id">{request_id}</span>
            </td>
            <td>
                <LocalTime at=created_at />
            </td>
            <td>{state}</td>
            <td>{times} {openings_list}</td>
        </tr>
    }
    // Its type, spelled out, is deeper than the compiler follows by default.
    .into_any()
}

#[component]
fn OpeningItem(event: AccessEvent) -> impl IntoView {
    let address = event.detail.address.clone().unwrap_or_else(|| "unknown address".into());
    let agent = event.detail.user_agent.clone().unwrap_or_else(|| "unknown browser".into());
    view! {
        <li>
            <LocalTime at=event.occurred_at />
            " from "
            {address}
            ", "
            <span class="user-agent">{agent}</span>
        </li>
    }
    .into_any()
}

/// `/shared/<token>`: the call a link shows, to anyone holding it. Not for search
/// engines, and the token leaves in no `Referer`.
#[component]
pub fn SharedCallPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue};
        let set = |name, value| response.insert_header(name, HeaderValue::from_static(value));
        set(header::REFERRER_POLICY, "no-referrer");
        set(header::HeaderName::from_static("x-robots-tag"), "noindex, nofollow");
        set(header::CACHE_CONTROL, "no-store");
    }
    let params = use_params_map();
    let token = params.with_untracked(|p| p.get("token").unwrap_or_default());
    let call = Resource::new(move || token.clone(), open_shared_call);
    view! {
        <Title text="Shared API call" />
        <Meta name="robots" content="noindex, nofollow" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the call…"</p> }>
            {Suspend::new(async move {
                match call.await {
                    Ok(shared) => {
                        view! {
                            <p class="shared-note">
                                "Shared by " <strong>{shared.account_name}</strong>
                                " · this link works until " <LocalTime at=shared.expires_at />
                            </p>
                            <EntryView detail=shared.detail />
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <h1>"This link does not open"</h1>
                            <ErrorView error />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

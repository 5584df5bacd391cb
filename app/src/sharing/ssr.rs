//! The server side of share links, behind the server functions.

use axum::http::{header::USER_AGENT, request::Parts};
use chrono::TimeDelta;
use leptos::prelude::use_context;

use super::{
    link_in_force, LinkList, ListedLink, NewShare, NewShareLink, Opening, SharedCall, LINKS_SHOWN,
    LONGEST_HOURS, OPENINGS_PER_HOUR,
};
use crate::{
    auth::{
        ssr::{hash_token, new_token},
        User,
    },
    error::AppError,
    logs::ssr::call_detail,
    state::{app_state, AppState, ClientAddress},
};

/// The most of a user agent an opening keeps, in characters.
const USER_AGENT_CHARS: usize = 300;

pub async fn create(
    state: AppState,
    user: User,
    id: i64,
    hours: i64,
) -> Result<NewShare, AppError> {
    if !(1..=LONGEST_HOURS).contains(&hours) {
        return Err(AppError::Invalid(format!(
            "A share link lasts from 1 hour to {} days, not {hours} hours.",
            LONGEST_HOURS / 24
        )));
    }
    let account_id = user.account_id.ok_or(AppError::Forbidden)?;
    let now = state.clock.now();
    let token = new_token();
    let new = NewShareLink {
        account_id,
        log_entry_id: id,
        token_hash: hash_token(&token),
        created_by: user.id,
        expires_at: now + TimeDelta::hours(hours),
    };
    let link = state.store.create_share_link(&new, now).await?.ok_or(AppError::NotFound)?;
    Ok(NewShare { token, expires_at: link.expires_at })
}

pub async fn revoke(state: AppState, user: User, link: i64) -> Result<(), AppError> {
    let account_id = user.account_id.ok_or(AppError::Forbidden)?;
    state.store.revoke_share_link(account_id, link, user.id, state.clock.now()).await?;
    Ok(())
}

pub async fn list(state: AppState, user: User) -> Result<LinkList, AppError> {
    let account_id = user.account_id.ok_or(AppError::Forbidden)?;
    let links = state.store.share_links(account_id, LINKS_SHOWN).await?;
    let links = links
        .into_iter()
        .map(|(link, openings, latest_openings)| ListedLink { link, openings, latest_openings })
        .collect();
    Ok(LinkList { links, now: state.clock.now() })
}

/// Anyone's: the call `token` shows, while its link is in force. A link that never
/// was, ran out or was revoked gets the same answer.
pub async fn open(token: String) -> Result<SharedCall, AppError> {
    let result: Result<SharedCall, AppError> = async {
        let state = app_state()?;
        let parts = use_context::<Parts>();
        let opening = Opening {
            address: parts
                .as_ref()
                .and_then(|parts| parts.extensions.get::<ClientAddress>())
                .map(|address| address.0.to_string()),
            user_agent: parts
                .as_ref()
                .and_then(|parts| parts.headers.get(USER_AGENT))
                .and_then(|agent| agent.to_str().ok())
                .map(|agent| agent.chars().take(USER_AGENT_CHARS).collect()),
        };
        let now = state.clock.now();
        let link = state.store.share_link_by_hash(&hash_token(&token)).await?;
        let link = link.filter(|(link, _)| link_in_force(link, now));
        let (link, account_name) = link.ok_or(AppError::LinkGone)?;
        let entry = state
            .store
            .log_entry(
                link.account_id,
                &crate::support_access::Scope::EVERYTHING,
                link.log_entry_id,
            )
            .await?;
        let entry = entry.ok_or(AppError::LinkGone)?;
        if !state.store.record_opening(&link, &opening, now, OPENINGS_PER_HOUR).await? {
            return Err(AppError::TooOften);
        }
        Ok(SharedCall {
            account_name,
            expires_at: link.expires_at,
            detail: call_detail(entry, &state.api_url),
        })
    }
    .await;
    if let Err(error) = &result {
        error.set_response_status();
    }
    result
}

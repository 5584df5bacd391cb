//! The server side of the webhook settings: the account's customers only, each on
//! their own account's endpoints.

use base64::Engine;

use super::{address, Delivery, Endpoint, EndpointView, Webhooks, DELIVERIES_SHOWN, MAX_ENDPOINTS};
use crate::{auth::User, error::AppError, notices::Channel, state::AppState};

fn account_of(customer: &User) -> Result<i64, AppError> {
    customer.account_id.ok_or(AppError::Forbidden)
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

pub async fn settings(state: AppState, customer: User) -> Result<Webhooks, AppError> {
    let account = account_of(&customer)?;
    let store = &state.store;
    let endpoints = store.webhook_endpoints(account).await?;
    let deliveries = deliveries_to(&state, account, &endpoints).await?;
    let secrets = store.reveal_webhook_secrets(account, state.clock.now()).await?;
    let endpoints = endpoints
        .into_iter()
        .map(|endpoint| {
            let secret = secrets.iter().find(|(id, _)| *id == endpoint.id).map(|s| s.1.clone());
            EndpointView { endpoint, secret }
        })
        .collect();
    Ok(Webhooks { endpoints, deliveries })
}

pub async fn deliveries(state: AppState, customer: User) -> Result<Vec<Delivery>, AppError> {
    let account = account_of(&customer)?;
    let endpoints = state.store.webhook_endpoints(account).await?;
    deliveries_to(&state, account, &endpoints).await
}

async fn deliveries_to(
    state: &AppState,
    account: i64,
    endpoints: &[Endpoint],
) -> Result<Vec<Delivery>, AppError> {
    let records =
        state.store.account_deliveries(account, Channel::Webhook, DELIVERIES_SHOWN).await?;
    Ok(records
        .into_iter()
        .map(|record| {
            let endpoint = endpoints.iter().find(|e| e.id.to_string() == record.recipient);
            Delivery { url: endpoint.map(|e| e.url.clone()), record }
        })
        .collect())
}

pub async fn add(state: AppState, customer: User, url: String) -> Result<Endpoint, AppError> {
    let account = account_of(&customer)?;
    let allow_private = state.allow_private_webhooks;
    let url = address::parse(&url, allow_private).map_err(AppError::Invalid)?;
    address::resolve(&url, allow_private).await.map_err(AppError::Invalid)?;
    let max = MAX_ENDPOINTS as i64;
    let now = state.clock.now();
    state
        .store
        .add_webhook_endpoint(account, url.as_str(), &new_secret(), max, now)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "You have {MAX_ENDPOINTS} endpoints already: remove one to add another."
            ))
        })
}

pub async fn rotate(state: AppState, customer: User, id: i64) -> Result<Endpoint, AppError> {
    let account = account_of(&customer)?;
    let rotated = state.store.rotate_webhook_secret(account, id, &new_secret()).await?;
    rotated.ok_or(AppError::NotFound)
}

pub async fn remove(state: AppState, customer: User, id: i64) -> Result<(), AppError> {
    let account = account_of(&customer)?;
    match state.store.remove_webhook_endpoint(account, id).await? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

pub async fn enable(state: AppState, customer: User, id: i64) -> Result<Endpoint, AppError> {
    let account = account_of(&customer)?;
    state.store.enable_webhook_endpoint(account, id).await?.ok_or(AppError::NotFound)
}

pub async fn test(state: AppState, customer: User, id: i64) -> Result<(), AppError> {
    let account = account_of(&customer)?;
    match state.store.announce_webhook_test(account, id, state.clock.now()).await? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

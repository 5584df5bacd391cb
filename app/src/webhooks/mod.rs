//! Webhooks for the customer's own systems: every change to support access, and every
//! view by Support, pushed to endpoints the customer sets up, signed as the Standard
//! Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`:
//! `v1,` and the HMAC-SHA256 of `id.timestamp.body` under the endpoint's `whsec_`
//! secret). The outbox delivers them (`crate::notices`); this module is the customer's
//! settings: endpoints, their secrets, test events and the latest deliveries.

#[cfg(feature = "ssr")]
pub mod address;
mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
mod store;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use page::{WebhookDeliveriesPage, WebhooksPage};

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{error::AppError, notices::DeliveryRecord};

/// Endpoints one account may have.
pub const MAX_ENDPOINTS: usize = 5;
/// Failed attempts in a row (over any deliveries) after which an endpoint is disabled.
pub const DISABLE_AFTER: i32 = 20;
/// Deliveries the settings page lists.
pub const DELIVERIES_SHOWN: i64 = 25;

/// The events an endpoint receives.
pub const EVENTS: [&str; 11] = [
    "support_access.granted",
    "support_access.extended",
    "support_access.revoked",
    "support_access.expired",
    "support_access.requested",
    "support_access.declined",
    "support_access.lapsed",
    "support_access.viewed",
    "share_link.created",
    "share_link.revoked",
    "share_link.opened",
];

/// The event type a notice's topic is sent as; `None` for a notice no webhook carries.
pub fn event_type(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "grant" => "support_access.granted",
        "extend" => "support_access.extended",
        "revoke" => "support_access.revoked",
        "expire" => "support_access.expired",
        "request" => "support_access.requested",
        "decline" => "support_access.declined",
        "lapse" => "support_access.lapsed",
        "view_logs" | "view_entry" | "export" | "export_end" | "view_usage" => {
            "support_access.viewed"
        }
        "share" => "share_link.created",
        "unshare" => "share_link.revoked",
        "open_share" => "share_link.opened",
        crate::notices::TEST => "webhook.test",
        _ => return None,
    })
}

/// An endpoint as its settings show it: never its secret, but once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// Failed attempts since the last success.
    pub failed_attempts: i32,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub endpoint: Endpoint,
    /// The signing secret, the one time it is shown: after it was made or rotated.
    pub secret: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhooks {
    pub endpoints: Vec<EndpointView>,
    pub deliveries: Vec<Delivery>,
}

/// One of the latest deliveries to the account's endpoints (newest first), with the
/// URL of its endpoint while it exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub record: DeliveryRecord,
    pub url: Option<String>,
}

/// The customer's endpoints and latest deliveries. A secret just made is in it once.
#[server(endpoint = "webhooks/settings")]
pub async fn webhook_settings() -> Result<Webhooks, AppError> {
    guard(&[Role::Customer], ssr::settings).await
}

/// The latest deliveries alone, which the page follows: reading them reveals no secret,
/// so a second tab cannot take the one a first is about to show.
#[server(endpoint = "webhooks/deliveries")]
pub async fn webhook_deliveries() -> Result<Vec<Delivery>, AppError> {
    guard(&[Role::Customer], ssr::deliveries).await
}

/// Adds an endpoint at `url` (HTTPS, on the public internet); its secret is shown next.
#[server(endpoint = "webhooks/add")]
pub async fn add_webhook(url: String) -> Result<Endpoint, AppError> {
    guard(&[Role::Customer], |state, user| ssr::add(state, user, url)).await
}

/// Gives the endpoint a new secret, shown next; the old one signs nothing more.
#[server(endpoint = "webhooks/rotate")]
pub async fn rotate_webhook_secret(id: i64) -> Result<Endpoint, AppError> {
    guard(&[Role::Customer], |state, user| ssr::rotate(state, user, id)).await
}

/// Removes the endpoint: nothing more is sent to it.
#[server(endpoint = "webhooks/remove")]
pub async fn remove_webhook(id: i64) -> Result<(), AppError> {
    guard(&[Role::Customer], |state, user| ssr::remove(state, user, id)).await
}

/// Sends to a disabled endpoint again.
#[server(endpoint = "webhooks/enable")]
pub async fn enable_webhook(id: i64) -> Result<Endpoint, AppError> {
    guard(&[Role::Customer], |state, user| ssr::enable(state, user, id)).await
}

/// Sends the endpoint a `webhook.test` event (through the outbox, like any other).
#[server(endpoint = "webhooks/test")]
pub async fn test_webhook(id: i64) -> Result<(), AppError> {
    guard(&[Role::Customer], |state, user| ssr::test(state, user, id)).await
}

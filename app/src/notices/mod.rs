//! Notices: the outbox that tells people about support access. Every access event is
//! announced by a notice written in the event's own transaction (a database trigger),
//! and the job adds one when a grant is a day from its end. The server's worker turns
//! each notice into deliveries, emails and webhook calls, and delivers each at least
//! once, with the same message id on every attempt.

#[cfg(feature = "ssr")]
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::support_access::{AccessEvent, AccessRequest, GrantRecord};

/// The topics of notices that no access event carries: a grant ends within a day; a
/// customer asked for a test event at one of their webhook endpoints.
pub const ENDING: &str = "ending";
pub const TEST: &str = "test";

/// How a delivery reaches its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

impl TryFrom<String> for Channel {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            other => Err(format!("unknown channel {other:?}")),
        }
    }
}

/// Something to announce: an access event (its action is the topic), a grant's end
/// coming ([`ENDING`]), or a test event for one endpoint ([`TEST`]).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub topic: String,
    pub account_id: i64,
    pub event_id: Option<i64>,
    pub grant_id: Option<i64>,
    /// A test event's endpoint.
    pub endpoint_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// What a notice is about, read in the transaction that writes its deliveries.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeFacts {
    pub notice: Notice,
    pub account_name: String,
    /// The account's customers' emails.
    pub customers: Vec<String>,
    /// The webhook endpoints it goes to: the account's enabled ones, or a test event's.
    pub endpoints: Vec<i64>,
    pub event: Option<AccessEvent>,
    pub grant: Option<GrantRecord>,
    /// The request for access the event is about.
    pub request: Option<AccessRequest>,
}

/// A message to deliver, as every attempt sends it.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// Stable across attempts and instances, so that a receiver can drop duplicates;
    /// the same notice written twice yields the same ids, and the second is dropped.
    pub message_id: String,
    pub channel: Channel,
    /// An email address, or a webhook endpoint's id.
    pub recipient: String,
    pub payload: String,
}

/// A delivery claimed for an attempt.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub message_id: String,
    pub notice_id: i64,
    pub account_id: i64,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub recipient: String,
    pub topic: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    /// Counting this one.
    pub attempts: i32,
}

/// How an attempt went.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        status: Option<i32>,
    },
    /// Failed; tried again at `retry_at`, or never again when `None`.
    Failed {
        error: String,
        status: Option<i32>,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Where the outbox stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxState {
    /// Notices whose deliveries are not written yet.
    pub notices_waiting: i64,
    /// Deliveries not yet delivered nor given up.
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// A delivery as its history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeliveryRecord {
    pub id: i64,
    pub message_id: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub channel: Channel,
    pub recipient: String,
    pub topic: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_status: Option<i32>,
}

//! Webhook deliveries, as the Standard Webhooks specification says: the event's JSON,
//! written once when its notice is written out, and at every attempt signed afresh
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! id.timestamp.body>`). Never to a private address: an endpoint's URL is checked again
//! at every attempt, its name resolved by a resolver that refuses any private address,
//! and redirects are not followed. Each attempt has a time limit, and reads at most
//! [`KEPT`] bytes of an answer.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::{
    notices::{Channel, Delivery, NewDelivery, NoticeFacts},
    store::Store,
    support_access::AccessAction,
    webhooks::{address, event_type},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{message_id, Failure};

/// How long one attempt may take, all told; and its connection.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes of a failed answer kept for its last error.
const KEPT: usize = 512;

pub struct Webhooks {
    client: reqwest::Client,
    allow_private: bool,
}

impl Webhooks {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            // Straight to the checked address: a proxy from the environment would
            // connect to wherever the name pointed.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent("apilogs-webhooks/1")
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .build()?;
        Ok(Webhooks { client, allow_private })
    }

    /// Sends a delivery to its endpoint, and counts the attempt, at `now`, against the
    /// endpoint.
    pub async fn send(
        &self,
        store: &Store,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<Option<i32>, Failure> {
        let endpoint: i64 = delivery
            .recipient
            .parse()
            .map_err(|_| Failure::permanent("the delivery names no endpoint"))?;
        let target = store
            .webhook_target(endpoint)
            .await
            .map_err(|error| {
                Failure::transient(format!("the endpoint could not be read: {error}"))
            })?
            .ok_or_else(|| Failure::permanent("the endpoint was removed"))?;
        if target.disabled_at.is_some() {
            return Err(Failure::permanent("the endpoint is disabled"));
        }
        let sent = self.post(&target.url, &target.secret, delivery).await;
        let failure = sent.as_ref().err().map(|failure| failure.error.as_str());
        if let Err(error) = store.webhook_attempted(endpoint, failure, now).await {
            tracing::warn!(endpoint, %error, "an endpoint's attempt went uncounted");
        }
        sent
    }

    async fn post(
        &self,
        url: &str,
        secret: &str,
        delivery: &Delivery,
    ) -> Result<Option<i32>, Failure> {
        let url = address::parse(url, self.allow_private).map_err(Failure::permanent)?;
        // A name is checked by the resolver as it connects; an address here.
        if url.domain().is_none() {
            address::resolve(&url, self.allow_private).await.map_err(Failure::permanent)?;
        }
        let timestamp = Utc::now().timestamp();
        let signature = sign(secret, &delivery.message_id, timestamp, &delivery.payload)
            .map_err(Failure::permanent)?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|error| Failure::transient(describe(&error)))?;
        let status = response.status();
        let code = Some(i32::from(status.as_u16()));
        if status.is_success() {
            return Ok(code);
        }
        let answer = first_bytes(response).await;
        Err(Failure { error: format!("HTTP {status}: {answer}"), status: code, permanent: false })
    }
}

/// What went wrong, as the customer can act on it.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The first [`KEPT`] bytes of an answer, read within what is left of the time limit.
async fn first_bytes(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(KEPT);
    String::from_utf8_lossy(&kept).trim().to_owned()
}

/// The `webhook-signature` header's value for a message: `v1,` and the base64
/// HMAC-SHA256 of `id.timestamp.body` under the secret's key (`whsec_` and base64).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|error| format!("the endpoint's secret does not read: {error}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|error| error.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Resolves names to public addresses only: a name with any private address is refused
/// (unless private addresses are allowed, for tests).
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if !allow_private && addrs.iter().any(|addr| address::forbidden(addr.ip())) {
                let refused =
                    format!("{} resolves to a private or reserved address", name.as_str());
                return Err(refused.into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The webhook deliveries of a notice: one per endpoint it goes to, all with the same
/// body, each with its own stable id.
pub fn deliveries(facts: &NoticeFacts) -> Vec<NewDelivery> {
    let Some(kind) = event_type(&facts.notice.topic) else {
        return Vec::new();
    };
    let occurred = facts.event.as_ref().map_or(facts.notice.created_at, |e| e.occurred_at);
    let body = json!({ "type": kind, "timestamp": occurred, "data": data(facts) }).to_string();
    facts
        .endpoints
        .iter()
        .map(|endpoint| NewDelivery {
            message_id: message_id(facts.notice.id, "webhook", &endpoint.to_string()),
            channel: Channel::Webhook,
            recipient: endpoint.to_string(),
            payload: body.clone(),
        })
        .collect()
}

/// The event's facts: the same the access history shows.
fn data(facts: &NoticeFacts) -> Value {
    let mut data = json!({
        "account": { "id": facts.notice.account_id, "name": facts.account_name },
    });
    if facts.notice.topic == app::notices::TEST {
        data["message"] = "A test event from apilogs: your endpoint receives webhooks.".into();
        return data;
    }
    if let Some(event) = &facts.event {
        data["event_id"] = event.id.into();
        data["action"] = event.action.as_str().into();
        data["actor"] = event.actor_email.clone().into();
        data["occurred_at"] = json!(event.occurred_at);
        if AccessAction::VIEWS.contains(&event.action) {
            let detail = &event.detail;
            data["view"] = json!({
                "filter": detail.filter,
                "call_id": event.log_entry_id,
                "request_id": detail.request_id,
                "endpoint": detail.endpoint,
                "format": detail.format,
                "calls": detail.calls,
                "broken_off": detail.broken_off,
            });
        }
        if let Some(link) = event.share_link_id {
            let detail = &event.detail;
            data["share_link"] = json!({
                "id": link,
                "call_id": event.log_entry_id,
                "request_id": detail.request_id,
                "endpoint": detail.endpoint,
                "address": detail.address,
                "user_agent": detail.user_agent,
            });
        }
    }
    if let Some(record) = &facts.grant {
        let grant = &record.grant;
        data["grant"] = json!({
            "id": grant.id,
            "granted_at": grant.granted_at,
            "granted_by": record.granted_by_email,
            "expires_at": grant.expires_at,
            "revoked_at": grant.revoked_at,
            "revoked_by": record.revoked_by_email,
            "ticket": grant.ticket,
            "grantee": grant.grantee_email,
            // `null` for every call.
            "scope": (!grant.scope.is_everything()).then_some(&grant.scope),
            "covers": grant.scope.words(),
        });
    }
    if let Some(request) = &facts.request {
        data["request"] = json!({
            "id": request.id,
            "ticket": request.ticket,
            "reason": request.reason,
            "requested_by": request.requested_by_email,
            "requested_at": request.requested_at,
            "lapses_at": request.lapses_at,
            "state": request.state,
            "decided_at": request.decided_at,
            // The grant it asks to extend, if it does.
            "extends": request.extends,
        });
    }
    data
}

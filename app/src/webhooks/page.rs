//! `/logs/webhooks`: the customer's endpoints, each with its state and actions, the
//! form that adds one, and the latest deliveries. Every action is a plain form.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    event_type, webhook_deliveries, webhook_settings, AddWebhook, Delivery, EnableWebhook,
    EndpointView, RemoveWebhook, RotateWebhookSecret, TestWebhook, Webhooks, DISABLE_AFTER, EVENTS,
    MAX_ENDPOINTS,
};
use crate::{
    error::{ErrorView, PostedError},
    live::LiveRegion,
    time::LocalTime,
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let settings = Resource::new(|| (), |()| webhook_settings());
    view! {
        <Title text="Webhooks" />
        <p class="back">
            <A href="/logs">"← API Logs"</A>
        </p>
        <h1>"Webhooks"</h1>
        <p class="muted">
            "Your systems hear of every change to Customer Support's access to your API Logs, "
            "of everything Support opens under it, and of share links made, revoked and "
            "opened, as JSON POSTs signed as the "
            <a href="https://www.standardwebhooks.com/">"Standard Webhooks"</a>
            " specification says: check the "<code>"webhook-signature"</code>
            " header with the endpoint's secret. Events: "
            {EVENTS.join(", ")}
            "."
        </p>
        <PostedError />
        <Suspense fallback=|| view! { <p class="loading">"Loading webhooks…"</p> }>
            {Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <Settings settings /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The endpoints, each with its actions (plain forms: the page comes back with the
/// outcome, and a new secret shown this once), and the latest deliveries.
#[component]
fn Settings(settings: Webhooks) -> impl IntoView {
    let Webhooks { endpoints, deliveries } = settings;
    let full = endpoints.len() >= MAX_ENDPOINTS;
    let endpoint_rows =
        endpoints.into_iter().map(|view| view! { <EndpointRow view /> }).collect_view();
    let add = (!full).then(|| {
        view! {
            <form method="post" action=AddWebhook::PATH class="add-webhook">
                <label>
                    "Endpoint URL "
                    <input
                        type="url"
                        name="url"
                        required
                        placeholder="https://hooks.example.com/apilogs"
                    />
                </label>
                <button type="submit" class="button">
                    "Add endpoint"
                </button>
            </form>
        }
    });
    view! {
        <h2>"Endpoints"</h2>
        <ul class="webhook-endpoints">{endpoint_rows}</ul>
        {add}
        <h2>"Latest deliveries"</h2>
        <Deliveries deliveries />
    }
}

/// `/logs/webhooks/deliveries`: the latest deliveries alone, which the webhooks page
/// follows (the page itself would show, and so spend, a secret just made).
#[component]
pub fn WebhookDeliveriesPage() -> impl IntoView {
    let deliveries = Resource::new(|| (), |()| webhook_deliveries());
    view! {
        <Title text="Webhook deliveries" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match deliveries.await {
                    Ok(deliveries) => view! { <Deliveries deliveries /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The latest deliveries, followed live.
#[component]
fn Deliveries(deliveries: Vec<Delivery>) -> impl IntoView {
    let rows = deliveries.into_iter().map(|delivery| view! { <DeliveryRow delivery /> });
    view! {
        <LiveRegion
            id="deliveries".to_owned()
            from=Some("/logs/webhooks/deliveries".to_owned())
            millis=5_000
        >
            <div class="table-scroll">
                <table class="webhook-deliveries">
                    <thead>
                        <tr>
                            <th scope="col">"Sent"</th>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Endpoint"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Attempts"</th>
                            <th scope="col">"State"</th>
                        </tr>
                    </thead>
                    <tbody>{rows.collect_view()}</tbody>
                </table>
            </div>
        </LiveRegion>
    }
}

#[component]
fn EndpointRow(view: EndpointView) -> impl IntoView {
    let EndpointView { endpoint, secret } = view;
    let id = endpoint.id;
    let state = match (&endpoint.disabled_at, &endpoint.disabled_reason) {
        (Some(at), reason) => view! {
            <strong>"Disabled"</strong>
            " " <LocalTime at=*at /> ": "
            {reason.clone().unwrap_or_default()}
        }
        .into_any(),
        (None, _) if endpoint.failed_attempts > 0 => format!(
            "Active; the last {} attempts failed (disabled after {DISABLE_AFTER} in a row)",
            endpoint.failed_attempts
        )
        .into_any(),
        (None, _) => "Active".into_any(),
    };
    let secret = secret.map(|secret| {
        view! {
            <p class="webhook-secret">
                "Signing secret, shown this once — keep it now: " <code>{secret}</code>
            </p>
        }
    });
    let enable = endpoint.disabled_at.is_some().then(|| {
        view! { <IdButton action=EnableWebhook::PATH id label="Enable" /> }
    });
    view! {
        <li class="webhook-endpoint">
            <p>
                <code class="webhook-url">{endpoint.url}</code>
                " · "
                <span class="webhook-state">{state}</span>
            </p>
            {secret}
            <div class="webhook-actions">
                <IdButton action=TestWebhook::PATH id label="Send a test event" />
                <IdButton action=RotateWebhookSecret::PATH id label="Rotate the secret" />
                {enable}
                <IdButton action=RemoveWebhook::PATH id label="Remove" />
            </div>
        </li>
    }
}

/// A button that posts an endpoint's id to the server function at `action`.
#[component]
fn IdButton(action: &'static str, id: i64, label: &'static str) -> impl IntoView {
    view! {
        <form method="post" action=action>
            <input type="hidden" name="id" value=id.to_string() />
            <button type="submit">{label}</button>
        </form>
    }
}

#[component]
fn DeliveryRow(delivery: Delivery) -> impl IntoView {
    let Delivery { record: delivery, url } = delivery;
    let url = url.unwrap_or_else(|| "a removed endpoint".to_owned());
    let state = match (delivery.delivered_at, delivery.failed_at) {
        (Some(at), _) => view! { "Delivered " <LocalTime at /> }.into_any(),
        (None, Some(at)) => view! {
            "Given up " <LocalTime at /> ": " {delivery.last_error.clone().unwrap_or_default()}
        }
        .into_any(),
        (None, None) if delivery.attempts == 0 => "Waiting".into_any(),
        (None, None) => view! {
            "Next try " <LocalTime at=delivery.next_attempt_at /> ": "
            {delivery.last_error.clone().unwrap_or_default()}
        }
        .into_any(),
    };
    view! {
        <tr>
            <td>
                <LocalTime at=delivery.created_at />
            </td>
            <td>{event_type(&delivery.topic).unwrap_or("(none)")}</td>
            <td>
                <code>{url}</code>
            </td>
            <td>{delivery.last_status.map(|s| s.to_string()).unwrap_or_default()}</td>
            <td class="number">{delivery.attempts}</td>
            <td>{state}</td>
        </tr>
    }
}

//! `/logs/webhooks`: the customer's endpoints, each with its state and actions, the
//! form that adds one, and the latest deliveries. Every action is a plain form too.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    event_type, webhook_settings, AddWebhook, EnableWebhook, EndpointView, RemoveWebhook,
    RotateWebhookSecret, TestWebhook, Webhooks, DISABLE_AFTER, EVENTS, MAX_ENDPOINTS,
};
use crate::{
    error::{AppError, ErrorView},
    notices::DeliveryRecord,
    time::{every, LocalTime},
};

/// The actions on the page, one each, so that any of them refreshes the settings.
#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    remove: ServerAction<RemoveWebhook>,
    enable: ServerAction<EnableWebhook>,
    test: ServerAction<TestWebhook>,
}

impl Actions {
    fn versions(self) -> (usize, usize, usize, usize, usize) {
        (
            self.add.version().get(),
            self.rotate.version().get(),
            self.remove.version().get(),
            self.enable.version().get(),
            self.test.version().get(),
        )
    }

    /// The last action's error, if it failed.
    fn error(self) -> Option<AppError> {
        let failed = |result: Option<Result<_, AppError>>| result.and_then(Result::err);
        failed(self.add.value().get().map(|r| r.map(drop)))
            .or_else(|| failed(self.rotate.value().get().map(|r| r.map(drop))))
            .or_else(|| failed(self.remove.value().get()))
            .or_else(|| failed(self.enable.value().get().map(|r| r.map(drop))))
            .or_else(|| failed(self.test.value().get()))
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let actions = Actions {
        add: ServerAction::new(),
        rotate: ServerAction::new(),
        remove: ServerAction::new(),
        enable: ServerAction::new(),
        test: ServerAction::new(),
    };
    // Asked again every five seconds: deliveries happen meanwhile.
    let asked = RwSignal::new(0_u64);
    Effect::new(move |_| every(5_000, move || asked.update(|n| *n += 1)));
    let settings = Resource::new(move || (asked.get(), actions.versions()), |_| webhook_settings());
    view! {
        <Title text="Webhooks" />
        <p class="back">
            <A href="/logs">"← API Logs"</A>
        </p>
        <h1>"Webhooks"</h1>
        <p class="muted">
            "Your systems hear of every change to Customer Support's access to your API Logs, "
            "and of everything Support opens under it, as JSON POSTs signed as the "
            <a href="https://www.standardwebhooks.com/">"Standard Webhooks"</a>
            " specification says: check the "<code>"webhook-signature"</code>
            " header with the endpoint's secret. Events: "
            {EVENTS.join(", ")}
            "."
        </p>
        {move || actions.error().map(|error| view! { <ErrorView error /> })}
        <Transition fallback=|| view! { <p class="loading">"Loading webhooks…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <Settings settings actions /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Settings(settings: Webhooks, actions: Actions) -> impl IntoView {
    let Webhooks { endpoints, deliveries } = settings;
    let full = endpoints.len() >= MAX_ENDPOINTS;
    let urls: Vec<(i64, String)> =
        endpoints.iter().map(|e| (e.endpoint.id, e.endpoint.url.clone())).collect();
    let endpoint_rows =
        endpoints.into_iter().map(|view| view! { <EndpointRow view actions /> }).collect_view();
    let add = (!full).then(|| {
        view! {
            <ActionForm action=actions.add attr:class="add-webhook">
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
            </ActionForm>
        }
    });
    let delivery_rows = deliveries
        .into_iter()
        .map(|delivery| {
            let url = urls
                .iter()
                .find(|(id, _)| id.to_string() == delivery.recipient)
                .map_or_else(|| "a removed endpoint".to_owned(), |(_, url)| url.clone());
            view! { <DeliveryRow delivery url /> }
        })
        .collect_view();
    view! {
        <h2>"Endpoints"</h2>
        <ul class="webhook-endpoints">{endpoint_rows}</ul>
        {add}
        <h2>"Latest deliveries"</h2>
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
                <tbody>{delivery_rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn EndpointRow(view: EndpointView, actions: Actions) -> impl IntoView {
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
        view! {
            <ActionForm action=actions.enable>
                <input type="hidden" name="id" value=id.to_string() />
                <button type="submit">"Enable"</button>
            </ActionForm>
        }
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
                <ActionForm action=actions.test>
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit">"Send a test event"</button>
                </ActionForm>
                <ActionForm action=actions.rotate>
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit">"Rotate the secret"</button>
                </ActionForm>
                {enable}
                <ActionForm action=actions.remove>
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit">"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}

#[component]
fn DeliveryRow(delivery: DeliveryRecord, url: String) -> impl IntoView {
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

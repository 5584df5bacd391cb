//! A grant to some of the account's calls only: those in a time range, answered with an
//! error, to chosen endpoints, or ticked one by one in the table ("Share these calls
//! with Customer Support"). Still exactly two weeks, still revoked from the banner.
//! The page is a plain form, the same with JavaScript and without.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[cfg(feature = "ssr")]
use crate::auth::{ssr::guard, Role};
use crate::{
    error::{AppError, ErrorView, PostedError},
    support_access::{support_access_status, AccessStatus, MAX_SCOPE_CALLS, MAX_SCOPE_ENDPOINTS},
    time::LocalTime,
};

/// What the form asks for, as it sends it.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitsAsked {
    /// The range's ends, `datetime-local` values in UTC.
    pub from: Option<String>,
    pub to: Option<String>,
    pub errors_only: bool,
    /// Endpoints, one a line.
    pub endpoints: Option<String>,
    /// Calls by id, separated by commas.
    pub calls: Option<String>,
}

/// Grants Customer Support access, for two weeks, to the signed-in customer's calls
/// within the limits asked (at least one). When it answers a request, to the agent who
/// asked alone unless `everyone`. While a grant is in force this changes nothing.
#[server(endpoint = "logs/grant_limited")]
#[allow(clippy::too_many_arguments)]
pub async fn grant_limited_access(
    #[server(default)] everyone: bool,
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
    #[server(default)] errors_only: bool,
    #[server(default)] endpoints: Option<String>,
    #[server(default)] calls: Option<String>,
) -> Result<AccessStatus, AppError> {
    let asked = LimitsAsked { from, to, errors_only, endpoints, calls };
    guard(&[Role::Customer], |state, user| super::ssr::grant_limited(state, user, everyone, asked))
        .await
}

/// `/logs/grant/limited`: the limits, with the calls ticked in the table (`?call=…`)
/// already chosen.
#[component]
pub fn LimitedGrantPage() -> impl IntoView {
    let status = Resource::new(|| (), |()| support_access_status());
    let calls = use_query_map().with_untracked(|q| q.get_all("call").unwrap_or_default());
    let calls = calls.join(",");
    view! {
        <Title text="Grant access to some calls" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                match status.await {
                    Ok(AccessStatus { grant: None, request, .. }) => {
                        let asking = request.and_then(|r| r.requested_by_email);
                        view! { <LimitsForm calls asking /> }.into_any()
                    }
                    // A grant is in force, or was just made by this form.
                    Ok(AccessStatus { grant: Some(grant), covers, .. }) => {
                        view! {
                            <section class="confirm-card">
                                <h1>"Customer Support has access"</h1>
                                <p>
                                    "Customer Support reads "
                                    {covers.unwrap_or_else(|| "every call".into())}
                                    " until " <LocalTime at=grant.expires_at />
                                    ". To grant other calls, revoke this access first."
                                </p>
                                <p>
                                    <a href="/logs">"Back to your API Logs"</a>
                                </p>
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

#[component]
fn LimitsForm(
    /// The calls ticked in the table, by id, separated by commas.
    calls: String,
    /// The agent whose request the grant would answer.
    asking: Option<String>,
) -> impl IntoView {
    let grant = ServerAction::<GrantLimitedAccess>::new();
    let chosen = calls.split(',').filter(|id| !id.is_empty()).count();
    let limits = if chosen > 0 {
        view! {
            <p class="chosen-calls">
                {format!(
                    "Customer Support will read these {chosen} calls and no other. (At most {MAX_SCOPE_CALLS}.)",
                )}
            </p>
            <input type="hidden" name="calls" value=calls />
        }
        .into_any()
    } else {
        view! {
            <p>"Customer Support will read only the calls that match every limit you set."</p>
            <fieldset class="limits">
                <legend>"Calls"</legend>
                <label>
                    "From (UTC)" <input type="datetime-local" name="from" />
                </label>
                <label>
                    "To (UTC, included)" <input type="datetime-local" name="to" />
                </label>
                <label class="check">
                    <input type="checkbox" name="errors_only" value="true" />
                    " Only calls answered with an error (4xx or 5xx)"
                </label>
                <label>
                    {format!("Only these endpoints, one a line (at most {MAX_SCOPE_ENDPOINTS})")}
                    <textarea name="endpoints" rows="3" placeholder="/v1/pdf/merge"></textarea>
                </label>
            </fieldset>
        }
        .into_any()
    };
    view! {
        <section class="confirm-card">
            <h1>"Grant access to some calls"</h1>
            <p>
                "Customer Support gets read access to these calls' details, including their \
                 input and output params, for 2 weeks. You can revoke it at any time."
            </p>
            <PostedError />
            <ActionForm action=grant>
                {limits}
                {asking
                    .map(|agent| {
                        view! {
                            <p class="grant-everyone">
                                {format!("Only {agent}, who asked, will have access. ")}
                                <label>
                                    <input type="checkbox" name="everyone" value="true" />
                                    " Let all of Customer Support read them"
                                </label>
                            </p>
                        }
                    })}
                <button type="submit" class="button">
                    "Grant access"
                </button>
                " "
                <a href="/logs">"Cancel"</a>
            </ActionForm>
        </section>
    }
}

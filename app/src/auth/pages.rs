use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::User;
use crate::error::AppError;

/// The sign-in form. It posts to the server's `/signin` handler, which sets the
/// session cookie and redirects, so it works the same with or without JavaScript.
/// A failed attempt comes back here with `?error=…`.
#[component]
pub fn SignIn() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let problem = move || match param("error").as_str() {
        "invalid" => Some("Wrong email or password.".to_owned()),
        "throttled" => {
            let minutes = param("retry").parse::<u32>().unwrap_or(15).max(1);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            Some(format!(
                "Too many failed sign-ins for this email or network. Try again in {minutes} {unit}."
            ))
        }
        "missing" => Some("Enter your email and your password.".to_owned()),
        "" => None,
        _ => Some("Sign-in failed. Please try again.".to_owned()),
    };
    let notice = move || match param("notice").as_str() {
        "signed-out" => Some("You have signed out."),
        "session" => Some("Please sign in to continue."),
        _ => None,
    };

    view! {
        <Title text="Sign in" />
        <section class="auth-card">
            <h1>"Sign in to apilogs"</h1>
            {move || notice().map(|text| view! { <p class="notice">{text}</p> })}
            {move || problem().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <form method="post" action="/signin">
                <input type="hidden" name="next" value=move || param("next") />
                <label>
                    "Email"
                    <input
                        type="email"
                        name="email"
                        required
                        autocomplete="username"
                        value=move || param("email")
                    />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" required autocomplete="current-password" />
                </label>
                <button type="submit" class="button">
                    "Sign in"
                </button>
            </form>
        </section>
    }
}

/// The header's account corner: who is signed in and a sign-out button, or a link to
/// sign in.
#[component]
pub fn UserMenu(user: Resource<Result<Option<User>, AppError>>) -> impl IntoView {
    view! {
        <div class="user-menu">
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => {
                            view! {
                                <span class="user-email" title=user.role.to_string()>
                                    {user.email}
                                </span>
                                <form method="post" action="/signout">
                                    <button type="submit" class="link-button">
                                        "Sign out"
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        _ => view! { <a href="/signin">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

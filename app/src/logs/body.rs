//! Request and response bodies as people read them: JSON laid out and coloured (its
//! tokens as sent), the body exactly as sent a click away, large bodies folded until
//! opened.

use leptos::prelude::*;

use super::{
    header_pairs,
    json::{self, Token},
};

/// Bodies longer than this (in characters or lines, once laid out) start folded.
const FOLD_CHARS: usize = 4_000;
const FOLD_LINES: usize = 60;

/// The class that colours a token.
fn class(token: Token) -> Option<&'static str> {
    match token {
        Token::Key => Some("json-key"),
        Token::String => Some("json-string"),
        Token::Number => Some("json-number"),
        Token::Literal => Some("json-literal"),
        _ => None,
    }
}

/// A body: JSON coloured, anything else as it came; folded when large.
#[component]
pub fn Body(
    /// What the body is, e.g. "Response body".
    title: &'static str,
    body: Option<String>,
    /// Its size before ingest cut it, when it did.
    full_size: Option<i64>,
) -> impl IntoView {
    let Some(body) = body.filter(|body| !body.is_empty()) else {
        return view! {
            <h2>{title}</h2>
            <p class="muted">"(none)"</p>
        }
        .into_any();
    };
    let sent = body.len();
    let (text, json, as_sent) = match json::pretty(&body) {
        Some(pretty) if pretty != body => (pretty, true, Some(body)),
        Some(pretty) => (pretty, true, None),
        None => (body, false, None),
    };
    let lines = text.lines().count();
    let size = format!("{sent} bytes, {lines} line{}", if lines == 1 { "" } else { "s" });
    let content = if json {
        json::pieces(&text)
            .into_iter()
            .map(|(token, piece)| match token.and_then(class) {
                Some(class) => view! { <span class=class>{piece.to_owned()}</span> }.into_any(),
                None => piece.to_owned().into_any(),
            })
            .collect_view()
            .into_any()
    } else {
        text.clone().into_any()
    };
    // A cut body is not whole JSON: it shows as text, and says what is missing where
    // it can be seen, folded or not.
    let cut = full_size.map(|full| {
        view! {
            <p class="body-cut" role="note">
                {format!("Cut when it was recorded: showing the first {sent} of {full} bytes.")}
            </p>
        }
    });
    // Laid out, the white space is not what was sent: the body as sent stays at hand.
    let as_sent = as_sent.map(|body| {
        view! {
            <details class="body-as-sent">
                <summary>"As sent"</summary>
                <pre class="body">{body}</pre>
            </details>
        }
    });
    let pre = view! {
        <pre class="body" class:json=json>{content}</pre>
        {as_sent}
    };
    if text.len() > FOLD_CHARS || lines > FOLD_LINES {
        view! {
            <details class="body-fold">
                <summary>
                    <h2>{title}</h2>
                    <span class="muted">{format!("{size}: show")}</span>
                </summary>
                {pre}
            </details>
            {cut}
        }
        .into_any()
    } else {
        view! {
            <h2 title=size>{title}</h2>
            {cut}
            {pre}
        }
        .into_any()
    }
}

/// Request headers as a table of names and values; anything that is not a JSON
/// object as it came.
#[component]
pub fn Headers(headers: String) -> impl IntoView {
    let Some(pairs) = header_pairs(&headers) else {
        return view! { <pre class="body">{headers}</pre> }.into_any();
    };
    if pairs.is_empty() {
        return view! { <p class="muted">"(none)"</p> }.into_any();
    }
    let rows = pairs
        .into_iter()
        .map(|(name, value)| {
            view! {
                <tr>
                    <th scope="row">{name}</th>
                    <td>{value}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="headers">
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

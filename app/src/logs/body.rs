//! Request and response bodies as people read them: JSON laid out and coloured, large
//! bodies folded until opened.

use leptos::prelude::*;

use super::header_pairs;

/// Bodies longer than this (in characters or lines, once laid out) start folded.
const FOLD_CHARS: usize = 4_000;
const FOLD_LINES: usize = 60;

/// JSON laid out for reading, keys in their original order; `None` when `body` is
/// not JSON.
pub fn pretty_json(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

/// What a piece of JSON text is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Key,
    String,
    Number,
    /// `true`, `false`, `null`.
    Literal,
    /// Punctuation and white space.
    Plain,
}

impl Token {
    fn class(self) -> Option<&'static str> {
        match self {
            Token::Key => Some("json-key"),
            Token::String => Some("json-string"),
            Token::Number => Some("json-number"),
            Token::Literal => Some("json-literal"),
            Token::Plain => None,
        }
    }
}

/// Splits valid JSON text into coloured pieces that, put back together, are the text.
pub fn tokens(json: &str) -> Vec<(Token, &str)> {
    let bytes = json.as_bytes();
    let mut pieces = Vec::new();
    let (mut i, mut plain_from) = (0, 0);
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                let rest = json[i..].trim_start();
                if rest.starts_with(':') {
                    Token::Key
                } else {
                    Token::String
                }
            }
            b'-' | b'0'..=b'9' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                Token::Number
            }
            b't' | b'f' | b'n' => {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Token::Literal
            }
            _ => {
                i += 1;
                continue;
            }
        };
        if plain_from < start {
            pieces.push((Token::Plain, &json[plain_from..start]));
        }
        pieces.push((kind, &json[start..i]));
        plain_from = i;
    }
    if plain_from < bytes.len() {
        pieces.push((Token::Plain, &json[plain_from..]));
    }
    pieces
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
    let (text, json) = match pretty_json(&body) {
        Some(pretty) => (pretty, true),
        None => (body, false),
    };
    let lines = text.lines().count();
    let size = format!("{} bytes, {lines} line{}", text.len(), if lines == 1 { "" } else { "s" });
    let content = if json {
        tokens(&text)
            .into_iter()
            .map(|(token, piece)| match token.class() {
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
                {format!("Cut when it was recorded: showing the first {} of {full} bytes.", text.len())}
            </p>
        }
    });
    let pre = view! { <pre class="body" class:json=json>{content}</pre> };
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
        <table class="headers">
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_laid_out_in_its_own_key_order() {
        assert_eq!(
            pretty_json(r#"{"b":1,"a":[true,null]}"#).unwrap(),
            "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ]\n}"
        );
        assert_eq!(pretty_json("plain text"), None);
    }

    #[test]
    fn tokens_colour_every_kind_and_lose_nothing() {
        let json = pretty_json(
            r#"{"name":"a \"quoted\": b","n":-1.5e3,"ok":false,"x":null,"list":[1,"s"]}"#,
        )
        .unwrap();
        let pieces = tokens(&json);
        assert_eq!(pieces.iter().map(|(_, p)| *p).collect::<String>(), json);
        let of =
            |kind| pieces.iter().filter(|(k, _)| *k == kind).map(|(_, p)| *p).collect::<Vec<_>>();
        assert_eq!(of(Token::Key), [r#""name""#, r#""n""#, r#""ok""#, r#""x""#, r#""list""#]);
        assert_eq!(of(Token::String), [r#""a \"quoted\": b""#, r#""s""#]);
        assert_eq!(of(Token::Number), ["-1500.0", "1"]);
        assert_eq!(of(Token::Literal), ["false", "null"]);
    }
}

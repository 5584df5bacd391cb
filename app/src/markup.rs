//! Markup written directly, for the few server-only parts of a page that repeat one
//! shape many times (the table's rows, the chart's days): drawn element by element
//! through the view system they cost a page most of its time. Every text goes through
//! [`escape`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::time::{push_rfc3339, push_utc_text};

/// `text` safe in an element's content and in a quoted attribute value.
pub fn escape(text: &str) -> Cow<'_, str> {
    // A byte scan: the markup characters are ASCII, and most texts hold none.
    if !text.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// What [`crate::time::LocalTime`] draws: a `<time>` in UTC, localized in the browser.
pub fn local_time(out: &mut String, at: DateTime<Utc>) {
    out.push_str(r#"<time datetime=""#);
    push_rfc3339(out, at);
    // The UTC text written once and copied: a page of calls draws fifty.
    let mut utc = String::with_capacity(23);
    push_utc_text(&mut utc, at);
    out.push_str(r#"" title=""#);
    out.push_str(&utc);
    out.push_str(r#"" data-local="">"#);
    out.push_str(&utc);
    out.push_str("</time>");
}

#[cfg(test)]
mod tests {
    use leptos::prelude::*;

    use super::*;
    use crate::time::LocalTime;

    #[test]
    fn markup_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("/v1/pdf/merge"), "/v1/pdf/merge");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("é → ü"), "é → ü");
    }

    #[test]
    fn a_local_time_is_drawn_as_the_component_draws_it() {
        // Before year 0 and past year 9999 too.
        for seconds in [0, 1_764_147_600, 4_102_444_799, -62_198_755_200, 253_402_300_800] {
            let at = DateTime::from_timestamp(seconds, 987_654_321).unwrap();
            let mut written = String::new();
            local_time(&mut written, at);
            let drawn = Owner::new().with(|| view! { <LocalTime at /> }.to_html());
            assert_eq!(written, drawn);
        }
    }
}

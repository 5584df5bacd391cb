//! `application/x-www-form-urlencoded` bodies and query strings: a secret field's value
//! goes; any other value is read as a text of its own (decoded first when it is
//! percent-encoded, and then it goes whole if anything in it is secret). White space
//! around names and values is allowed and kept.

use std::borrow::Cow;

use super::{edits::Edits, scan, Redactor};

pub fn read(redactor: &Redactor, text: &str, depth: u8, at: usize, edits: &mut Edits) {
    let mut start = 0;
    for field in text.split('&') {
        let field_at = at + start;
        start += field.len() + 1;
        let Some((name, value)) = field.split_once('=') else {
            scan::read(redactor, field, field_at, edits);
            continue;
        };
        let trimmed = value.trim();
        let value_at = field_at + name.len() + 1 + (value.len() - value.trim_start().len());
        let range = value_at..value_at + trimmed.len();
        if redactor.names.is_secret(decode(name.trim()).trim()) {
            edits.redact(range);
        } else if trimmed.contains(['%', '+']) {
            if redactor.decoded(&decode(trimmed), depth + 1).is_some() {
                edits.redact(range);
            }
        } else {
            redactor.value(trimmed, depth + 1, value_at, edits);
        }
    }
}

/// A percent-encoded name or value, `+` as a space.
fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return text.into();
    }
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
        .into()
}

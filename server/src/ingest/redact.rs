//! Redaction at ingest: secrets are replaced before anything is stored, so neither the
//! customer's screens nor a support agent's can ever show one.

use serde_json::{Map, Value};

pub const REDACTED: &str = "[REDACTED]";

/// Headers whose values are always secret (matched ignoring case).
pub const DEFAULT_HEADERS: [&str; 6] =
    ["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "x-auth-token"];

/// Words that make a JSON key, query parameter or form field secret wherever they occur
/// in its name, ignoring case, `_` and `-` (`apiKey`, `API-KEY`, `client_secret`).
pub const DEFAULT_KEYS: [&str; 11] = [
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "authorization",
    "cardnumber",
    "creditcard",
    "cvv",
    "cvc",
    "privatekey",
];

#[derive(Clone, Debug)]
pub struct Redactor {
    /// Lower-case header names.
    headers: Vec<String>,
    /// Normalised words (see [`normalise`]).
    keys: Vec<String>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(DEFAULT_HEADERS, DEFAULT_KEYS)
    }
}

/// `apiKey`, `API-KEY` and `api_key` all become `apikey`.
fn normalise(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

impl Redactor {
    pub fn new<H, K>(headers: H, keys: K) -> Self
    where
        H: IntoIterator,
        H::Item: AsRef<str>,
        K: IntoIterator,
        K::Item: AsRef<str>,
    {
        Redactor {
            headers: headers.into_iter().map(|h| h.as_ref().trim().to_ascii_lowercase()).collect(),
            keys: keys
                .into_iter()
                .map(|k| normalise(k.as_ref()))
                .filter(|k| !k.is_empty())
                .collect(),
        }
    }

    fn secret_key(&self, name: &str) -> bool {
        let name = normalise(name);
        self.keys.iter().any(|word| name.contains(word.as_str()))
    }

    fn secret_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name)) || self.secret_key(name)
    }

    /// Header values: secret ones replaced, card numbers in the others.
    pub fn headers(&self, headers: &mut Map<String, Value>) {
        for (name, value) in headers.iter_mut() {
            if self.secret_header(name) {
                *value = Value::String(REDACTED.into());
            } else {
                self.json(value);
            }
        }
    }

    /// A body: JSON has its secret keys' values replaced at any depth; a form
    /// (`a=1&b=2`) its secret fields'; card numbers go from any text. The body is
    /// returned untouched (byte for byte) when nothing in it is secret.
    pub fn body(&self, body: &str) -> Option<String> {
        if let Ok(mut value) = serde_json::from_str::<Value>(body) {
            return self.json(&mut value).then(|| value.to_string());
        }
        if looks_like_form(body) {
            return self.form(body);
        }
        mask_cards(body)
    }

    /// A query string's secret parameters (and card numbers) replaced.
    pub fn query(&self, query: &str) -> Option<String> {
        self.form(query)
    }

    /// Redacts within a JSON value; true when anything changed.
    pub fn json(&self, value: &mut Value) -> bool {
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (key, inner) in map.iter_mut() {
                    if self.secret_key(key) {
                        if *inner != Value::String(REDACTED.into()) {
                            *inner = Value::String(REDACTED.into());
                            changed = true;
                        }
                    } else {
                        changed |= self.json(inner);
                    }
                }
                changed
            }
            Value::Array(items) => {
                items.iter_mut().fold(false, |changed, v| self.json(v) | changed)
            }
            Value::String(text) => match mask_cards(text) {
                Some(masked) => {
                    *text = masked;
                    true
                }
                None => false,
            },
            Value::Number(number) if mask_cards(&number.to_string()).is_some() => {
                *value = Value::String(REDACTED.into());
                true
            }
            _ => false,
        }
    }

    fn form(&self, form: &str) -> Option<String> {
        let mut changed = false;
        let fields: Vec<String> = form
            .split('&')
            .map(|field| match field.split_once('=') {
                Some((name, _)) if self.secret_key(&decode(name)) => {
                    changed = true;
                    format!("{name}={REDACTED}")
                }
                _ => match mask_cards(field) {
                    Some(masked) => {
                        changed = true;
                        masked
                    }
                    None => field.to_owned(),
                },
            })
            .collect();
        changed.then(|| fields.join("&"))
    }
}

/// `a=1&b=2`: fields of names and values, no white space.
fn looks_like_form(body: &str) -> bool {
    !body.is_empty()
        && !body.contains(char::is_whitespace)
        && body
            .split('&')
            .all(|field| field.split_once('=').is_some_and(|(name, _)| !name.is_empty()))
}

fn decode(name: &str) -> String {
    form_urlencoded::parse(format!("{name}=").as_bytes())
        .next()
        .map_or_else(String::new, |(k, _)| k.into_owned())
}

/// `text` with every payment card number in it (13 to 19 digits, spaces or dashes
/// allowed between groups, a card network's prefix and a valid Luhn check digit)
/// replaced; `None` when it has none.
pub fn mask_cards(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let starts_number =
            bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts_number {
            i += 1;
            continue;
        }
        // Digits, with single separators between them.
        let (mut end, mut digits) = (i, String::new());
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits.push(bytes[j] as char);
                j += 1;
                end = j;
            } else if matches!(bytes[j], b' ' | b'-')
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let ends_number = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if ends_number && is_card_number(&digits) {
            out.push_str(&text[copied..i]);
            out.push_str(REDACTED);
            copied = end;
        }
        i = end.max(i + 1);
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

fn is_card_number(digits: &str) -> bool {
    let known_network = [
        "4", "34", "37", "35", "36", "38", "30", "6011", "65", "51", "52", "53", "54", "55", "22",
        "23", "24", "25", "26", "27",
    ]
    .iter()
    .any(|prefix| digits.starts_with(prefix));
    (13..=19).contains(&digits.len()) && known_network && luhn(digits)
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_keys_are_redacted_at_any_depth_and_in_arrays() {
        let body = json!({
            "user": {"email": "a@b.example", "Password": "hunter2", "profile": {"apiKey": "ak_1"}},
            "items": [{"token": 1}, {"name": "x", "client_secret": {"nested": true}}],
            "API-KEY": null,
            "note": "kept"
        })
        .to_string();
        let redacted: Value =
            serde_json::from_str(&Redactor::default().body(&body).unwrap()).unwrap();
        assert_eq!(
            redacted,
            json!({
                "user": {"email": "a@b.example", "Password": REDACTED, "profile": {"apiKey": REDACTED}},
                "items": [{"token": REDACTED}, {"name": "x", "client_secret": REDACTED}],
                "API-KEY": REDACTED,
                "note": "kept"
            })
        );
        // Key order is kept.
        assert!(Redactor::default().body(&body).unwrap().starts_with(r#"{"user":{"email""#));
    }

    #[test]
    fn a_body_without_secrets_is_kept_byte_for_byte() {
        let body = "{ \"pages\": 12,\n  \"big\": 123456789012345678901234567890 }";
        assert_eq!(Redactor::default().body(body), None);
        assert_eq!(Redactor::default().body("plain text, nothing secret"), None);
    }

    #[test]
    fn card_numbers_go_from_json_forms_and_plain_text() {
        let redactor = Redactor::default();
        let json = r#"{"card_number":"4111 1111 1111 1111","note":"paid with 5555-5555-5555-4444","n":4012888888881881}"#;
        assert_eq!(
            redactor.body(json).unwrap(),
            format!(
                r#"{{"card_number":"{REDACTED}","note":"paid with {REDACTED}","n":"{REDACTED}"}}"#
            )
        );
        assert_eq!(
            redactor.body("Refund 4111111111111111 today").unwrap(),
            format!("Refund {REDACTED} today")
        );
        // Timestamps, ids and numbers that fail the check stay.
        for kept in ["at 1764147600123456", "id 4111111111111112", "order-41111111111111119"] {
            assert_eq!(redactor.body(kept), None, "{kept}");
        }
    }

    #[test]
    fn forms_and_queries_lose_their_secret_fields() {
        let redactor = Redactor::default();
        assert_eq!(
            redactor.body("user=ann&password=hunter2&api%5Fkey=x").unwrap(),
            format!("user=ann&password={REDACTED}&api%5Fkey={REDACTED}")
        );
        assert_eq!(
            redactor.query("url=https://x.example/a.pdf&access_token=abc").unwrap(),
            format!("url=https://x.example/a.pdf&access_token={REDACTED}")
        );
        assert_eq!(redactor.query("pages=1-3"), None);
    }

    #[test]
    fn headers_are_redacted_whatever_their_case() {
        let mut headers: Map<String, Value> = serde_json::from_str(
            r#"{"Authorization":"Bearer ak_1","X-API-KEY":"ak_2","Cookie":"s=1","X-Custom-Token":"t","Content-Type":"application/json"}"#,
        )
        .unwrap();
        Redactor::default().headers(&mut headers);
        assert_eq!(
            Value::Object(headers),
            json!({"Authorization": REDACTED, "X-API-KEY": REDACTED, "Cookie": REDACTED,
                   "X-Custom-Token": REDACTED, "Content-Type": "application/json"})
        );
    }

    #[test]
    fn the_lists_are_configurable() {
        let redactor = Redactor::new(["x-tenant"], ["ssn"]);
        let mut headers: Map<String, Value> =
            serde_json::from_str(r#"{"X-Tenant":"t1","Authorization":"kept now"}"#).unwrap();
        redactor.headers(&mut headers);
        assert_eq!(
            Value::Object(headers),
            json!({"X-Tenant": REDACTED, "Authorization": "kept now"})
        );
        assert_eq!(
            redactor.body(r#"{"SSN":"078-05-1120"}"#).unwrap(),
            format!(r#"{{"SSN":"{REDACTED}"}}"#)
        );
    }
}

//! Redaction: the secrets in a call are found in its text as it was sent, and only
//! their bytes are replaced, by `[REDACTED]`, before anything is stored; every other
//! byte is kept. One code path for the ingest API, the recording middleware and
//! `apilogs scrub`.
//!
//! A text is read as its kind ([`Kind`]): JSON or JSON lines, a form, multipart, XML or
//! HTML, or plain text. The values inside (a JSON string, a form field, a part, an
//! element's text) are texts again, read the same way, so a form inside a JSON string
//! is read as a form. Values under secret names ([`Names`]) go whole; everything else
//! goes through the [`scan`] for credentials that show by their shape wherever they
//! are (URL passwords, `Bearer` tokens, JWTs, private keys, providers' key formats,
//! card numbers, `password=…` in free text).

mod cards;
mod edits;
mod form;
pub mod formats;
mod json;
mod kind;
mod multipart;
mod names;
mod scan;
mod xml;

use serde_json::{Map, Value};

pub use self::names::Names;
use self::{edits::Edits, kind::Kind, scan::Scanner};

pub const REDACTED: &str = "[REDACTED]";

/// Headers whose values are always secret (matched ignoring case), besides those whose
/// names are secret by [`Names`] (`X-Custom-Token`).
pub const DEFAULT_HEADERS: [&str; 6] =
    ["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "x-auth-token"];

/// How many values deep a value is read as a text of its own kind; deeper, it is
/// scanned as plain text.
const MAX_DEPTH: u8 = 4;

/// What is secret, and where to look: built once, from the configured lists.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// Lower-case header names.
    headers: Vec<String>,
    /// Lower-case header names never redacted whole.
    kept_headers: Vec<String>,
    names: Names,
    scanner: Scanner,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new(&Lists::default()).expect("the default lists are valid")
    }
}

/// Changes to the default lists, from the command line.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    /// Headers whose values are secret, besides the defaults.
    pub add_headers: Vec<String>,
    /// Headers stored in clear even though they are defaults or their names are secret
    /// (`Idempotency-Key`).
    pub keep_headers: Vec<String>,
    /// Words that make a name secret wherever they occur in it, besides the defaults.
    pub add_keys: Vec<String>,
    /// Default words that no longer make a name secret.
    pub keep_keys: Vec<String>,
}

impl Redactor {
    /// The defaults changed by `lists`; an error names a kept key word that is no
    /// default.
    pub fn new(lists: &Lists) -> Result<Self, String> {
        let lower = |names: &[String]| -> Vec<String> {
            names.iter().map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()).collect()
        };
        let mut headers = lower(&lists.add_headers);
        headers.extend(DEFAULT_HEADERS.map(String::from));
        let names = Names::new(&lists.add_keys, &lists.keep_keys)?;
        let scanner = Scanner::new(&names);
        Ok(Redactor { headers, kept_headers: lower(&lists.keep_headers), names, scanner })
    }

    /// A body or other free text, read as the kind its content type says or its text
    /// shows: its secrets replaced in place. Returns how many values were redacted.
    pub fn text(&self, text: &mut String, content_type: Option<&str>) -> usize {
        let kind = Kind::of(text, content_type);
        self.rewrite(text, kind)
    }

    /// A URL path: credentials by their shape only.
    pub fn path(&self, path: &mut String) -> usize {
        self.rewrite(path, Kind::Text)
    }

    /// A query string, read as a form.
    pub fn query(&self, query: &mut String) -> usize {
        self.rewrite(query, Kind::Form)
    }

    /// Header values: secret ones replaced whole, the others read as text.
    pub fn headers(&self, headers: &mut Map<String, Value>) -> usize {
        let mut count = 0;
        for (name, value) in headers.iter_mut() {
            let listed = |list: &[String]| list.iter().any(|h| h.eq_ignore_ascii_case(name));
            let secret = !listed(&self.kept_headers)
                && (listed(&self.headers) || self.names.is_secret(name));
            match value {
                Value::Null => {}
                Value::String(text) if text.is_empty() || text == REDACTED => {}
                _ if secret => {
                    *value = Value::String(REDACTED.into());
                    count += 1;
                }
                Value::String(text) => count += self.text(text, None),
                other => {
                    let mut text = other.to_string();
                    let found = self.text(&mut text, None);
                    if found > 0 {
                        *other = Value::String(text);
                        count += found;
                    }
                }
            }
        }
        count
    }

    /// Optional free text (an error message, a user agent), read as [`Redactor::text`].
    pub fn optional(&self, text: &mut Option<String>) -> usize {
        text.as_mut().map_or(0, |text| self.text(text, None))
    }

    fn rewrite(&self, text: &mut String, kind: Kind) -> usize {
        let mut edits = Edits::default();
        self.read(text, kind, 0, 0, &mut edits);
        match edits.apply(text) {
            Some((redacted, count)) => {
                *text = redacted;
                count
            }
            None => 0,
        }
    }

    /// `text` (which starts `at` bytes into what is being redacted) read as `kind`,
    /// its secrets added to `edits`.
    fn read(&self, text: &str, kind: Kind, depth: u8, at: usize, edits: &mut Edits) {
        if depth > MAX_DEPTH {
            return scan::read(self, text, at, edits);
        }
        match kind {
            Kind::Json => json::read(self, text, depth, at, edits),
            Kind::Form => form::read(self, text, depth, at, edits),
            Kind::Multipart(boundary) => multipart::read(self, text, &boundary, depth, at, edits),
            Kind::Xml => xml::read(self, text, depth, at, edits),
            Kind::Text => scan::read(self, text, at, edits),
        }
    }

    /// A value that was decoded from its text (a JSON string with escapes, a
    /// percent-encoded field) read on its own: the redacted value and how many values
    /// went, or `None` when nothing in it is secret.
    fn decoded(&self, value: &str, depth: u8) -> Option<(String, usize)> {
        let mut edits = Edits::default();
        self.read(value, Kind::of(value, None), depth, 0, &mut edits);
        edits.apply(value)
    }

    /// A value inside a text, read as its own kind.
    fn value(&self, text: &str, depth: u8, at: usize, edits: &mut Edits) {
        self.read(text, Kind::of(text, None), depth, at, edits);
    }
}

/// A request's content type, from its headers.
pub fn content_type(headers: &Map<String, Value>) -> Option<&str> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests;

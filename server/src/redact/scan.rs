//! The text scanner, run on every piece of free text whatever its kind: it finds
//! credentials by their shape and replaces only them.
//!
//! - URL user info (`https://user:pass@host` keeps `https://` and `@host`);
//! - `Bearer …`, `Token …` and `Basic …` credentials;
//! - PEM private key blocks (their markers stay);
//! - the providers' formats of [`FORMATS`];
//! - `name=value`, `name: value` and `"name": "value"` where the name is secret, so a
//!   presigned URL's `X-Amz-Signature=…` or a log line's `password: …` goes;
//! - card numbers.
//!
//! Every pattern is a `regex` (finite automata: linear in the text, whatever it holds).

use regex::Regex;

use super::{cards, edits::Edits, formats::FORMATS, names::Names, Redactor, REDACTED};

#[derive(Clone, Debug)]
pub struct Scanner {
    /// All the patterns below in one.
    any: Regex,
    formats: Regex,
    user_info: Regex,
    scheme: Regex,
    private_key: Regex,
    /// A name with a secret word in it, then `=` or `:`: whether the name is secret
    /// is for [`Names`] to say.
    assignment: Regex,
}

/// Characters of a credential after its scheme (base64, base64url, token68).
const CREDENTIAL: &str = r"[0-9A-Za-z._~+/\-]+=*";

impl Scanner {
    pub fn new(names: &Names) -> Scanner {
        let formats: Vec<String> = FORMATS.iter().map(|(_, p)| format!("(?:{p})")).collect();
        let words: Vec<String> = names.all_words().map(regex::escape).collect();
        let patterns = [
            formats.join("|"),
            r#"\b[A-Za-z][0-9A-Za-z+.\-]*:(?:\\?/){2}[^\s/?#@"'<>\\\[\]]+@"#.to_owned(),
            format!(r"(?i)\b(?:bearer|token|basic)[ \t]+{CREDENTIAL}"),
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----".to_owned(),
            format!(
                r#"[0-9A-Za-z_.\-]*(?i:{})[0-9A-Za-z_.\-]*(?:\\?["'])?[ \t]*[:=]"#,
                words.join("|")
            ),
        ];
        let regex = |pattern: &str| Regex::new(pattern).expect("a valid pattern");
        let any = patterns.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|");
        let [formats, user_info, scheme, private_key, assignment] = patterns.map(|p| regex(&p));
        Scanner { any: regex(&any), formats, user_info, scheme, private_key, assignment }
    }
}

pub fn read(redactor: &Redactor, text: &str, at: usize, edits: &mut Edits) {
    cards::read(text, at, edits);
    let scanner = &redactor.scanner;
    // Most texts hold nothing: one pass over them says so.
    if !scanner.any.is_match(text) {
        return;
    }
    let shifted = |start: usize, end: usize| at + start..at + end;
    for found in scanner.formats.find_iter(text) {
        edits.redact(shifted(found.start(), found.end()));
    }
    for found in scanner.user_info.find_iter(text) {
        // Between `//` and `@`.
        let start = found.start() + found.as_str().rfind('/').map_or(0, |i| i + 1);
        edits.redact(shifted(start, found.end() - 1));
    }
    for found in scanner.scheme.find_iter(text) {
        let scheme_end = found.as_str().find([' ', '\t']).unwrap_or(0);
        let credential = found.as_str()[scheme_end..].trim_start();
        if is_credential(&found.as_str()[..scheme_end], credential) {
            edits.redact(shifted(found.end() - credential.len(), found.end()));
        }
    }
    // A block or value already redacted to its end is not searched again: the text is
    // read once however many markers or quotes it holds.
    let mut covered = 0;
    for found in scanner.private_key.find_iter(text) {
        if found.start() < covered {
            continue;
        }
        covered = text[found.end()..].find("-----END").map_or(text.len(), |i| found.end() + i);
        edits.redact(shifted(found.end(), covered));
    }
    covered = 0;
    for found in scanner.assignment.find_iter(text) {
        let name_end = found
            .as_str()
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(found.len());
        if found.start() < covered || !redactor.names.is_secret(&found.as_str()[..name_end]) {
            continue;
        }
        if let Some(value) = value_after(text, found.end()) {
            covered = value.end;
            edits.redact(shifted(value.start, value.end));
        }
    }
}

/// Whether what follows a scheme word is a credential, not prose ("Bearer tokens
/// expire", "Basic plan"): a `Basic` one decodes to `user:password`; any other has a
/// digit or a symbol in it, or is long.
fn is_credential(scheme: &str, credential: &str) -> bool {
    if credential.len() < 8 || credential == REDACTED {
        return false;
    }
    if scheme.eq_ignore_ascii_case("basic") {
        return base64_decoded(credential).is_some_and(|decoded| decoded.contains(&b':'));
    }
    credential.len() >= 24 || !credential.bytes().all(|b| b.is_ascii_alphabetic())
}

fn base64_decoded(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The value after `name=` or `name:` at `from`: up to its closing quote when quoted
/// (`"…"`, `'…'`, or `\"…\"` inside a JSON string), else up to white space or
/// punctuation. A scheme and its credential (`Bearer abc…`) are one value.
fn value_after(text: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let rest = &text[from..];
    let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
    let rest = &text[start..];
    let quote = ["\\\"", "\"", "'"].into_iter().find(|q| rest.starts_with(q));
    let range = match quote {
        Some(quote) => {
            let inner = start + quote.len();
            let end = closing(&text[inner..], quote).map_or(text.len(), |i| inner + i);
            inner..end
        }
        None => {
            let end = |from: usize| {
                text[from..]
                    .find(|c: char| c.is_whitespace() || "&,;\"'<>(){}[]\\".contains(c))
                    .map_or(text.len(), |i| from + i)
            };
            let mut value = start..end(start);
            let word = &text[value.clone()];
            if ["bearer", "token", "basic"].iter().any(|s| word.eq_ignore_ascii_case(s)) {
                let after = &text[value.end..];
                let credential =
                    value.end + (after.len() - after.trim_start_matches([' ', '\t']).len());
                if credential > value.end {
                    value.end = end(credential).max(value.end);
                }
            }
            value
        }
    };
    (!range.is_empty()).then_some(range)
}

/// Where `quote` closes in `text`; a `"` escaped with `\` does not close.
fn closing(text: &str, quote: &str) -> Option<usize> {
    if quote != "\"" {
        return text.find(quote);
    }
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'"' && (i == 0 || bytes[i - 1] != b'\\'))
}

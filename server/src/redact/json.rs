//! JSON and JSON lines, token by token as sent: a secret key's value goes whole (every
//! time the key comes, at any depth); every string is read as a text of its own; a
//! number that is a card number goes. Text that is not quite JSON (cut, or broken) is
//! also scanned whole.

use app::logs::json::{lex, Token};

use super::{cards, edits::Edits, scan, Redactor};

pub fn read(redactor: &Redactor, text: &str, depth: u8, at: usize, edits: &mut Edits) {
    let mut tokens = lex(text);
    let mut broken = false;
    let shifted = |range: std::ops::Range<usize>| at + range.start..at + range.end;
    while let Some((token, range)) = tokens.next() {
        match token {
            Token::Key if redactor.names.is_secret(&unquote(&text[range.clone()])) => {
                // The lexer calls a string a key only when `:` follows.
                tokens.next();
                match tokens.next() {
                    Some((Token::String | Token::Key, value)) if value.len() > 2 => {
                        edits.redact_json(shifted(value));
                    }
                    Some((Token::Number, value)) => edits.redact_json(shifted(value)),
                    Some((Token::Open, value)) => {
                        let end = close(&mut tokens).unwrap_or(text.len());
                        edits.redact_json(at + value.start..at + end);
                    }
                    Some((Token::Other, _)) => broken = true,
                    // `null`, `true`, `""`: nothing to hide.
                    _ => {}
                }
            }
            Token::String | Token::Key => string(redactor, text, range, depth, at, edits),
            Token::Number if cards::is_card_number(&text[range.clone()]) => {
                edits.redact_json(shifted(range));
            }
            Token::Other => broken = true,
            _ => {}
        }
    }
    if broken {
        scan::read(redactor, text, at, edits);
    }
}

/// The end of the container just opened, `None` when the text ends first.
fn close(tokens: &mut impl Iterator<Item = (Token, std::ops::Range<usize>)>) -> Option<usize> {
    let mut depth = 1;
    for (token, range) in tokens {
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(range.end);
                }
            }
            _ => {}
        }
    }
    None
}

/// A string token's content, its escapes decoded when they can be.
fn unquote(token: &str) -> std::borrow::Cow<'_, str> {
    let inner = content(token);
    if inner.contains('\\') {
        if let Ok(decoded) = serde_json::from_str::<String>(token) {
            return decoded.into();
        }
    }
    inner.into()
}

/// Between the quotes (an unclosed string runs to the end).
fn content(token: &str) -> &str {
    let inner = &token[1..];
    if token.len() >= 2 && inner.ends_with('"') && !inner.ends_with("\\\"") {
        &inner[..inner.len() - 1]
    } else {
        inner
    }
}

/// A string's content read as a text of its own. Without escapes, its secrets are
/// found where they lie; with escapes, in the decoded text, and a string that had one
/// is written again (escaped as JSON needs, no more).
fn string(
    redactor: &Redactor,
    text: &str,
    range: std::ops::Range<usize>,
    depth: u8,
    at: usize,
    edits: &mut Edits,
) {
    let token = &text[range.clone()];
    let inner = content(token);
    let inner_at = at + range.start + 1;
    if !inner.contains('\\') {
        return redactor.value(inner, depth + 1, inner_at, edits);
    }
    match serde_json::from_str::<String>(token) {
        Ok(decoded) => {
            if let Some((redacted, count)) = redactor.decoded(&decoded, depth + 1) {
                let written = serde_json::to_string(&redacted).expect("a string serialises");
                edits.replace(at + range.start..at + range.end, written, count);
            }
        }
        // Cut or broken: its text as it is.
        Err(_) => scan::read(redactor, inner, inner_at, edits),
    }
}

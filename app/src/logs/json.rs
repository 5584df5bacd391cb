//! JSON read as text, never rewritten: a lexer that yields every token where it lies
//! and never fails, for laying a body out as it was sent (here, on the server and in the
//! browser alike) and for finding the secrets in it (the server's redaction).

use std::ops::Range;

/// What a piece of JSON text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// A string followed by `:`.
    Key,
    String,
    Number,
    /// `true`, `false`, `null` (or any other run of letters).
    Literal,
    /// `{` or `[`.
    Open,
    /// `}` or `]`.
    Close,
    Colon,
    Comma,
    /// Anything that has no place in JSON, one character at a time.
    Other,
}

/// The tokens of `text` with their byte ranges, white space (and a byte-order mark)
/// skipped. Text that is not JSON still comes apart: an unclosed string runs to the
/// end, a stray character is [`Token::Other`].
pub fn lex(text: &str) -> Lexer<'_> {
    Lexer { text, at: 0 }
}

pub struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl Lexer<'_> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r', '\u{feff}']);
        self.at += rest.len() - trimmed.len();
    }
}

impl Iterator for Lexer<'_> {
    type Item = (Token, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_space();
        let bytes = self.text.as_bytes();
        let start = self.at;
        let first = *bytes.get(start)?;
        let mut end = start + 1;
        let token = match first {
            b'"' => {
                while end < bytes.len() && bytes[end] != b'"' {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                end = (end + 1).min(bytes.len());
                self.at = end;
                self.skip_space();
                if bytes.get(self.at) == Some(&b':') {
                    Token::Key
                } else {
                    Token::String
                }
            }
            b'-' | b'0'..=b'9' => {
                while end < bytes.len()
                    && matches!(bytes[end], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    end += 1;
                }
                Token::Number
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
                    end += 1;
                }
                Token::Literal
            }
            b'{' | b'[' => Token::Open,
            b'}' | b']' => Token::Close,
            b':' => Token::Colon,
            b',' => Token::Comma,
            _ => {
                end = start + self.text[start..].chars().next().map_or(1, char::len_utf8);
                Token::Other
            }
        };
        self.at = self.at.max(end);
        Some((token, start..end))
    }
}

/// Whether `text` is JSON: one value, or several one after another (JSON lines), with
/// an optional byte-order mark.
pub fn is_json(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let mut values =
        serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>().peekable();
    values.peek().is_some() && values.all(|value| value.is_ok())
}

/// `body` laid out for reading, two spaces an indent and one value a line, with every
/// token exactly as it was sent (numbers, escapes, key order, repeated keys); `None`
/// when it is not JSON.
pub fn pretty(body: &str) -> Option<String> {
    if !is_json(body) {
        return None;
    }
    let mut out = String::with_capacity(body.len() * 2);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    let mut depth = 0;
    let mut tokens = lex(body).peekable();
    while let Some((token, range)) = tokens.next() {
        let piece = &body[range];
        match token {
            Token::Open => {
                out.push_str(piece);
                match tokens.next_if(|(next, _)| *next == Token::Close) {
                    Some((_, close)) => out.push_str(&body[close]),
                    None => {
                        depth += 1;
                        newline(&mut out, depth);
                        continue;
                    }
                }
            }
            Token::Close => {
                depth -= 1;
                newline(&mut out, depth);
                out.push_str(piece);
            }
            Token::Comma => {
                out.push(',');
                newline(&mut out, depth);
                continue;
            }
            Token::Colon => {
                out.push_str(": ");
                continue;
            }
            Token::Key => {
                out.push_str(piece);
                continue;
            }
            _ => out.push_str(piece),
        }
        // A value has ended: at the top level, the next one goes on its own line.
        if depth == 0 && tokens.peek().is_some() {
            out.push('\n');
        }
    }
    Some(out)
}

/// `json` cut into pieces that, put back together, are the text: its tokens, and
/// `None` for what lies between them (white space and punctuation).
pub fn pieces(json: &str) -> Vec<(Option<Token>, &str)> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    for (token, range) in lex(json) {
        if matches!(token, Token::Open | Token::Close | Token::Colon | Token::Comma) {
            continue;
        }
        if plain_from < range.start {
            pieces.push((None, &json[plain_from..range.start]));
        }
        plain_from = range.end;
        pieces.push((Some(token), &json[range]));
    }
    if plain_from < json.len() {
        pieces.push((None, &json[plain_from..]));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn json_is_laid_out_in_its_own_key_order() {
        assert_eq!(
            pretty(r#"{"b":1,"a":[true,null],"e":{},"f":[ ]}"#).unwrap(),
            "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ],\n  \"e\": {},\n  \"f\": []\n}"
        );
        assert_eq!(pretty("plain text"), None);
        assert_eq!(pretty(r#"{"a":1"#), None);
        assert_eq!(pretty(""), None);
    }

    #[test]
    fn layout_keeps_every_token_as_sent() {
        let sent = "\u{feff}{ \"n\" : -1.5e3 ,\"big\":12345678901234567890123,\"one\":1.0,\
                    \"e\":\"\\u00e9\",\"n\":2}";
        assert_eq!(
            pretty(sent).unwrap(),
            "{\n  \"n\": -1.5e3,\n  \"big\": 12345678901234567890123,\n  \"one\": 1.0,\n  \
             \"e\": \"\\u00e9\",\n  \"n\": 2\n}"
        );
    }

    #[test]
    fn json_lines_are_laid_out_one_value_after_another() {
        assert_eq!(pretty("{\"a\":1}\n{\"a\":2}\n").unwrap(), "{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}");
        assert_eq!(pretty("1 2").unwrap(), "1\n2");
    }

    #[test]
    fn the_lexer_names_keys_and_survives_what_is_not_json() {
        let text = r#"{"k" : "v\"", "n": [1e3, true], 'x' "open"#;
        let tokens: Vec<(Token, &str)> = lex(text).map(|(t, r)| (t, &text[r])).collect();
        assert_eq!(
            tokens,
            [
                (Token::Open, "{"),
                (Token::Key, r#""k""#),
                (Token::Colon, ":"),
                (Token::String, r#""v\"""#),
                (Token::Comma, ","),
                (Token::Key, r#""n""#),
                (Token::Colon, ":"),
                (Token::Open, "["),
                (Token::Number, "1e3"),
                (Token::Comma, ","),
                (Token::Literal, "true"),
                (Token::Close, "]"),
                (Token::Comma, ","),
                (Token::Other, "'"),
                (Token::Literal, "x"),
                (Token::Other, "'"),
                (Token::String, r#""open"#),
            ]
        );
        // A multi-byte stray character is one token, not a broken one.
        assert_eq!(
            lex("é").map(|(token, r)| (token, r.len())).collect::<Vec<_>>(),
            [(Token::Other, 2)]
        );
    }

    #[test]
    fn pieces_colour_every_kind_and_lose_nothing() {
        let json =
            pretty(r#"{"name":"a \"quoted\": b","n":-1.5e3,"ok":false,"list":[1,"s"]}"#).unwrap();
        let pieces = pieces(&json);
        assert_eq!(pieces.iter().map(|(_, p)| *p).collect::<String>(), json);
        let of = |kind| {
            pieces.iter().filter(|(k, _)| *k == Some(kind)).map(|(_, p)| *p).collect::<Vec<_>>()
        };
        assert_eq!(of(Token::Key), [r#""name""#, r#""n""#, r#""ok""#, r#""list""#]);
        assert_eq!(of(Token::String), [r#""a \"quoted\": b""#, r#""s""#]);
        assert_eq!(of(Token::Number), ["-1.5e3", "1"]);
        assert_eq!(of(Token::Literal), ["false"]);
    }

    fn json_value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,3})?",
            "\"([a-z é]|\\\\u00e9|\\\\n|\\\\\")*\"",
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|v| format!("[{}]", v.join(" ,"))),
                prop::collection::vec(("[a-z]{1,4}", inner), 0..5).prop_map(|v| {
                    let fields: Vec<String> =
                        v.into_iter().map(|(k, v)| format!("\"{k}\" :\t{v}")).collect();
                    format!("{{ {} }}", fields.join(",\n"))
                }),
            ]
        })
    }

    proptest! {
        /// Laid out, a document has the same tokens, and lays out the same again.
        #[test]
        fn layout_keeps_the_tokens(json in json_value()) {
            let laid_out = pretty(&json).expect("valid JSON");
            let tokens = |text: &str| lex(text).map(|(t, r)| (t, text[r].to_owned())).collect::<Vec<_>>();
            prop_assert_eq!(tokens(&laid_out), tokens(&json));
            prop_assert_eq!(pretty(&laid_out).unwrap(), laid_out);
        }
    }
}

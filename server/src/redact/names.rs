//! Which names hold secrets: JSON keys, form fields, query parameters, multipart parts,
//! XML elements and attributes, header names, and `name=` or `name:` in free text.

use aho_corasick::AhoCorasick;

/// Words that make a name secret wherever they occur in it, ignoring case, `_` and `-`
/// (`userPassword`, `X-Amz-Signature`, `client_secret`).
pub const CONTAINED: [&str; 19] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
    "cardnumber",
    "creditcard",
    "signature",
    "cookie",
    "accesstoken",
    "refreshtoken",
    "authtoken",
    "apitoken",
    "idtoken",
    "sessiontoken",
];

/// Short words that make a name secret only as a whole word of it, split at `_`, `-`,
/// `.` and case changes: `api_key`, `authToken` and `sig` are secret; `monkey`,
/// `author`, `signal` and `max_tokens` are not.
pub const WORDS: [&str; 14] = [
    "token",
    "key",
    "pwd",
    "pass",
    "auth",
    "jwt",
    "sig",
    "session",
    "sessionid",
    "otp",
    "pin",
    "cvv",
    "cvc",
    "bearer",
];

#[derive(Clone, Debug)]
pub struct Names {
    /// Lower-case letters and digits only.
    contained: Vec<String>,
    /// `contained`, looked for all at once: one search each took a seventh of ingest's
    /// time.
    contained_search: AhoCorasick,
    /// Lower case.
    words: Vec<String>,
}

impl Default for Names {
    fn default() -> Self {
        Names::new(&[], &[]).expect("no changes")
    }
}

/// `apiKey`, `API-KEY` and `api_key` all become `apikey`.
fn normalise(name: &str) -> String {
    normalised(name).map(char::from).collect()
}

/// `name`'s ASCII letters and digits, lower cased: [`normalise`] byte by byte.
fn normalised(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().filter(u8::is_ascii_alphanumeric).map(|byte| byte.to_ascii_lowercase())
}

impl Names {
    /// The defaults, with `add` (words contained anywhere in a name) and without `keep`
    /// (which must be defaults).
    pub fn new(add: &[String], keep: &[String]) -> Result<Self, String> {
        let keep: Vec<String> = keep.iter().map(|word| normalise(word)).collect();
        if let Some(unknown) =
            keep.iter().find(|w| !CONTAINED.contains(&w.as_str()) && !WORDS.contains(&w.as_str()))
        {
            return Err(format!(
                "{unknown:?} is not a default redacted key word (they are {}, {})",
                CONTAINED.join(", "),
                WORDS.join(", ")
            ));
        }
        let defaults = |list: &[&str]| -> Vec<String> {
            list.iter().map(|w| (*w).to_owned()).filter(|w| !keep.contains(w)).collect()
        };
        let mut contained = defaults(&CONTAINED);
        contained.extend(add.iter().map(|word| normalise(word)).filter(|w| !w.is_empty()));
        let contained_search = AhoCorasick::new(&contained).map_err(|e| e.to_string())?;
        Ok(Names { contained, contained_search, words: defaults(&WORDS) })
    }

    /// Every word that can make a name secret, for the scanner to look for.
    pub fn all_words(&self) -> impl Iterator<Item = &str> {
        self.contained.iter().chain(&self.words).map(String::as_str)
    }

    pub fn is_secret(&self, name: &str) -> bool {
        // Most names are short: normalised on the stack.
        let mut short = [0_u8; 64];
        let long;
        let key = if name.len() <= short.len() {
            let length =
                short.iter_mut().zip(normalised(name)).map(|(at, byte)| *at = byte).count();
            &short[..length]
        } else {
            long = normalise(name);
            long.as_bytes()
        };
        self.contained_search.is_match(key)
            || words(name).any(|word| self.words.iter().any(|w| w.eq_ignore_ascii_case(word)))
    }
}

/// The words of a name: split at anything not a letter or digit, between letters and
/// digits, before an upper-case letter that follows a lower-case one, and before the
/// last capital of a run followed by a lower-case letter (`APIKey`: `API`, `Key`).
/// Letters beyond ASCII belong to words.
fn words(name: &str) -> impl Iterator<Item = &str> {
    let bytes = name.as_bytes();
    let in_word = |c: &u8| c.is_ascii_alphanumeric() || !c.is_ascii();
    let mut start = 0;
    let mut pieces = Vec::new();
    for i in 0..=bytes.len() {
        let boundary = match (i.checked_sub(1).map(|p| bytes[p]), bytes.get(i)) {
            (_, None) => true,
            (_, Some(c)) if !in_word(c) => true,
            (Some(p), Some(c)) => {
                (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_alphabetic() != c.is_ascii_alphabetic())
                    || (p.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase))
            }
            (None, Some(_)) => false,
        };
        if boundary {
            if start < i {
                pieces.push(&name[start..i]);
            }
            start = if bytes.get(i).is_some_and(|c| !in_word(c)) { i + 1 } else { i };
        }
    }
    pieces.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_their_words() {
        let split = |name| words(name).collect::<Vec<_>>();
        assert_eq!(split("api_key"), ["api", "key"]);
        assert_eq!(split("APIKey"), ["API", "Key"]);
        assert_eq!(split("authToken2"), ["auth", "Token", "2"]);
        assert_eq!(split("X-Amz-Signature"), ["X", "Amz", "Signature"]);
        assert_eq!(split("é.pass"), ["é", "pass"]);
        assert_eq!(split(""), Vec::<&str>::new());
    }

    #[test]
    fn secret_names_and_their_innocent_neighbours() {
        let names = Names::default();
        for secret in [
            "password",
            "userPassword",
            "API-KEY",
            "api_key",
            "apiKey",
            "key",
            "pwd",
            "pass",
            "auth",
            "jwt",
            "sig",
            "session",
            "otp",
            "client_secret",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "access_token",
            "accesstoken",
            "refreshToken",
            "card_number",
            "cvv",
            "pin",
            "Set-Cookie",
            "AccountKey",
        ] {
            assert!(names.is_secret(secret), "{secret} is secret");
        }
        for innocent in [
            "monkey",
            "author",
            "signal",
            "design",
            "max_tokens",
            "prompt_tokens",
            "passenger",
            "compass",
            "footprint",
            "spinner",
            "keyboard",
            "name",
            "url",
            "pages",
            "session_count",
        ] {
            // `session_count` has the word `session`: counted secret, on purpose.
            assert_eq!(names.is_secret(innocent), innocent == "session_count", "{innocent}");
        }
        // Names longer than the stack's room for them are read as the others.
        let long = "customer_billing_address_line_two_for_the_invoice_sent_each_month";
        assert!(long.len() > 64 && !names.is_secret(long));
        assert!(names.is_secret(&format!("{long}_Pass-Word")));
        assert!(names.is_secret(&format!("{long}_pin")));
    }

    #[test]
    fn the_lists_add_and_keep() {
        let names = Names::new(&["SSN".into()], &["key".into()]).unwrap();
        assert!(names.is_secret("customer_ssn"));
        assert!(!names.is_secret("key"), "kept");
        assert!(names.is_secret("api_key"), "still secret by `apikey`");
        assert!(Names::new(&[], &["colour".into()]).unwrap_err().contains("not a default"));
    }
}

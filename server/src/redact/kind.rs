//! What kind of text a body or value is: by its content type when it has one that
//! says, else by how it starts.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One JSON value or several (JSON lines).
    Json,
    /// `name=value&…`, percent-encoded.
    Form,
    /// `multipart/…` with its boundary.
    Multipart(String),
    /// XML, SOAP or HTML.
    Xml,
    Text,
}

impl Kind {
    pub fn of(text: &str, content_type: Option<&str>) -> Kind {
        content_type.and_then(declared).unwrap_or_else(|| sniff(text))
    }
}

/// The kind a content type declares, if it declares one this reader knows.
fn declared(content_type: &str) -> Option<Kind> {
    let mut params = content_type.split(';');
    let mime = params.next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        let boundary = params.find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"'))
        });
        return boundary.filter(|b| !b.is_empty()).map(|b| Kind::Multipart(b.to_owned()));
    }
    if mime == "application/x-www-form-urlencoded" {
        Some(Kind::Form)
    } else if mime.contains("json") {
        Some(Kind::Json)
    } else if mime.contains("xml") || mime.contains("html") {
        Some(Kind::Xml)
    } else {
        None
    }
}

fn sniff(text: &str) -> Kind {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    match start.as_bytes().first() {
        Some(b'{' | b'[') => Kind::Json,
        Some(b'<') => Kind::Xml,
        Some(b'-') if start.starts_with("--") => multipart_boundary(start)
            .map_or(Kind::Text, |boundary| Kind::Multipart(boundary.to_owned())),
        Some(_) if looks_like_form(start.trim_end()) => Kind::Form,
        _ => Kind::Text,
    }
}

/// The boundary of a multipart body without its content type: its first line is
/// `--boundary` and a part's headers follow.
fn multipart_boundary(text: &str) -> Option<&str> {
    let line = text.lines().next()?.trim_end();
    let boundary = line.strip_prefix("--")?;
    let valid = (1..=70).contains(&boundary.len())
        && !boundary.contains(char::is_whitespace)
        && text
            .get(..1024.min(text.len()))
            .is_some_and(|head| head.to_ascii_lowercase().contains("content-disposition"));
    valid.then_some(boundary)
}

/// `a=1&b=two+words`: fields, each a name without markup, `=`, and a value without
/// white space (white space around them is allowed).
fn looks_like_form(text: &str) -> bool {
    !text.is_empty()
        && text.split('&').all(|field| {
            field.split_once('=').is_some_and(|(name, value)| {
                let name = name.trim();
                !name.is_empty()
                    && !name.contains(|c: char| c.is_whitespace() || "<>\"'{}[]():;,".contains(c))
                    && !value.trim().contains(char::is_whitespace)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_decides_when_it_says() {
        let of = Kind::of;
        assert_eq!(of("a=1", Some("application/json; charset=utf-8")), Kind::Json);
        assert_eq!(of("{}", Some("application/x-www-form-urlencoded")), Kind::Form);
        assert_eq!(
            of("", Some("multipart/form-data; boundary=\"abc 1\"")),
            Kind::Multipart("abc 1".into())
        );
        assert_eq!(of("x", Some("application/soap+xml")), Kind::Xml);
        assert_eq!(of("x", Some("application/vnd.api+json")), Kind::Json);
        assert_eq!(of("{\"a\":1}", Some("text/plain")), Kind::Json, "plain text says nothing");
    }

    #[test]
    fn the_text_decides_otherwise() {
        let of = |text| Kind::of(text, None);
        assert_eq!(of("\u{feff}{\"a\":1}"), Kind::Json);
        assert_eq!(of("  [1]"), Kind::Json);
        assert_eq!(of("<?xml version=\"1.0\"?><a/>"), Kind::Xml);
        assert_eq!(of("user=ann&password=x\n"), Kind::Form);
        assert_eq!(of("user = ann & note=two+words"), Kind::Form);
        assert_eq!(of("password=hunter2 user=ann"), Kind::Text);
        assert_eq!(
            of("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n"),
            Kind::Multipart("XyZ".into())
        );
        assert_eq!(of("-- not multipart"), Kind::Text);
        assert_eq!(of("Refused: the key is wrong"), Kind::Text);
        assert_eq!(of("a=1\nb=2"), Kind::Text);
        assert_eq!(of(""), Kind::Text);
    }
}

//! XML, SOAP and HTML, read leniently: an element with a secret (local) name loses its
//! content up to its end tag, an attribute with a secret name its value, and an HTML
//! field named secret (`<input name="password" value="…">`) its value; text, comments,
//! CDATA and other attribute values are read as texts of their own.

use super::{edits::Edits, scan, Redactor};

pub fn read(redactor: &Redactor, text: &str, depth: u8, at: usize, edits: &mut Edits) {
    let mut pos = 0;
    while pos < text.len() {
        let Some(lt) = text[pos..].find('<').map(|i| pos + i) else {
            scan::read(redactor, &text[pos..], at + pos, edits);
            break;
        };
        scan::read(redactor, &text[pos..lt], at + pos, edits);
        let rest = &text[lt..];
        let ends = |open: &str, close: &str| {
            let from = lt + open.len();
            let end = text[from..].find(close).map_or(text.len(), |i| from + i);
            (from, end, (end + close.len()).min(text.len()))
        };
        if rest.starts_with("<!--") {
            let (from, end, next) = ends("<!--", "-->");
            scan::read(redactor, &text[from..end], at + from, edits);
            pos = next;
        } else if rest.starts_with("<![CDATA[") {
            let (from, end, next) = ends("<![CDATA[", "]]>");
            redactor.value(&text[from..end], depth + 1, at + from, edits);
            pos = next;
        } else if rest.starts_with("<?") || rest.starts_with("<!") || rest.starts_with("</") {
            pos = ends("<", ">").2;
        } else if let Some(tag) = Tag::read(text, lt) {
            pos = element(redactor, text, &tag, depth, at, edits);
        } else {
            pos = lt + 1;
        }
    }
}

/// A start tag's attributes, and its element's content when its name is secret; where
/// reading goes on.
fn element(
    redactor: &Redactor,
    text: &str,
    tag: &Tag<'_>,
    depth: u8,
    at: usize,
    edits: &mut Edits,
) -> usize {
    let secret_field = tag.attributes.iter().any(|(name, value)| {
        matches!(local(name).to_ascii_lowercase().as_str(), "name" | "id")
            && redactor.names.is_secret(&text[value.clone()])
    });
    for (name, value) in &tag.attributes {
        let name = local(name);
        let field_value = secret_field
            && (name.eq_ignore_ascii_case("value") || name.eq_ignore_ascii_case("content"));
        if field_value || redactor.names.is_secret(name) {
            edits.redact(at + value.start..at + value.end);
        } else {
            redactor.value(&text[value.clone()], depth + 1, at + value.start, edits);
        }
    }
    if tag.self_closing || !redactor.names.is_secret(local(tag.name)) {
        return tag.end;
    }
    // Unclosed, it holds the rest of the text: reading stops there, so that many
    // unclosed elements cost one pass, not one each.
    let end = end_tag(text, tag.end, tag.name).unwrap_or(text.len());
    edits.redact(at + tag.end..at + end);
    end
}

/// `ns:password` is `password`.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Where the end tag of the element `name` whose content starts at `from` begins,
/// counting elements of the same name nested in it.
fn end_tag(text: &str, from: usize, name: &str) -> Option<usize> {
    let mut depth = 1;
    let mut pos = from;
    while let Some(i) = text[pos..].find('<') {
        let lt = pos + i;
        let rest = &text[lt + 1..];
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let named = rest.starts_with(name)
            && rest[name.len()..].starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace());
        if named && closing {
            depth -= 1;
            if depth == 0 {
                return Some(lt);
            }
        } else if named && !rest[name.len()..].trim_start().starts_with("/>") {
            depth += 1;
        }
        pos = lt + 1;
    }
    None
}

/// A start tag: its name, its attributes' names and value ranges, and where it ends.
struct Tag<'a> {
    name: &'a str,
    attributes: Vec<(&'a str, std::ops::Range<usize>)>,
    self_closing: bool,
    end: usize,
}

impl<'a> Tag<'a> {
    /// The tag that starts at `lt` (a `<`), if a name follows it.
    fn read(text: &'a str, lt: usize) -> Option<Tag<'a>> {
        let bytes = text.as_bytes();
        let name_end = |from: usize| {
            text[from..]
                .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<'))
                .map_or(text.len(), |i| from + i)
        };
        let end = name_end(lt + 1);
        let name = &text[lt + 1..end];
        if name.is_empty() || !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        let mut tag = Tag { name, attributes: Vec::new(), self_closing: false, end: text.len() };
        let mut pos = end;
        while pos < text.len() {
            match bytes[pos] {
                b'>' => {
                    tag.end = pos + 1;
                    break;
                }
                b'/' if bytes.get(pos + 1) == Some(&b'>') => {
                    tag.self_closing = true;
                    tag.end = pos + 2;
                    break;
                }
                b'<' => {
                    // An unclosed tag: the next one starts here.
                    tag.end = pos;
                    break;
                }
                c if c.is_ascii_whitespace() || c == b'/' => pos += 1,
                _ => {
                    let name_to = match name_end(pos) {
                        to if to > pos => to,
                        _ => pos + text[pos..].chars().next().map_or(1, char::len_utf8),
                    };
                    let name = &text[pos..name_to];
                    pos = skip_space(text, name_to);
                    if bytes.get(pos) != Some(&b'=') {
                        continue;
                    }
                    pos = skip_space(text, pos + 1);
                    let value = match bytes.get(pos) {
                        Some(&quote @ (b'"' | b'\'')) => {
                            let from = pos + 1;
                            let to =
                                text[from..].find(quote as char).map_or(text.len(), |i| from + i);
                            pos = (to + 1).min(text.len());
                            from..to
                        }
                        _ => {
                            let to = text[pos..]
                                .find(|c: char| c.is_whitespace() || c == '>')
                                .map_or(text.len(), |i| pos + i);
                            let value = pos..to;
                            pos = to;
                            value
                        }
                    };
                    tag.attributes.push((name, value));
                }
            }
        }
        Some(tag)
    }
}

fn skip_space(text: &str, from: usize) -> usize {
    text[from..].find(|c: char| !c.is_whitespace()).map_or(text.len(), |i| from + i)
}

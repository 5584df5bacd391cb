//! `multipart/form-data` (and other multipart) bodies: a part named secret goes whole,
//! file or not; any other part is read as its own content type says or its text shows.
//! Part headers and what lies outside the parts are scanned as text.

use super::{edits::Edits, kind::Kind, scan, Redactor};

pub fn read(
    redactor: &Redactor,
    text: &str,
    boundary: &str,
    depth: u8,
    at: usize,
    edits: &mut Edits,
) {
    let delimiter = format!("--{boundary}");
    // Delimiters start lines.
    let starts: Vec<usize> = text
        .match_indices(&delimiter)
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || text[..i].ends_with('\n'))
        .collect();
    let Some(&first) = starts.first() else {
        return scan::read(redactor, text, at, edits);
    };
    scan::read(redactor, &text[..first], at, edits);
    for (n, &start) in starts.iter().enumerate() {
        let after = start + delimiter.len();
        if text[after..].starts_with("--") {
            scan::read(redactor, &text[after..], at + after, edits);
            break;
        }
        let Some(line_end) = text[after..].find('\n').map(|i| after + i + 1) else {
            break;
        };
        // A part ends at the line break before the next delimiter, or where the text does.
        let end = starts.get(n + 1).map_or(text.len(), |&next| {
            let before = &text[..next];
            next - if before.ends_with("\r\n") { 2 } else { usize::from(before.ends_with('\n')) }
        });
        let end = end.max(line_end);
        let part = &text[line_end..end];
        let blank =
            part.find("\r\n\r\n").map(|i| (i, 4)).or_else(|| part.find("\n\n").map(|i| (i, 2)));
        let (headers, content_at) = match blank {
            Some((i, gap)) => (&part[..i], line_end + i + gap),
            None => (part, end),
        };
        scan::read(redactor, headers, at + line_end, edits);
        let content = &text[content_at..end];
        if content.is_empty() {
            continue;
        }
        let secret = header_param(headers, "content-disposition", "name")
            .is_some_and(|name| redactor.names.is_secret(name));
        if secret {
            edits.redact(at + content_at..at + end);
        } else {
            let content_type = header(headers, "content-type");
            redactor.read(
                content,
                Kind::of(content, content_type),
                depth + 1,
                at + content_at,
                edits,
            );
        }
    }
}

/// A part header's value.
fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A parameter of a part header (`name` in `form-data; name="password"`).
fn header_param<'a>(headers: &'a str, name: &str, param: &str) -> Option<&'a str> {
    header(headers, name)?.split(';').skip(1).find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim().eq_ignore_ascii_case(param).then(|| value.trim().trim_matches('"'))
    })
}

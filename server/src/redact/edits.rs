//! The byte ranges to replace in a text, gathered by every reader, then applied once.

use std::{borrow::Cow, ops::Range};

use super::REDACTED;

/// A JSON value's stand-in: still a string, so the document stays JSON.
const QUOTED: &str = "\"[REDACTED]\"";

#[derive(Default)]
pub struct Edits(Vec<Edit>);

struct Edit {
    range: Range<usize>,
    with: Cow<'static, str>,
    /// Values it redacts (more than one for a string written again).
    count: usize,
}

impl Edits {
    /// `range` becomes `[REDACTED]`.
    pub fn redact(&mut self, range: Range<usize>) {
        self.push(range, Cow::Borrowed(REDACTED), 1);
    }

    /// A JSON value at `range` becomes the string `"[REDACTED]"`.
    pub fn redact_json(&mut self, range: Range<usize>) {
        self.push(range, Cow::Borrowed(QUOTED), 1);
    }

    /// `range` becomes `with`, which redacts `count` values.
    pub fn replace(&mut self, range: Range<usize>, with: String, count: usize) {
        self.push(range, Cow::Owned(with), count);
    }

    fn push(&mut self, range: Range<usize>, with: Cow<'static, str>, count: usize) {
        if !range.is_empty() {
            self.0.push(Edit { range, with, count });
        }
    }

    /// `text` with the edits made, and how many values they redacted; `None` when no
    /// edit changes anything (a value already `[REDACTED]` is not counted again).
    /// Overlapping edits become one, over both.
    pub fn apply(mut self, text: &str) -> Option<(String, usize)> {
        self.0
            .sort_by(|a, b| a.range.start.cmp(&b.range.start).then(b.range.end.cmp(&a.range.end)));
        let mut merged: Vec<Edit> = Vec::with_capacity(self.0.len());
        for edit in self.0 {
            match merged.last_mut() {
                Some(last) if edit.range.start < last.range.end => {
                    if edit.range.end > last.range.end {
                        last.range.end = edit.range.end;
                        last.with = Cow::Borrowed(REDACTED);
                    }
                }
                _ => merged.push(edit),
            }
        }
        let changed: usize = merged
            .iter()
            .filter(|edit| text.get(edit.range.clone()) != Some(edit.with.as_ref()))
            .map(|edit| edit.count)
            .sum();
        if changed == 0 {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for edit in &merged {
            out.push_str(&text[copied..edit.range.start]);
            out.push_str(&edit.with);
            copied = edit.range.end;
        }
        out.push_str(&text[copied..]);
        Some((out, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_replace_their_ranges_only_and_overlaps_become_one() {
        let mut edits = Edits::default();
        edits.redact(4..7);
        edits.redact(0..1);
        edits.redact(5..9); // overlaps 4..7
        edits.redact(10..10); // empty: nothing
        assert_eq!(
            edits.apply("abcdefghijkl").unwrap(),
            (format!("{REDACTED}bcd{REDACTED}jkl"), 2)
        );
    }

    #[test]
    fn what_is_already_redacted_is_not_counted_again() {
        let text = format!("a={REDACTED}");
        let mut edits = Edits::default();
        edits.redact(2..text.len());
        assert_eq!(edits.apply(&text), None);
    }
}

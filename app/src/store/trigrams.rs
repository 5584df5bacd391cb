//! The body search's index on SQLite holds each call's trigrams as pg_trgm's does on
//! PostgreSQL: every three characters of its runs of ASCII letters and digits, lower
//! cased, each once. The index is asked for all of a term's trigrams; the calls that
//! have them are then checked against the term itself (a run of the term may sit
//! inside a longer run of a body, whose trigrams include its own).

use std::cell::RefCell;

/// The words the index keeps for the texts: their distinct trigrams, space-separated
/// (the `search_trigrams` SQL function of the index's triggers). A trigram is a number
/// rolled along each run of letters and digits, seen once in a bit of its own: sorting
/// them instead took a sixth of the time of a write of calls.
pub fn words(texts: &[&[u8]]) -> String {
    SEEN.with_borrow_mut(|seen| {
        let longest = texts.iter().map(|text| text.len()).sum::<usize>().min(TRIGRAMS);
        let mut words = Vec::with_capacity(4 * longest);
        for text in texts {
            let (mut trigram, mut run) = (0, 0);
            for (end, &byte) in text.iter().enumerate() {
                if !byte.is_ascii_alphanumeric() {
                    run = 0;
                    continue;
                }
                trigram = (trigram * 36 + symbol(byte)) % TRIGRAMS;
                run += 1;
                if run >= 3 && !mark(seen, trigram, true) {
                    words.extend(text[end - 2..=end].iter().map(u8::to_ascii_lowercase));
                    words.push(b' ');
                }
            }
        }
        // Left clear for the next call: only the bits set, not all 6 KB.
        for word in words.chunks(4) {
            mark(
                seen,
                word[..3].iter().fold(0, |trigram, &byte| trigram * 36 + symbol(byte)),
                false,
            );
        }
        String::from_utf8(words).expect("ASCII letters, digits and spaces")
    })
}

/// Sets (or clears) `trigram`'s bit; whether it was set.
fn mark(seen: &mut [u64], trigram: usize, set: bool) -> bool {
    let (slot, bit) = (trigram / 64, 1 << (trigram % 64));
    let was = seen[slot] & bit != 0;
    seen[slot] = if set { seen[slot] | bit } else { seen[slot] & !bit };
    was
}

thread_local! {
    /// The trigrams seen so far by this thread's call of [`words`], a bit each.
    static SEEN: RefCell<[u64; TRIGRAMS.div_ceil(64)]> =
        const { RefCell::new([0; TRIGRAMS.div_ceil(64)]) };
}

/// Trigrams of ten digits and 26 letters.
const TRIGRAMS: usize = 36 * 36 * 36;

/// An ASCII letter's or digit's place among the 36, case folded.
fn symbol(byte: u8) -> usize {
    match byte {
        b'0'..=b'9' => usize::from(byte - b'0'),
        _ => usize::from(byte.to_ascii_lowercase() - b'a') + 10,
    }
}

/// The FTS5 query for the calls that hold every trigram of `term`; empty when it has
/// none (see `indexable`).
pub fn all_of(term: &str) -> String {
    words(&[term.as_bytes()])
        .split_whitespace()
        .map(|trigram| format!("\"{trigram}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Vec<String> {
        let mut trigrams: Vec<String> =
            words(&[text.as_bytes()]).split_whitespace().map(str::to_owned).collect();
        trigrams.sort();
        trigrams
    }

    #[test]
    fn a_body_keeps_each_trigram_of_its_letters_and_digits_once_lower_cased() {
        assert_eq!(of(r#"{"id":"AbCd","n":12}"#), ["abc", "bcd"]);
        assert_eq!(of("Zz9 zZ9 ZZ9 0a0"), ["0a0", "zz9"]);
        assert_eq!(of("Müller müller"), ["ler", "lle"]);
        assert_eq!(words(&[b"abcabc", b"ABC"]), "abc bca cab ");
        assert_eq!(words(&[b"ab", b"", b"--"]), "");
    }

    #[test]
    fn a_term_asks_for_every_trigram_a_body_holding_it_has() {
        let body = r#"{"url":"https://results.example.com/98967f/result.txt"}"#;
        let held = of(body);
        for term in ["98967f", "EXAMPLE.com/9896", "ts.exa", "/result.txt\"}"] {
            let asked = of(term);
            assert!(!asked.is_empty(), "{term}");
            assert!(asked.iter().all(|trigram| held.contains(trigram)), "{term}");
        }
        assert_eq!(all_of("Inv-123"), r#""inv" "123""#);
        assert_eq!(all_of("ab-12"), "");
    }
}

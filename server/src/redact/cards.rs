//! Payment card numbers: 13 to 19 digits (spaces or dashes allowed between groups)
//! with a card network's prefix and a valid Luhn check digit.

use super::edits::Edits;

/// Every card number in `text`.
pub fn read(text: &str, at: usize, edits: &mut Edits) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_number =
            bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts_number {
            i += 1;
            continue;
        }
        // Digits, with single separators between them.
        let (mut end, mut digits) = (i, String::new());
        let mut j = i;
        while j < bytes.len() && digits.len() <= 19 {
            if bytes[j].is_ascii_digit() {
                digits.push(bytes[j] as char);
                j += 1;
                end = j;
            } else if matches!(bytes[j], b' ' | b'-')
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let ends_number = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if ends_number && is_card_number(&digits) {
            edits.redact(at + i..at + end);
        }
        i = end.max(i + 1);
    }
}

/// Whether `digits` (digits only) is a card number.
pub fn is_card_number(digits: &str) -> bool {
    const NETWORKS: [&str; 20] = [
        "4", "34", "37", "35", "36", "38", "30", "6011", "65", "51", "52", "53", "54", "55", "22",
        "23", "24", "25", "26", "27",
    ];
    (13..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && NETWORKS.iter().any(|prefix| digits.starts_with(prefix))
        && luhn(digits)
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

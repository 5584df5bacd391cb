//! Numbers written as decimal digits straight onto a `String`. The pages' markup writes
//! hundreds of numbers (a page of calls, the chart's days, every time as text), and
//! `write!` takes each through the formatting machinery: ten times the work.

/// Appends `n`.
pub fn push(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_padded(out, n.unsigned_abs(), 1);
}

/// Appends `n` with leading zeros to at least `width` digits (at most 20), as
/// `{n:0width$}` does.
pub fn push_padded(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    // Two digits a division.
    while n >= 10 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n > 0 || start == digits.len() {
        start -= 1;
        digits[start] = b'0' + n as u8;
    }
    // The digits start with zeros as far as `width` asks.
    let start = start.min(digits.len().saturating_sub(width));
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

/// `00` to `99`.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_format_writes_them() {
        for n in [0, 7, -7, 10, 99, 100, 105, 1005, 4711, -4711, i64::MAX, i64::MIN] {
            let mut out = String::from("x");
            push(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
        for (n, width) in [(0, 2), (5, 2), (59, 2), (123, 2), (7, 4), (2026, 4), (12345, 4)] {
            let mut out = String::new();
            push_padded(&mut out, n, width);
            assert_eq!(out, format!("{n:0width$}"));
        }
    }
}

//! The escapes of keys and values, as `java.util.Properties.load` decodes them: `\t`, `\n`,
//! `\r`, `\f`, `\uHHHH` (exactly four hexadecimal digits), and any other character after a
//! backslash stands for itself (`\\`, `\=`, `\:`, `\ `, `\#`, `\é`).
//!
//! Java builds UTF-16 strings, so a character beyond the Basic Multilingual Plane is written as
//! an escaped surrogate pair (`\uD83D\uDE80`, as `native2ascii` writes it); the pair is read as
//! the one character it stands for. Half of a pair alone cannot be held in a Rust string and is
//! an error.

/// A malformed `\u` escape: the byte offset of its backslash, and what was expected.
#[derive(Debug)]
pub(super) struct BadEscape {
    pub at: usize,
    pub message: &'static str,
}

const NOT_HEX: &str = "expected 4 hexadecimal digits after \\u";
const HALF_PAIR: &str =
    "expected a \\u escape of a whole character, not half of a UTF-16 surrogate pair";

/// The text of `s` with its escapes decoded.
pub(super) fn unescape(s: &str) -> Result<String, BadEscape> {
    let bytes = s.as_bytes();
    let Some(mut at) = find_backslash(s, 0) else {
        return Ok(s.to_owned());
    };
    let mut out = String::with_capacity(s.len());
    // `s[copied..at]` is text without escapes, not yet in `out`.
    let mut copied = 0;
    loop {
        out.push_str(&s[copied..at]);
        // A logical line never ends in an odd number of backslashes (the last one would have
        // continued the line), so a backslash is always followed by a character.
        let Some(c) = s[at + 1..].chars().next() else {
            copied = s.len();
            break;
        };
        let mut next = at + 1 + c.len_utf8();
        match c {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\x0c'),
            'u' => {
                let bad = |message| BadEscape { at, message };
                let unit = hex4(bytes, at + 2).ok_or(bad(NOT_HEX))?;
                next = at + 6;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        // A malformed `\u` after it is that escape's error, as in Java.
                        let low = match bytes.get(at + 6..at + 8) {
                            Some(b"\\u") => Some(hex4(bytes, at + 8).ok_or(BadEscape {
                                at: at + 6,
                                message: NOT_HEX,
                            })?),
                            _ => None,
                        };
                        let Some(low @ 0xDC00..=0xDFFF) = low else {
                            return Err(bad(HALF_PAIR));
                        };
                        next = at + 12;
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(bad(HALF_PAIR)),
                    _ => unit,
                };
                out.push(char::from_u32(code).ok_or(bad(HALF_PAIR))?);
            }
            other => out.push(other),
        }
        copied = next;
        match find_backslash(s, next) {
            Some(i) => at = i,
            None => break,
        }
    }
    out.push_str(&s[copied..]);
    Ok(out)
}

fn find_backslash(s: &str, from: usize) -> Option<usize> {
    // `str::find` of an ASCII character runs core's word-at-a-time `memchr`.
    Some(from + s.get(from..)?.find('\\')?)
}

/// The value of the four ASCII hexadecimal digits at `at` (no sign, no fewer digits).
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)?
        .iter()
        .try_fold(0, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

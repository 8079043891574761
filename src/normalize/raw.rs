//! Files that are not UTF-8, read as their programs read them: as bytes. PostgreSQL's
//! `guc-file.l`, MySQL's option files, OpenSSH, Redis, nginx and libpq all lex bytes, with an
//! ASCII syntax, and take any other byte in a comment or a value (a Latin-1 `# réglage` is
//! `# r\xE9glage` to them, and fine).
//!
//! The readers work on `&str`, so a file is decoded losslessly: valid UTF-8 stays as it is, and
//! every byte that is not part of valid UTF-8 becomes one character of a private-use range
//! (U+10FE80 to U+10FEFF, byte `b` as U+10FE00 + `b`). The readers see a non-ASCII character
//! where the byte was, which no syntax of theirs gives a meaning to, so the byte stays inside
//! its comment or value. A valid character of that range in the file is itself spelled as
//! its bytes, so [`decode`] is injective and [`encode`] gives the file back byte for byte:
//! two values are equal exactly when their bytes are, and a secret is fingerprinted, and
//! written back in place, over its real bytes.
//!
//! People never see those characters: [`show`] spells each as `\xE9` in every report.
//! (A literal `\xE9` in a file shows the same; comparing never confuses them.)
//!
//! [`text_for`] is where every file is turned into text: which formats take such bytes is a
//! column of the format table ([`Bytes`]); YAML, TOML and JSON are UTF-8 only.

use super::Bytes;
use crate::tree::ParseError;
use std::borrow::Cow;

/// The character standing for byte `b` (0x80..=0xFF; ASCII is always valid UTF-8).
const BASE: u32 = 0x10_FE00;

fn stands_for(c: char) -> Option<u8> {
    let v = c as u32;
    (BASE + 0x80..=BASE + 0xFF)
        .contains(&v)
        .then(|| (v - BASE) as u8)
}

fn raw_char(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Whether `s` holds a byte that was not UTF-8. (Every character of the range is encoded
/// starting with 0xF4, which ordinary text rarely holds: one fast scan settles most inputs.)
pub fn has_raw(s: &str) -> bool {
    s.as_bytes().contains(&0xF4) && s.chars().any(|c| stands_for(c).is_some())
}

/// `bytes` as text: borrowed when it is UTF-8 with no character of the private range.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if !has_raw(s) => Cow::Borrowed(s),
        _ => Cow::Owned(decode_with(bytes, false)),
    }
}

/// Bytes a reader built from decoded text and escapes (`\xE9`, `\351`): characters of the
/// private range already stand for bytes and are kept; any other byte not part of valid UTF-8
/// becomes one.
pub fn decode_built(bytes: &[u8]) -> String {
    decode_with(bytes, true)
}

fn decode_with(mut bytes: &[u8], keep_private: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push_valid(&mut out, s, keep_private);
                return out;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                // The prefix was just checked.
                push_valid(
                    &mut out,
                    std::str::from_utf8(valid).unwrap_or(""),
                    keep_private,
                );
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                out.extend(rest[..bad].iter().map(|&b| raw_char(b)));
                bytes = &rest[bad..];
            }
        }
    }
}

fn push_valid(out: &mut String, s: &str, keep_private: bool) {
    if keep_private || !has_raw(s) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if stands_for(c).is_some() {
            let mut buf = [0; 4];
            out.extend(c.encode_utf8(&mut buf).bytes().map(raw_char));
        } else {
            out.push(c);
        }
    }
}

/// The bytes `s` was decoded from.
pub fn encode(s: &str) -> Cow<'_, [u8]> {
    if !has_raw(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends the bytes of one decoded character.
pub fn push_char(out: &mut Vec<u8>, c: char) {
    match stands_for(c) {
        Some(b) => out.push(b),
        None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
    }
}

/// `s` for people: each byte that was not UTF-8 as `\xE9`.
pub fn show(s: &str) -> Cow<'_, str> {
    if !has_raw(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match stands_for(c) {
            Some(b) => out.push_str(&format!("\\x{b:02X}")),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A file's text for a reader: a leading byte-order mark dropped, no NUL byte, and UTF-8, or
/// for formats read as bytes ([`Bytes::Any`]) decoded losslessly ([`decode`]). A NUL, or
/// a byte that is not UTF-8 where only UTF-8 is allowed, is an error at its line and column.
pub(super) fn text_for<'a>(
    bytes: &'a [u8],
    allowed: Bytes,
    format: &str,
) -> Result<Cow<'a, str>, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8_up_to = match (allowed, std::str::from_utf8(bytes)) {
        (Bytes::Utf8, Err(e)) => e.valid_up_to(),
        _ => bytes.len(),
    };
    let nul = bytes
        .contains(&0)
        .then(|| bytes.iter().position(|&b| b == 0))
        .flatten();
    let (at, message) = match nul {
        Some(at) if at <= utf8_up_to => (
            at,
            "not a text file: a NUL byte (to watch a binary file by its content hash, give it \
             format = \"binary\")"
                .to_string(),
        ),
        _ if utf8_up_to < bytes.len() => (
            utf8_up_to,
            format!(
                "not UTF-8: a byte that is not UTF-8 text, and {format} files are UTF-8 (its \
                 readers refuse anything else)"
            ),
        ),
        _ => return Ok(decode(bytes)),
    };
    let before = decode(&bytes[..at]);
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(ParseError::new(line, column as u32, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Document, Format};
    use proptest::prelude::*;

    #[test]
    fn latin1_bytes_are_kept_and_shown_escaped() {
        let text = decode(b"# r\xe9glage\nname = 'caf\xe9'\n");
        assert!(has_raw(&text));
        assert_eq!(show(&text), "# r\\xE9glage\nname = 'caf\\xE9'\n");
        assert_eq!(&*encode(&text), b"# r\xe9glage\nname = 'caf\xe9'\n");
        // UTF-8 is borrowed, untouched.
        assert!(matches!(decode("café".as_bytes()), Cow::Borrowed("café")));
        // Latin-1 é and UTF-8 é are different bytes, so different values.
        assert_ne!(decode(b"caf\xe9"), decode("café".as_bytes()));
    }

    #[test]
    fn a_private_range_character_in_the_file_is_spelled_as_its_bytes() {
        let c = raw_char(0xE9).to_string();
        let text = decode(c.as_bytes());
        assert_ne!(text, decode(b"\xe9"));
        assert_eq!(&*encode(&text), c.as_bytes());
        assert_eq!(show(&text), "\\xF4\\x8F\\xBB\\xA9");
    }

    #[test]
    fn built_bytes_keep_what_already_stands_for_a_byte() {
        let mut built = Vec::new();
        for c in decode(b"a\xe9").chars() {
            built.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        built.push(0xe9); // an escape's byte
        built.extend_from_slice("é".as_bytes());
        assert_eq!(
            decode_built(&built),
            format!("{}\u{e9}", decode(b"a\xe9\xe9"))
        );
    }

    proptest! {
        #[test]
        fn decoding_is_lossless(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = decode(&bytes);
            prop_assert_eq!(&*encode(&text), &bytes[..]);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_by_format() {
        let yaml = Format::from_name("yaml").unwrap();
        let err = yaml.parse(b"ok: 1\nab: \xff\xfe").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
        assert!(err.message.starts_with("not UTF-8"), "{}", err.message);
        let err = yaml.parse(b"a: 1\n\0\n\xff").unwrap_err();
        assert_eq!(
            (err.line, err.column),
            (2, 1),
            "a NUL before invalid UTF-8 is first"
        );
        let pg = Format::from_name("pgconf").unwrap();
        let err = pg.parse(b"a = 1 # \xe9\n\0").unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        assert!(
            err.message.contains("format = \"binary\""),
            "{}",
            err.message
        );
        // Latin-1 in a comment and a value of a format read as bytes.
        let doc = pg
            .parse(b"# r\xe9glage\nlog_line_prefix = 'caf\xe9 '\n")
            .unwrap();
        let v = doc
            .tree()
            .unwrap()
            .get("log_line_prefix")
            .unwrap()
            .value
            .to_string();
        assert_eq!(show(&v), "caf\\xE9 ");
        // An octal escape is the same byte.
        let esc = pg.parse(b"log_line_prefix = 'caf\\351 '\n").unwrap();
        assert_eq!(crate::diff::diff(&doc, &esc), Vec::new());
        // Text: lines, or a binary file by hash.
        let lines = Format::Text.parse(b"ok\nab\xff\xfe").unwrap();
        assert!(matches!(lines, Document::Lines(l) if l.len() == 2));
        assert!(matches!(
            Format::Text.parse(b"a\0b").unwrap(),
            Document::Binary(_)
        ));
        assert!(Format::Text.parse(b"\xEF\xBB\xBFkey value\n").is_ok());
    }
}

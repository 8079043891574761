//! The reader this module had before: the `java-properties` crate behind a wrapper that hands
//! it non-ASCII characters as escapes. Kept only as the oracle of the differential tests in
//! `differential.rs`, and removed with the crate.

use crate::tree::{ParseError, Tree, Value};
use java_properties::{LineContent, PropertiesIter};

/// First private-use code point used as a placeholder, and how many there are.
const PLACEHOLDER_BASE: u32 = 0xE000;
const PLACEHOLDERS: usize = 0x1900;

/// The text with every non-ASCII character written as an escape the crate decodes back, and
/// the characters that placeholders stand for.
fn escape_for_crate(text: &str) -> Result<(String, Vec<char>), ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut table: Vec<char> = Vec::new();
    let mut escaped = false;
    let mut i = 0;
    let hex4 = |at: usize| -> Option<u32> {
        let s: String = chars.get(at..at + 4)?.iter().collect();
        if s.chars().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(&s, 16).ok()
        } else {
            None
        }
    };
    while i < chars.len() {
        let c = chars[i];
        // An escaped surrogate pair: `\uD83D\uDE00` -> one placeholder for the character.
        if escaped && c == 'u' {
            let high = hex4(i + 1);
            let low = (chars.get(i + 5) == Some(&'\\') && chars.get(i + 6) == Some(&'u'))
                .then(|| hex4(i + 7))
                .flatten();
            if let (Some(h @ 0xD800..=0xDBFF), Some(l @ 0xDC00..=0xDFFF)) = (high, low) {
                let code = 0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00);
                if let Some(ch) = char::from_u32(code) {
                    push_placeholder(&mut out, &mut table, ch)?;
                    i += 11;
                    escaped = false;
                    continue;
                }
            }
        }
        if c.is_ascii() {
            out.push(c);
            escaped = c == '\\' && !escaped;
        } else {
            // After an escaping backslash, `\é` means `é`: the backslash already written starts
            // the `\u` escape.
            if !escaped {
                out.push('\\');
            }
            let code = u32::from(c);
            let private_use = (0xE000..=0xF8FF).contains(&code);
            if code <= 0xFFFF && !private_use {
                out.push_str(&format!("u{code:04X}"));
            } else {
                push_placeholder(&mut out, &mut table, c)?;
            }
            escaped = false;
        }
        i += 1;
    }
    Ok((out, table))
}

/// Writes `u` and the hex of a placeholder for `ch` (after a backslash already written).
fn push_placeholder(out: &mut String, table: &mut Vec<char>, ch: char) -> Result<(), ParseError> {
    let index = match table.iter().position(|&c| c == ch) {
        Some(i) => i,
        None if table.len() < PLACEHOLDERS => {
            table.push(ch);
            table.len() - 1
        }
        None => {
            return Err(ParseError::new(
                1,
                1,
                "too many different characters outside the Basic Multilingual Plane; \
                 expected at most 6400",
            ));
        }
    };
    out.push_str(&format!("u{:04X}", PLACEHOLDER_BASE as usize + index));
    Ok(())
}

/// Puts back the characters that placeholders stand for.
fn restore(s: String, table: &[char]) -> String {
    if table.is_empty() {
        return s;
    }
    s.chars()
        .map(|c| {
            let code = u32::from(c);
            code.checked_sub(PLACEHOLDER_BASE)
                .and_then(|i| table.get(i as usize).copied())
                .unwrap_or(c)
        })
        .collect()
}

/// Physical lines split as the crate splits them (`\r\n`, `\r` or `\n`).
fn physical_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\r', '\n']) {
        lines.push(&rest[..at]);
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    lines.push(rest);
    lines
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches([' ', '\t', '\x0c'])
        .starts_with(['#', '!'])
}

/// The column (1-based, in characters) of the first malformed `\u` escape in `line`.
fn bad_escape_column(line: &str) -> Option<u32> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            if chars.get(i + 1) == Some(&'u') {
                let digits = chars.get(i + 2..i + 6);
                let code = digits
                    .filter(|d| d.iter().all(char::is_ascii_hexdigit))
                    .and_then(|d| u32::from_str_radix(&d.iter().collect::<String>(), 16).ok());
                match code {
                    Some(0xD800..=0xDBFF) if chars.get(i + 6..i + 8) == Some(&['\\', 'u']) => {}
                    Some(0xD800..=0xDFFF) | None => {
                        return u32::try_from(i + 1).ok();
                    }
                    Some(_) => {}
                }
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

fn ends_continued(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The error for a crate failure at logical line `line_number`.
fn escape_error(lines: &[&str], line_number: usize, message: &str) -> ParseError {
    let first = line_number.saturating_sub(1);
    let mut at = (line_number, 1);
    for (i, line) in lines.iter().enumerate().skip(first) {
        if let Some(col) = bad_escape_column(line) {
            at = (i + 1, col);
            break;
        }
        if !ends_continued(line) {
            break;
        }
    }
    let message = if message.contains("invalid character") {
        "expected a \\u escape of a whole character, not half of a UTF-16 surrogate pair"
            .to_string()
    } else if message.contains("\\uxxxx") {
        "expected 4 hexadecimal digits after \\u".to_string()
    } else {
        message.to_string()
    };
    ParseError::new(u32::try_from(at.0).unwrap_or(u32::MAX), at.1, message)
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let (mut escaped, table) = escape_for_crate(text)?;
    // The crate drops a last line that ends in a continuation backslash when no line break
    // follows it; one more line break changes nothing else.
    escaped.push('\n');
    let lines = physical_lines(text);
    let mut tree = Tree::new();
    for item in PropertiesIter::new(escaped.as_bytes()) {
        match item {
            Ok(line) => {
                let number = u32::try_from(line.line_number()).unwrap_or(u32::MAX);
                if let LineContent::KVPair(key, value) = line.consume_content() {
                    let key = restore(key, &table);
                    let key = if key.is_empty() { "\"\"".into() } else { key };
                    tree.insert(key, Value::Str(restore(value, &table)), number);
                }
            }
            Err(e) => {
                let n = e.line_number().unwrap_or(1).max(1);
                if lines.get(n - 1).is_some_and(|l| is_comment(l)) {
                    continue;
                }
                return Err(escape_error(&lines, n, &e.to_string()));
            }
        }
    }
    Ok(tree)
}

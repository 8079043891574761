//! Java `.properties` files, read line by line as `java.util.Properties.load` reads them:
//! `=`, `:` or whitespace separators, backslash line continuations, `\uHHHH` and other escapes
//! (see the `unescape` module), `#` and `!` comments.
//!
//! - Natural lines end at `\r\n`, `\r` or `\n`. One that ends in an odd number of backslashes
//!   continues on the next, whose leading white space (space, tab, form feed) is dropped; a
//!   continuation at the end of the file ends the logical line. A natural line whose first
//!   non-blank character is `#` or `!` is a comment and never continues; so is a logical line
//!   that starts with one after joining (`\` alone on a line, then `#...`). Blank lines are
//!   skipped.
//! - The key ends at the first unescaped `=`, `:`, space, tab or form feed; blanks around the
//!   separator are skipped (one `=` or `:` after blanks is part of the separator), and the rest
//!   of the logical line, trailing white space included, is the value.
//! - Keys are used as-is as the dotted path (not through `push_key`): the Spring key
//!   `spring.datasource.hikari.maximum-pool-size` is the same path as the YAML
//!   `spring: datasource: hikari: maximum-pool-size:`, and `servers[0].port` stays as it is. An
//!   empty key is the path `""`.
//! - Every value is a [`Value::Str`]; the tree compares `"50"` and `50` equal already.
//! - The line of an entry is the first line of its logical line (where a continued value
//!   starts). A repeated key: the last one wins, as in `java.util.Properties`.
//! - The file is UTF-8 (as Java 9+ resource bundles and most tools read it), and characters
//!   outside ASCII stand for themselves, escaped (`\é`) or not.
//! - A malformed `\u` escape in a key or value is an error at the line and column of its
//!   backslash. Comments are not decoded, as in Java.

mod unescape;

#[cfg(test)]
mod tests;

use crate::tree::{ParseError, Tree, Value};
use unescape::{BadEscape, unescape};

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    let mut lines = LogicalLines::new(text);
    while let Some(line) = lines.next() {
        let Some((key_end, value_start)) = split(line.text.as_bytes()) else {
            continue;
        };
        let decode = |s, from| unescape(s).map_err(|e| line.error(text, from, e));
        let key = decode(&line.text[..key_end], 0)?;
        let value = decode(&line.text[value_start..], value_start)?;
        let key = if key.is_empty() { "\"\"".into() } else { key };
        tree.insert(key, Value::Str(value), line.number);
    }
    Ok(tree)
}

/// White space inside a line, as Java's reader knows it.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

/// Where the key of a logical line ends and its value starts, as byte offsets; `None` for a
/// blank line or a comment. The line starts with a non-blank character, if any.
fn split(line: &[u8]) -> Option<(usize, usize)> {
    if matches!(line.first(), None | Some(b'#' | b'!')) {
        return None;
    }
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        match b {
            b'\\' => i += 2,
            b'=' | b':' => break,
            _ if is_blank(b) => break,
            _ => i += 1,
        }
    }
    let key_end = i.min(line.len());
    let mut value_start = key_end;
    if let Some(&b) = line.get(value_start) {
        let mut separated = b == b'=' || b == b':';
        value_start += 1;
        loop {
            match line.get(value_start) {
                Some(&b) if is_blank(b) => {}
                Some(b'=' | b':') if !separated => separated = true,
                _ => break,
            }
            value_start += 1;
        }
    }
    Some((key_end, value_start))
}

/// One logical line: its natural lines joined, without the continuation backslashes, the
/// leading blanks of each natural line and the line breaks.
struct Logical<'a> {
    /// The 1-based number of its first natural line.
    number: u32,
    /// The byte offset in the file where its first natural line starts.
    start: usize,
    text: &'a str,
    /// Where the pieces of `text` come from: (offset in `text`, offset in the file), one per
    /// natural line, in order.
    pieces: &'a [(usize, usize)],
}

impl Logical<'_> {
    /// The error for a bad escape at byte `from + e.at` of `self.text`, at its place in `file`.
    fn error(&self, file: &str, from: usize, e: BadEscape) -> ParseError {
        let at = from + e.at;
        let piece = self.pieces.partition_point(|&(offset, _)| offset <= at) - 1;
        let (offset, origin) = self.pieces[piece];
        let at = origin + (at - offset);
        // Count the line breaks from the start of the logical line to the escape.
        let (mut line, mut line_start) = (self.number, self.start);
        let bytes = file.as_bytes();
        let mut i = self.start;
        while i < at {
            if bytes[i] == b'\n' || bytes[i] == b'\r' {
                i += usize::from(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n'));
                line = line.saturating_add(1);
                line_start = i + 1;
            }
            i += 1;
        }
        let column = file[line_start..at].chars().count() + 1;
        ParseError::new(line, u32::try_from(column).unwrap_or(u32::MAX), e.message)
    }
}

/// The logical lines of a file, one after the other (a lending iterator: the text of a joined
/// line lives in a buffer reused for the next).
struct LogicalLines<'t> {
    text: &'t str,
    /// Where the next natural line starts.
    pos: usize,
    /// Natural lines started so far.
    number: u32,
    joined: String,
    pieces: Vec<(usize, usize)>,
}

impl<'t> LogicalLines<'t> {
    fn new(text: &'t str) -> Self {
        LogicalLines {
            text,
            pos: 0,
            number: 0,
            joined: String::new(),
            pieces: Vec::new(),
        }
    }

    /// The next natural line: where its text starts after leading blanks, and where it ends.
    fn natural(&mut self) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let (end, next) = match bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            Some(i) => {
                let end = start + i;
                let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
                (end, end + 1 + usize::from(crlf))
            }
            None => (bytes.len(), bytes.len()),
        };
        self.pos = next;
        self.number = self.number.saturating_add(1);
        let mut content = start;
        while content < end && is_blank(bytes[content]) {
            content += 1;
        }
        (content, end)
    }

    fn next(&mut self) -> Option<Logical<'_>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let (start, number) = (self.pos, self.number.saturating_add(1));
        let (content, end) = self.natural();
        self.pieces.clear();
        self.pieces.push((0, content));
        let bytes = self.text.as_bytes();
        let comment = content < end && matches!(bytes[content], b'#' | b'!');
        if comment || !continues(&bytes[content..end]) {
            return Some(Logical {
                number,
                start,
                text: &self.text[content..end],
                pieces: &self.pieces,
            });
        }
        self.joined.clear();
        self.joined.push_str(&self.text[content..end - 1]);
        while self.pos < self.text.len() {
            let (content, end) = self.natural();
            self.pieces.push((self.joined.len(), content));
            if continues(&bytes[content..end]) {
                self.joined.push_str(&self.text[content..end - 1]);
            } else {
                self.joined.push_str(&self.text[content..end]);
                break;
            }
        }
        Some(Logical {
            number,
            start,
            text: &self.joined,
            pieces: &self.pieces,
        })
    }
}

/// Whether a natural line ends in an odd number of backslashes: its line break is escaped.
fn continues(line: &[u8]) -> bool {
    line.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

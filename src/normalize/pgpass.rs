//! libpq's password file (`~/.pgpass`, `pgpass`, `*.pgpass`; `pgpass.conf` on Windows): one
//! password a line for the connections it matches. Every value is a secret. The rules are
//! those of `passwordFromFile` and `pwdfMatchesString` in PostgreSQL's
//! src/interfaces/libpq/fe-connect.c:
//!
//! - A line is `hostname:port:database:username:password`. A line whose first character is
//!   `#` is a comment (the first column only: `  # x` is not one). Trailing CR and LF
//!   characters are stripped (`pg_strip_crlf`) and nothing else: a trailing space belongs to
//!   the password. Empty lines are skipped, and here so are lines of only whitespace (libpq
//!   matches nothing on them either).
//! - `\` makes the next character literal in every field (`\:` is a colon, `\\` a backslash);
//!   a key field that is exactly `*` matches anything, while `\*` is a literal star.
//! - The password runs from after the fourth unescaped `:` to the next one or the end of the
//!   line, each `\` dropped and the character after it kept (a `\` ending the line stays).
//! - libpq uses the first line that matches, so a repeated entry keeps its first line.
//!
//! Key: the four fields as one segment, in escaped form with only `\` and `:` escaped (and
//! `\*` for a literal star), so `h\ost` and `host`, the same to libpq, are the same key:
//! `"db.internal:5432:app:app"`, `"\\:\\:1:5432:*:postgres"`. Value: the password, unescaped.
//!
//! What libpq passes over silently is an error here, naming the line and column and never
//! the password: a line with fewer than five fields (libpq never matches it; with four, the
//! fourth may well be a password) and an unescaped `:` after the password (libpq ends the
//! password there and ignores the rest; a colon in a password is written `\:`). Not modelled:
//! an entry below a wildcard line that matches the same connections (`*:*:*:*:pw`) is never
//! used by libpq, but is compared like any other; and the file's mode (libpq ignores a
//! group- or world-readable file).

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_key};

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let ln = line_number(i);
        let (key, password) = entry(line, ln)?;
        let mut path = String::new();
        push_key(&mut path, &key);
        if tree.get(&path).is_none() {
            tree.insert(path, Value::Str(password), ln);
        }
    }
    Ok(tree)
}

/// The canonical key (`host:port:db:user`) and the unescaped password of one entry.
fn entry(line: &str, ln: u32) -> Result<(String, String), ParseError> {
    let mut key = String::new();
    let mut field = String::new();
    let mut fields = 0;
    let mut field_start = 0;
    let mut chars = line.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => field.push(chars.next().map_or('\\', |(_, e)| e)),
            ':' if fields < 4 => {
                if fields > 0 {
                    key.push(':');
                }
                push_field(&mut key, &field, &line[field_start..at] == "*");
                field.clear();
                fields += 1;
                field_start = at + 1;
            }
            ':' => {
                return Err(ParseError::new(
                    ln,
                    column(line, at),
                    "unescaped ':' after the password: libpq ends the password here and \
                     ignores the rest of the line (write '\\:' for a colon in a password)",
                ));
            }
            _ => field.push(c),
        }
    }
    if fields < 4 {
        return Err(ParseError::new(
            ln,
            column(line, line.len()),
            format!(
                "expected 5 ':'-separated fields, hostname:port:database:username:password, \
                 found {}: libpq never uses this line",
                fields + 1
            ),
        ));
    }
    Ok((key, field))
}

/// Appends one unescaped key field in canonical escaped form.
fn push_field(key: &mut String, field: &str, wildcard: bool) {
    if wildcard {
        key.push('*');
    } else if field == "*" {
        key.push_str("\\*");
    } else {
        for c in field.chars() {
            if c == '\\' || c == ':' {
                key.push('\\');
            }
            key.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    fn key(segment: &str) -> String {
        let mut path = String::new();
        push_key(&mut path, segment);
        path
    }

    const SAMPLE: &str = "\
# hostname:port:database:username:password
db.internal:5432:app:app:Tr0ub4dor&3
db.internal:5432:*:replicator:rep\\:li\\\\cate
\\:\\:1:5432:postgres:postgres:local pass\x20
*:6432:pgbouncer:stats:

db.internal:5432:app:app:never-used-by-libpq
";

    #[test]
    fn entries_escapes_comments_and_lines() {
        let t = parse(SAMPLE).unwrap();
        assert_eq!(
            get(&t, &key("db.internal:5432:app:app")),
            (&s("Tr0ub4dor&3"), 2)
        );
        assert_eq!(
            key("db.internal:5432:app:app"),
            "\"db.internal:5432:app:app\""
        );
        assert_eq!(
            get(&t, &key("db.internal:5432:*:replicator")),
            (&s("rep:li\\cate"), 3)
        );
        assert_eq!(
            get(&t, &key("\\:\\:1:5432:postgres:postgres")),
            (&s("local pass "), 4),
            "trailing spaces belong to the password"
        );
        assert_eq!(get(&t, "*:6432:pgbouncer:stats"), (&s(""), 5));
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn escapes_are_canonical_and_the_wildcard_is_not_a_star() {
        let a = parse("h\\ost:5\\432:app:a\\pp:p\\w\\\n").unwrap();
        assert_eq!(get(&a, "host:5432:app:app"), (&s("pw\\"), 1));
        let b = parse("*:*:*:app:pw\n\\*:*:*:app:pw\n").unwrap();
        assert_eq!(get(&b, "*:*:*:app").1, 1);
        assert_eq!(get(&b, &key("\\*:*:*:app")).1, 2);
        let c = parse("*x:5432:db\\.x:u:pw\n").unwrap();
        assert_eq!(get(&c, &key("*x:5432:db.x:u")).0, &s("pw"));
    }

    #[test]
    fn crlf_is_stripped_and_the_first_entry_wins() {
        let t = parse("# c\r\nh:5432:d:u:first\r\r\n   \r\nh:5432:d:\\u:second\r\n").unwrap();
        assert_eq!(get(&t, "h:5432:d:u"), (&s("first"), 2));
        assert_eq!(t.len(), 1);
        let unix = parse("h:5432:d:u:first\n").unwrap();
        assert!(same_tree(&t, &unix));
        let rotated = parse("h:5432:d:u:rotated\nh:5432:d:u:first\n").unwrap();
        assert_eq!(drift(&unix, &rotated), vec!["h:5432:d:u".to_string()]);
    }

    #[test]
    fn lines_libpq_skips_are_errors_at_their_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("h:5432:d:u:pw\nh:5432:d:pw\n", 2, 12, "found 4"),
            ("h:5432:d:u:pw\nh:5432:d:u\\:pw\n", 2, 15, "found 4"),
            ("  # indented\n", 1, 13, "found 1"),
            (
                "h:5432:d:u:pa:ss\n",
                1,
                14,
                "unescaped ':' after the password",
            ),
            ("\n\nh:5432:d:u:\\\\:x\n", 3, 14, "unescaped ':'"),
            ("h:1:d:u:pw\r\nx:1:é:u:pé:ss\r\n", 2, 11, "unescaped ':'"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
    }

    #[test]
    fn no_error_names_the_password() {
        for text in [
            "h:5432:d:hunter2zQx9\n",
            "h:5432:d:u:hunter2:zQx9\n",
            "hunter2zQx9\n",
            "h:5432:d:u:ok\nh:5432:d:u:hunter2zQx9:x\n",
            "h:5432:d:u:x:hunter2zQx9\n",
        ] {
            let e = parse(text).unwrap_err();
            for part in ["hunter2", "zQx9"] {
                assert!(!e.to_string().contains(part), "{text:?}: {e}");
            }
        }
    }

    #[test]
    fn junk_never_panics() {
        for junk in [
            "",
            "\\",
            ":",
            "::::",
            "::::\\",
            "é:é:é:é:é",
            "\r",
            "#",
            "\\\n\\",
        ] {
            let _ = parse(junk);
        }
        assert_eq!(get(&parse("::::").unwrap(), &key(":::")).0, &s(""));
    }
}

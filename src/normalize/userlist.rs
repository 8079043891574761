//! PgBouncer's `auth_file` (`userlist.txt`): one user and its password, MD5 hash or SCRAM
//! secret a line. Every value is a secret. The rules are those of `load_auth_file`, with
//! `find_quote` and `copy_quoted`, in pgbouncer's src/loader.c:
//!
//! - A line is `"username" "password"`: both fields in double quotes, `""` inside a field
//!   standing for one `"`. Whitespace before and between the fields is skipped. What follows
//!   the password's closing quote is ignored (doc/config.md: "PgBouncer ignores the rest of
//!   the line"), such as the third `""` field older versions of its etc/mkauth.py wrote.
//! - Blank lines are skipped; a line whose first non-blank character is `;` is a comment.
//!   `#` is not a comment character: pgbouncer logs "broken auth file" there and stops.
//! - A repeated user: the last line wins (pgbouncer replaces the password it loaded first).
//!
//! Key: the user name, one segment; value: the password, unquoted.
//!
//! Where pgbouncer stops reading the file, so that the users below lose their passwords
//! ("broken auth file"; a user name of 128 bytes or more as written, `MAX_USERNAME`; a password
//! of 65531 or more, `MAX_PASSWORD`), this reader errors, naming the line and column and never
//! the password. It is stricter where pgbouncer is lenient: a field must close on its own line
//! (pgbouncer reads on across line breaks, so a lone `"user"` takes the next line's user name
//! as its password), only whitespace may separate the two fields (pgbouncer skips any text up
//! to the next quote), and a closing quote must be followed by whitespace or the end of the
//! line (`"pa"ss"` is a broken password, not `pa` and an ignored `ss"`).

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_key};

/// pgbouncer's limits on a field's length as written (include/bouncer.h), exclusive.
const MAX_USERNAME: usize = 128;
const MAX_PASSWORD: usize = 65531;

/// C `isspace` in the C locale (the line break itself is the line's end).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    for (i, line) in text.split('\n').enumerate() {
        let ln = line_number(i);
        let start = line.len() - line.trim_start_matches(is_space).len();
        let message = match line[start..].chars().next() {
            None | Some(';') => continue,
            Some('"') => None,
            Some('#') => Some(
                "'#' does not start a comment in pgbouncer's auth_file (';' does): \
                 pgbouncer stops reading the file here",
            ),
            Some(_) => Some(
                "expected the user name in double quotes: pgbouncer stops reading the file here",
            ),
        };
        if let Some(message) = message {
            return Err(ParseError::new(ln, column(line, start), message));
        }
        let (user, end) = field(line, start, ln, "user name", MAX_USERNAME)?;
        let open = end + line[end..].len() - line[end..].trim_start_matches(is_space).len();
        if !line[open..].starts_with('"') {
            return Err(ParseError::new(
                ln,
                column(line, open),
                "expected the password in double quotes after the user name",
            ));
        }
        let (password, _) = field(line, open, ln, "password", MAX_PASSWORD)?;
        let mut path = String::new();
        push_key(&mut path, &user);
        tree.insert(path, Value::Str(password), ln);
    }
    Ok(tree)
}

/// The quoted field whose opening quote is at byte `open` of `line`: its text with `""`
/// undoubled, and the byte offset just past its closing quote.
fn field(
    line: &str,
    open: usize,
    ln: u32,
    what: &str,
    max: usize,
) -> Result<(String, usize), ParseError> {
    let mut text = String::new();
    let mut at = open + 1;
    loop {
        let Some(quote) = line[at..].find('"').map(|off| at + off) else {
            return Err(ParseError::new(
                ln,
                column(line, open),
                format!("expected a closing '\"' on this line for the {what} that starts here"),
            ));
        };
        text.push_str(&line[at..quote]);
        at = quote + 1;
        if !line[at..].starts_with('"') {
            break;
        }
        text.push('"');
        at += 1;
    }
    if at - 1 - (open + 1) >= max {
        return Err(ParseError::new(
            ln,
            column(line, open),
            format!(
                "the {what} that starts here is longer than pgbouncer accepts ({} bytes as \
                 written): pgbouncer stops reading the file here",
                max - 1
            ),
        ));
    }
    if let Some(c) = line[at..].chars().next()
        && !is_space(c)
    {
        return Err(ParseError::new(
            ln,
            column(line, at),
            format!("expected whitespace or the end of the line after the {what}'s closing '\"'"),
        ));
    }
    Ok((text, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const SAMPLE: &str = "\
;; generated from pg_shadow
\"app\" \"md5a3556571e93b0d20722ba62be61e8c2d\"
  \"stats\"\t\"s\"\"q\"\"uote\"
\"replicator\" \"SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy\" \"\"

\"odd user.name\" \"plain text\" ; what follows is ignored
\"\" \"\"
";

    #[test]
    fn users_quotes_comments_and_lines() {
        let t = parse(SAMPLE).unwrap();
        assert_eq!(
            get(&t, "app"),
            (&s("md5a3556571e93b0d20722ba62be61e8c2d"), 2)
        );
        assert_eq!(get(&t, "stats"), (&s("s\"q\"uote"), 3));
        assert_eq!(
            get(&t, "replicator").0,
            &s("SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy")
        );
        assert_eq!(get(&t, "\"odd user.name\""), (&s("plain text"), 6));
        assert_eq!(get(&t, "\"\""), (&s(""), 7));
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn crlf_and_spacing_are_not_drift_and_the_last_line_wins() {
        let a = parse("\"app\" \"old\"\n\"app\" \"new\"\n").unwrap();
        assert_eq!(get(&a, "app"), (&s("new"), 2));
        let b = parse("\r\n; c\r\n\t\"app\"   \"new\"   \"\"\r\n").unwrap();
        assert!(same_tree(&a, &b));
        let rotated = parse("\"app\" \"newer\"").unwrap();
        assert_eq!(drift(&a, &rotated), vec!["app".to_string()]);
    }

    #[test]
    fn lines_pgbouncer_refuses_or_misreads_are_errors() {
        let long_user = format!("\"{}\" \"pw\"\n", "u".repeat(128));
        let long_password = format!("\"u\" \"{}\"\n", "p".repeat(65531));
        let cases: &[(&str, u32, u32, &str)] = &[
            (
                "\"a\" \"b\"\n# note\n",
                2,
                1,
                "'#' does not start a comment",
            ),
            (
                "  app \"pw\"\n",
                1,
                3,
                "expected the user name in double quotes",
            ),
            ("\"app \"pw\"\n", 1, 7, "after the user name's closing"),
            ("\"app\"\n\"other\" \"pw\"\n", 1, 6, "expected the password"),
            ("\"app\" pw\n", 1, 7, "expected the password"),
            ("\"app\" x \"pw\"\n", 1, 7, "expected the password"),
            (
                "\"app\" \"pw\n",
                1,
                7,
                "closing '\"' on this line for the password",
            ),
            (
                "\"app\n\" \"pw\"\n",
                1,
                1,
                "for the user name that starts here",
            ),
            (
                "\"app\" \"pa\"ss\"\n",
                1,
                11,
                "after the password's closing",
            ),
            (&long_user, 1, 1, "user name that starts here is longer"),
            (&long_password, 1, 5, "(65530 bytes"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
        let longest = format!("\"{}\" \"{}\"", "u".repeat(127), "p".repeat(65530));
        assert_eq!(parse(&longest).unwrap().len(), 1);
    }

    #[test]
    fn no_error_names_the_password() {
        for text in [
            "\"app\" \"hunter2zQx9\n",
            "\"app\" \"hunter2\"zQx9\"\n",
            "\"app\" hunter2zQx9\n",
            "hunter2zQx9\n",
            "\"hunter2zQx9\"\n",
            "#\"app\" \"hunter2zQx9\"\n",
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
            "\"",
            "\"\"",
            "\"\"\"",
            "\"é\" \"é",
            "\"a\"\"",
            "\u{feff}\"a\" \"b\"",
        ] {
            let _ = parse(junk);
        }
        assert_eq!(
            get(&parse("\"a\"\"\" \"b\"").unwrap(), "\"a\\\"\"").0,
            &s("b")
        );
    }
}

//! `.env` files (`.env`, `.env.production`, `app.env`), as read by docker compose, python-dotenv
//! and the dotenv libraries:
//!
//! - `KEY=value`, optionally prefixed by `export `; whitespace around the key, `=` and an
//!   unquoted value is ignored. Keys are case-sensitive and are one path segment each.
//! - `#` starts a comment at the start of a line, or after whitespace in an unquoted value
//!   (`A=b#c` is `b#c`, `A=b #c` is `b`).
//! - `'single quoted'` values are literal; `"double quoted"` values decode `\n`, `\r`, `\t`,
//!   `\"`, `\\` (other backslashes stay as written). Both may span lines; the entry's line is
//!   the line of the key. After the closing quote only whitespace or a `#` comment may follow.
//! - `${VAR}` and `$VAR` are never expanded: the value is compared as written.
//! - A repeated key: the last one wins, as in docker compose.
//! - A line that is not blank, a comment or `KEY=value` is an error naming the line.

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_key};

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The text after a closing quote must be blank or a comment.
fn check_after_quote(line: &str, at: usize, ln: u32) -> Result<(), ParseError> {
    let rest = &line[at..];
    let trimmed = rest.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        Ok(())
    } else {
        Err(ParseError::new(
            ln,
            column(line, at + rest.len() - trimmed.len()),
            "expected the end of the line or a '#' comment after the closing quote",
        ))
    }
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let ln = line_number(i);
        i += 1;
        let start = line.len() - line.trim_start().len();
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let mut key_start = start;
        if let Some(rest) = body.strip_prefix("export")
            && rest.starts_with([' ', '\t'])
        {
            key_start = line.len() - rest.trim_start().len();
        }
        let Some(eq) = line[key_start..].find('=').map(|p| p + key_start) else {
            return Err(ParseError::new(
                ln,
                column(line, start + body.len()),
                format!(
                    "line {ln}: expected '=' after the name (lines are KEY=value or # comments)"
                ),
            ));
        };
        let key = line[key_start..eq].trim_end();
        if key.is_empty() {
            return Err(ParseError::new(
                ln,
                column(line, eq),
                "expected a variable name before '='",
            ));
        }
        if let Some((off, _)) = key.char_indices().find(|&(_, c)| !is_key_char(c)) {
            return Err(ParseError::new(
                ln,
                column(line, key_start + off),
                "expected '=' after the name (names hold letters, digits, '_', '.' and '-')",
            ));
        }
        let mut path = String::new();
        push_key(&mut path, key);

        let vstart = eq + 1 + (line[eq + 1..].len() - line[eq + 1..].trim_start().len());
        let value = match line[vstart..].chars().next() {
            Some(q @ ('\'' | '"')) => {
                let mut out = String::new();
                let mut cur_line = line;
                let mut at = vstart + 1;
                let mut cur_ln = ln;
                loop {
                    let mut chars = cur_line[at..].char_indices();
                    let mut closed = None;
                    while let Some((off, c)) = chars.next() {
                        if c == q {
                            closed = Some(at + off + 1);
                            break;
                        }
                        if q == '"' && c == '\\' {
                            match chars.next() {
                                Some((_, 'n')) => out.push('\n'),
                                Some((_, 'r')) => out.push('\r'),
                                Some((_, 't')) => out.push('\t'),
                                Some((_, e @ ('"' | '\\'))) => out.push(e),
                                Some((_, other)) => {
                                    out.push('\\');
                                    out.push(other);
                                }
                                None => out.push('\\'),
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    if let Some(end) = closed {
                        check_after_quote(cur_line, end, cur_ln)?;
                        break;
                    }
                    if i >= lines.len() {
                        return Err(ParseError::new(
                            ln,
                            column(line, vstart),
                            format!("expected a closing {q} for the value that starts here"),
                        ));
                    }
                    out.push('\n');
                    cur_line = lines[i];
                    cur_ln = line_number(i);
                    i += 1;
                    at = 0;
                }
                out
            }
            _ => {
                let raw = &line[vstart..];
                let mut end = raw.len();
                let mut prev_space = true;
                for (off, c) in raw.char_indices() {
                    if c == '#' && prev_space {
                        end = off;
                        break;
                    }
                    prev_space = c == ' ' || c == '\t';
                }
                raw[..end].trim_end().to_string()
            }
        };
        tree.insert(path, Value::Str(value), ln);
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const SAMPLE: &str = "\
# database
DB_HOST=db.internal
export DB_PORT=5432
DB_URL=postgres://${DB_HOST}:${DB_PORT}/app   # not expanded
PASSWORD='p#ss $word \\n'
GREETING=\"hello\\n\\\"world\\\"\"
TAG=v1#2
CERT=\"-----BEGIN-----
abc
-----END-----\"
EMPTY=
";

    #[test]
    fn values_quotes_comments_and_lines() {
        let t = parse(SAMPLE).unwrap();
        assert_eq!(get(&t, "DB_HOST"), (&Value::text("db.internal"), 2));
        assert_eq!(get(&t, "DB_PORT"), (&Value::text("5432"), 3));
        assert_eq!(
            get(&t, "DB_URL"),
            (&Value::text("postgres://${DB_HOST}:${DB_PORT}/app"), 4)
        );
        assert_eq!(get(&t, "PASSWORD").0, &Value::text("p#ss $word \\n"));
        assert_eq!(get(&t, "GREETING").0, &Value::text("hello\n\"world\""));
        assert_eq!(get(&t, "TAG").0, &Value::text("v1#2"));
        assert_eq!(
            get(&t, "CERT"),
            (&Value::text("-----BEGIN-----\nabc\n-----END-----"), 8)
        );
        assert_eq!(get(&t, "EMPTY"), (&Value::text(""), 11));
        assert_eq!(t.len(), 8);
    }

    #[test]
    fn rewrites_are_not_drift_and_edits_are() {
        let a = parse(SAMPLE).unwrap();
        let b = parse(
            "EMPTY=''\n  TAG = 'v1#2'\nCERT='-----BEGIN-----\nabc\n-----END-----'\n\
             GREETING='hello\n\"world\"'\nPASSWORD=\"p#ss $word \\\\n\"\n\n\
             DB_URL = \"postgres://${DB_HOST}:${DB_PORT}/app\"\nexport DB_PORT=\"5432\"\n\
             DB_HOST=old\nDB_HOST=db.internal # last wins\n",
        )
        .unwrap();
        assert!(same_tree(&a, &b), "{b:?}");
        let edited = parse(&SAMPLE.replace("DB_PORT=5432", "DB_PORT=5433")).unwrap();
        assert!(!same_tree(&a, &edited));
        assert_eq!(get(&edited, "DB_PORT"), (&Value::text("5433"), 3));
        let expanded = parse(&SAMPLE.replace("${DB_HOST}", "db.internal")).unwrap();
        assert!(!get(&expanded, "DB_URL").0.same(get(&a, "DB_URL").0));
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("A=1\nJUST_A_WORD\n", 2, 12, "line 2: expected '='"),
            ("=1\n", 1, 1, "expected a variable name"),
            ("A B=1\n", 1, 2, "names hold letters"),
            ("A=\"abc\nmore\n", 1, 3, "expected a closing \""),
            ("A='x' y\n", 1, 7, "after the closing quote"),
            ("A=\"x\ny\" z\n", 2, 4, "after the closing quote"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
    }

    #[test]
    fn junk_never_panics() {
        let long = format!("A=\"{}\"\n", "\\\"".repeat(100_000));
        assert_eq!(parse(&long).unwrap().len(), 1);
        for junk in [
            "",
            "=",
            "export",
            "export =",
            "A=\"\\",
            "A='",
            "é=1",
            "A=é\"",
            "\"",
            "A=\"\r\n\"",
            "export\tA=1",
            "A=#",
            "A= #x",
            "\u{feff}A=1",
        ] {
            let _ = parse(junk);
        }
        assert_eq!(get(&parse("A= #x").unwrap(), "A").0, &Value::text(""));
        assert_eq!(
            get(&parse("export\tA=1").unwrap(), "A").0,
            &Value::text("1")
        );
    }
}

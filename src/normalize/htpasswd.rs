//! Apache and nginx password files (`.htpasswd`, `htpasswd`, `*.htpasswd`): `user:hash` a line,
//! hashes as `htpasswd` writes them (`$apr1$`, `$2y$`, `{SHA}`, crypt). Every value is a secret.
//! The rules are those the two servers share, read in httpd's `check_password`
//! (modules/aaa/mod_authn_file.c, with `ap_cfg_getline` and `ap_getword` in server/util.c) and
//! nginx's `ngx_http_auth_basic_handler` (src/http/modules/ngx_http_auth_basic_module.c):
//!
//! - The user is the text before the first `:`, the hash the text after it up to the next `:`
//!   or the end of the line, so `user:hash:` is `user:hash`. An empty hash (`user:`) is kept,
//!   as `""` (`htpasswd -v` calls it invalid).
//! - Blank lines, and lines whose first non-blank character is `#`, are skipped. The line
//!   break may be CRLF.
//! - The first line for a user wins (both servers stop at the first match).
//!
//! Key: the user, one segment; value: the hash. Spaces are kept as written: Apache trims them
//! from both ends of a line, nginx does not (` alice:x` is no user `alice` to nginx), so
//! adding or removing them is drift.
//!
//! Errors, naming the line and column and never the hash: a line without `:` (Apache reads a
//! user with an empty hash, nginx never matches it, and `htpasswd` in support/htpasswd.c
//! refuses such a file: "does not appear to be a valid htpasswd file"); text after a `:` that
//! ends the hash (the servers ignore it; an htdigest file's `user:realm:hash` lands here);
//! `user::hash`, where Apache's `ap_getword` skips the empty field and reads `hash` while nginx
//! reads an empty hash; a line ending in `\`, which `ap_cfg_getline` joins with the next and
//! nginx does not; and a line of 8191 bytes or more, where Apache's `MAX_STRING_LEN` buffer
//! ends and it stops reading the file.

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_key};

/// Apache reads a line into a buffer of `MAX_STRING_LEN` (8192) bytes, its terminating NUL
/// and line feed included.
const MAX_LINE: usize = 8190;

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let ln = line_number(i);
        if raw.len() > MAX_LINE {
            return Err(ParseError::new(
                ln,
                1,
                "line longer than the 8190 bytes Apache reads: Apache stops reading the file here",
            ));
        }
        let line = raw.trim_end_matches('\r');
        if line.ends_with('\\') && i + 1 < lines.len() {
            return Err(ParseError::new(
                ln,
                column(line, line.len() - 1),
                "a line ending in '\\' continues on the next line for Apache, not for nginx",
            ));
        }
        let body = line.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let Some((user, after)) = line.split_once(':') else {
            return Err(ParseError::new(
                ln,
                column(line, line.len()),
                "expected 'user:hash': no ':' on this line",
            ));
        };
        let hash_at = user.len() + 1;
        let (hash, rest) = after.split_once(':').unwrap_or((after, ""));
        if !rest.trim_start_matches(':').is_empty() {
            let message = if hash.is_empty() {
                "'::' before the hash: Apache skips the empty field, nginx reads an empty hash"
            } else {
                "text after a ':' that ends the hash: Apache and nginx ignore it"
            };
            return Err(ParseError::new(
                ln,
                column(line, hash_at + hash.len()),
                message,
            ));
        }
        let mut path = String::new();
        push_key(&mut path, user);
        if tree.get(&path).is_none() {
            tree.insert(path, Value::text(hash), ln);
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const SAMPLE: &str = "\
# htpasswd -B /etc/nginx/.htpasswd admin
admin:$2y$05$Xq6a4bYQZl3V6H1m8hQfOe1Rr1xv5mKkGq6dE1m3Q8rW2zJ9cYx1K
ops:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/

  # an indented comment
legacy:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
ci.bot:rl.yfK5aZ9/mQ
admin:$apr1$never$used
nohash:
";

    #[test]
    fn users_hashes_comments_and_lines() {
        let t = parse(SAMPLE).unwrap();
        assert_eq!(
            get(&t, "admin"),
            (
                &s("$2y$05$Xq6a4bYQZl3V6H1m8hQfOe1Rr1xv5mKkGq6dE1m3Q8rW2zJ9cYx1K"),
                2
            ),
            "the first line for a user wins"
        );
        assert_eq!(
            get(&t, "ops"),
            (&s("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"), 3)
        );
        assert_eq!(get(&t, "legacy").0, &s("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
        assert_eq!(get(&t, "\"ci.bot\""), (&s("rl.yfK5aZ9/mQ"), 7));
        assert_eq!(get(&t, "nohash"), (&s(""), 9));
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn crlf_and_a_trailing_colon_are_not_drift_but_spaces_are() {
        let a = parse("ops:$apr1$x$y\n").unwrap();
        let b = parse("# c\r\n\r\nops:$apr1$x$y:\r\n").unwrap();
        assert!(same_tree(&a, &b));
        assert_eq!(get(&b, "ops").1, 3);
        let spaced = parse(" ops:$apr1$x$y \n").unwrap();
        assert_eq!(get(&spaced, "\" ops\"").0, &s("$apr1$x$y "));
        assert_eq!(drift(&a, &spaced).len(), 2);
    }

    #[test]
    fn lines_the_servers_skip_or_disagree_on_are_errors() {
        let long = format!("ops:{}\n", "x".repeat(8187));
        let cases: &[(&str, u32, u32, &str)] = &[
            ("ops:x\nadmin\n", 2, 6, "no ':' on this line"),
            (
                "u:realm:5f4dcc3b5aa765d61d8327deb882cf99\n",
                1,
                8,
                "text after a ':'",
            ),
            ("u::$apr1$x$y\r\n", 1, 3, "'::' before the hash"),
            ("u:$apr1$x$y\\\r\nv:z\n", 1, 12, "ending in '\\'"),
            ("# note \\\nu:x\n", 1, 8, "ending in '\\'"),
            (&long, 1, 1, "8190 bytes"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
        assert!(parse(&format!("ops:{}", "x".repeat(8186))).is_ok());
        assert_eq!(get(&parse("u:pw\\").unwrap(), "u").0, &s("pw\\"));
    }

    #[test]
    fn no_error_names_the_hash() {
        for text in [
            "hunter2zQx9\n",
            "u:hunter2:zQx9\n",
            "u::hunter2zQx9\n",
            "u:hunter2zQx9\\\nv:x\n",
        ] {
            let e = parse(text).unwrap_err();
            for part in ["hunter2", "zQx9"] {
                assert!(!e.to_string().contains(part), "{text:?}: {e}");
            }
        }
    }

    #[test]
    fn junk_never_panics() {
        for junk in ["", ":", "::", ":::", "\\", "é:é:é", "\r", "#\\", ":\\\n"] {
            let _ = parse(junk);
        }
        assert_eq!(get(&parse(":x").unwrap(), "\"\"").0, &s("x"));
    }
}

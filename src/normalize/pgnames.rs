//! A file of names that pg_hba.conf's `@file` reads into a database or user field
//! (`host @dbs app 10.0.0.0/8 md5`), read as `tokenize_expand_file` in PostgreSQL's
//! src/backend/libpq/hba.c reads it: every token of every line, with pg_hba.conf's tokens
//! ([`super::pghba`]: `\` continues a line, `#` comments, `"..."` quotes, commas and blanks
//! separate), in order. A token keeps its quotes (`"all"` is a database named all, `all` the
//! keyword); `@other` in it reads that file in turn, relative to this file's directory.
//!
//! Keys: each token as written, quotes included (`app`, `"\"all\""`), once, at the line it
//! first appears on; its value is its place in the list (a rule matches if any token does, so
//! the place is kept for the reader, not for meaning: the rules pg_hba.conf builds from the file
//! are compared where it is read, see [`super::pghba_includes`]). Never an error: PostgreSQL
//! reads any text as names (a missing or unreadable file is trouble at the line naming it).

use super::pghba::{fields, logical_lines};
use crate::tree::{ParseError, Tree, Value, push_key};

/// The most names one file holds; more are an error (a hostile file).
const MAX_NAMES: usize = 10_000;

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    for l in logical_lines(text) {
        for tok in fields(&l.text).iter().flatten() {
            let written = written(&tok.text, tok.quoted);
            let mut key = String::new();
            push_key(&mut key, &written);
            if tree.get(&key).is_some() {
                continue;
            }
            if tree.len() >= MAX_NAMES {
                return Err(l.error(
                    tok.at,
                    format!("more than {MAX_NAMES} names: confdrift reads at most {MAX_NAMES}"),
                ));
            }
            let place = i64::try_from(tree.len()).unwrap_or(i64::MAX);
            tree.insert(key, Value::Int(place), l.line());
        }
    }
    Ok(tree)
}

/// A token as written: its text, in double quotes (a quote doubled) when it was quoted.
pub(super) fn written(text: &str, quoted: bool) -> String {
    if quoted {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, u32)> {
        parse(text)
            .unwrap()
            .iter()
            .map(|(k, e)| (k.to_string(), e.line))
            .collect()
    }

    #[test]
    fn every_token_of_every_line_in_order_quotes_kept() {
        assert_eq!(
            keys("app, reports # the apps\n\n\"all\" billing,\\\n  app\n@more\n"),
            vec![
                ("app".to_string(), 1),
                ("reports".to_string(), 1),
                ("\"\\\"all\\\"\"".to_string(), 3),
                ("billing".to_string(), 3),
                ("@more".to_string(), 5),
            ]
        );
        assert!(parse("").unwrap().is_empty());
        assert!(parse("\u{0}\"\"\"\n\\").is_ok());
    }
}

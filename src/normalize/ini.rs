//! INI files: php.ini and generic INI ([`parse`]), and MySQL / MariaDB option
//! files such as `my.cnf` and `conf.d/*.cnf` ([`parse_mycnf`]). Our own small reader: general
//! INI crates mis-read `!include`, bare option names and quoted `;`.
//!
//! Both dialects:
//! - `[section]` starts a section; `key = value` inside it becomes `section.key` (section and key
//!   are one path segment each, see [`push_key`]); keys before any section are top-level.
//!   Whitespace around keys, `=` and values is ignored. A value wholly inside matching double or
//!   single quotes loses the quotes, so quoting a value is not drift.
//! - Lines whose first non-blank character is `;` or `#` are comments.
//! - A repeated key: the last one wins (with its line), as in pgbouncer and MySQL.
//!   Exceptions are the few keys that really are lists, where every line applies: PHP's
//!   `extension` and `zend_extension`, PHP array keys `name[] = ...`, and MySQL's repeatable
//!   filters (`replicate_do_db`, `binlog_ignore_db`, `plugin_load_add`, ...). Those become
//!   `name[0]`, `name[1]`, ... in file order.
//! - No line continuations (neither pgbouncer nor MySQL has them).
//! - `[section` without `]` is an error at the end of the line: "expected ']' ...".
//!
//! Generic INI / pgbouncer ([`parse`]):
//! - No inline comments: pgbouncer's manual (pgbouncer(5), "DESCRIPTION") says `;` and `#` "are
//!   not recognized as special when they appear later in the line", and its parser keeps them in
//!   the value (`server_reset_query = DISCARD ALL; -- x` is one value). So `a = b ; c` has the
//!   value `b ; c`. php.ini would treat that `;` as a comment; there an inline comment shows as
//!   part of the value (a false drift, never a missed one).
//! - A line that is neither a comment, a section nor `key = value` is an error ("expected
//!   '='"): pgbouncer refuses such a file.
//! - `%include FILE` (pgbouncer) is recorded in order as top-level `%include[0]`,
//!   `%include[1]`, ... with the file name as value, wherever it appears.
//!
//! MySQL / MariaDB ([`parse_mycnf`]), following `mysys/my_default.c`:
//! - `#` outside quotes starts a comment anywhere in a line (`port = 3306 # note`); `;` only at
//!   the start of a line.
//! - `-` and `_` in option names are the same: names are normalized to `_`
//!   (`bind-address` -> `bind_address`). Option names keep their case; group (section) names are
//!   lowercased, because the server matches groups case-insensitively (`find_type`).
//! - A bare option (`skip-name-resolve`, `quick`) is `Value::Bool(true)`.
//! - Value escapes `\n \t \r \b \s \" \' \\` are decoded as MySQL does; other backslashes stay.
//! - `!include FILE` and `!includedir DIR` are recorded in order as top-level keys `!include[0]`,
//!   `!include[1]`, ... and `!includedir[0]`, ... (separate counters), value the path. Other
//!   `!` lines are ignored, as MySQL ignores them.

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Ini,
    MyCnf,
}

/// Reads pgbouncer.ini, php.ini and generic INI files.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, Dialect::Ini)
}

/// Reads MySQL / MariaDB option files (`my.cnf`, `mariadb.conf.d/*.cnf`).
pub fn parse_mycnf(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, Dialect::MyCnf)
}

/// Keys of which every occurrence applies (lists), by dialect, after `-` -> `_` for MySQL.
const PHP_LIST_KEYS: &[&str] = &["extension", "zend_extension"];
const MYSQL_LIST_KEYS: &[&str] = &[
    "binlog_do_db",
    "binlog_ignore_db",
    "plugin_load_add",
    "replicate_do_db",
    "replicate_do_table",
    "replicate_ignore_db",
    "replicate_ignore_table",
    "replicate_rewrite_db",
    "replicate_wild_do_table",
    "replicate_wild_ignore_table",
];

/// Strips one pair of matching surrounding quotes.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// A generic INI key: a name in double quotes (pgbouncer's SQL-style quoting of database
/// names, `""` for a quote) means the name itself, so `"foodb"` is `foodb`.
fn unquote_key(key: &str) -> String {
    match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => key.to_string(),
    }
}

/// Cuts a MySQL line at the first `#` outside quotes (`remove_end_comment`).
fn strip_mysql_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escape = false;
    for (i, c) in s.char_indices() {
        if (c == '\'' || c == '"') && !escape {
            match quote {
                None => quote = Some(c),
                Some(q) if q == c => quote = None,
                Some(_) => {}
            }
        } else if quote.is_none() && c == '#' {
            return &s[..i];
        }
        escape = quote.is_some() && c == '\\' && !escape;
    }
    s
}

/// Decodes MySQL option-file escapes; unknown ones keep their backslash.
fn mysql_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('s') => out.push(' '),
            Some(q @ ('"' | '\'' | '\\')) => out.push(q),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `rest` without `word` and the whitespace after it, when `rest` starts with `word` followed
/// by whitespace or the end of the line.
fn directive<'a>(rest: &'a str, word: &str) -> Option<&'a str> {
    let after = rest.strip_prefix(word)?;
    if after.is_empty() || after.starts_with(char::is_whitespace) {
        Some(after.trim())
    } else {
        None
    }
}

struct Reader {
    dialect: Dialect,
    tree: Tree,
    section: Option<String>,
    /// Next index of each list-valued path (`%include`, `extension`, ...).
    counters: HashMap<String, usize>,
}

impl Reader {
    fn push_list(&mut self, base: String, value: Value, line: u32) {
        let n = self.counters.entry(base.clone()).or_insert(0);
        let mut path = base;
        push_index(&mut path, *n);
        *n += 1;
        self.tree.insert(path, value, line);
    }

    fn path_for(&self, key: &str) -> String {
        let mut path = String::new();
        if let Some(section) = &self.section {
            push_key(&mut path, section);
        }
        push_key(&mut path, key);
        path
    }

    fn line(&mut self, raw: &str, ln: u32) -> Result<(), ParseError> {
        let body_start = raw.len() - raw.trim_start().len();
        let body = raw.trim();
        if body.is_empty() || body.starts_with(';') || body.starts_with('#') {
            return Ok(());
        }
        if let Some(rest) = body.strip_prefix('[') {
            return self.section_line(raw, body_start, rest, ln);
        }
        match self.dialect {
            Dialect::Ini => {
                if let Some(file) = directive(body, "%include") {
                    if file.is_empty() {
                        return Err(ParseError::new(
                            ln,
                            column(raw, body_start + body.len()),
                            "expected a file name after %include",
                        ));
                    }
                    let file = unquote(file).to_string();
                    self.push_list("%include".into(), Value::text(file), ln);
                    return Ok(());
                }
                self.ini_pair(raw, body_start, body, ln)
            }
            Dialect::MyCnf => {
                if let Some(rest) = body.strip_prefix('!') {
                    let rest = rest.trim_start();
                    for word in ["includedir", "include"] {
                        if let Some(path) = directive(rest, word) {
                            if path.is_empty() {
                                return Err(ParseError::new(
                                    ln,
                                    column(raw, body_start + body.len()),
                                    format!("expected a path after !{word}"),
                                ));
                            }
                            self.push_list(format!("!{word}"), Value::text(path), ln);
                            return Ok(());
                        }
                    }
                    return Ok(());
                }
                self.mycnf_option(body, ln);
                Ok(())
            }
        }
    }

    fn section_line(
        &mut self,
        raw: &str,
        body_start: usize,
        rest: &str,
        ln: u32,
    ) -> Result<(), ParseError> {
        let Some(close) = rest.find(']') else {
            return Err(ParseError::new(
                ln,
                column(raw, body_start + 1 + rest.len()),
                "expected ']' to close the section name",
            ));
        };
        let name = rest[..close].trim();
        if name.is_empty() {
            return Err(ParseError::new(
                ln,
                column(raw, body_start + 1 + close),
                "expected a section name between '[' and ']'",
            ));
        }
        let after = rest[close + 1..].trim_start();
        let trailing_ok = after.is_empty()
            || after.starts_with('#')
            || (self.dialect == Dialect::Ini && after.starts_with(';'));
        if !trailing_ok {
            let at = body_start + 1 + rest.len() - after.len();
            return Err(ParseError::new(
                ln,
                column(raw, at),
                "expected the end of the line after the section's ']'",
            ));
        }
        self.section = Some(match self.dialect {
            Dialect::Ini => name.to_string(),
            Dialect::MyCnf => name.to_lowercase(),
        });
        Ok(())
    }

    fn ini_pair(
        &mut self,
        raw: &str,
        body_start: usize,
        body: &str,
        ln: u32,
    ) -> Result<(), ParseError> {
        let Some(eq) = body.find('=') else {
            return Err(ParseError::new(
                ln,
                column(raw, body_start + body.len()),
                "expected '=' after the key (lines are `key = value`, `[section]` or comments)",
            ));
        };
        let key = body[..eq].trim();
        if key.is_empty() {
            return Err(ParseError::new(
                ln,
                column(raw, body_start + eq),
                "expected a key before '='",
            ));
        }
        let key = unquote_key(key);
        let key = key.as_str();
        let value = Value::text(unquote(body[eq + 1..].trim()));
        if let Some(base) = key.strip_suffix("[]") {
            let base = self.path_for(base.trim_end());
            self.push_list(base, value, ln);
        } else if PHP_LIST_KEYS.contains(&key) {
            let base = self.path_for(key);
            self.push_list(base, value, ln);
        } else {
            let path = self.path_for(key);
            self.tree.insert(path, value, ln);
        }
        Ok(())
    }

    fn mycnf_option(&mut self, body: &str, ln: u32) {
        let body = strip_mysql_comment(body).trim_end();
        let (name, value) = match body.find('=') {
            Some(eq) => {
                let v = body[eq + 1..].trim();
                (
                    body[..eq].trim_end(),
                    Value::text(mysql_unescape(unquote(v))),
                )
            }
            None => (body, Value::Bool(true)),
        };
        if name.is_empty() {
            // `= value` or a line that was all comment: MySQL skips an empty option name.
            return;
        }
        let name = name.replace('-', "_");
        let path = self.path_for(&name);
        if MYSQL_LIST_KEYS.contains(&name.as_str()) {
            self.push_list(path, value, ln);
        } else {
            self.tree.insert(path, value, ln);
        }
    }
}

fn parse_dialect(text: &str, dialect: Dialect) -> Result<Tree, ParseError> {
    let mut reader = Reader {
        dialect,
        tree: Tree::new(),
        section: None,
        counters: HashMap::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        reader.line(raw, line_number(i))?;
    }
    Ok(reader.tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    fn keys(t: &Tree) -> Vec<&str> {
        t.iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn pgbouncer_shipped_config() {
        let t = parse(include_str!(
            "../../fixtures/upstream/pgbouncer/pgbouncer.ini"
        ))
        .unwrap();
        assert_eq!(
            keys(&t),
            [
                "pgbouncer.logfile",
                "pgbouncer.pidfile",
                "pgbouncer.listen_addr",
                "pgbouncer.listen_port",
                "pgbouncer.unix_socket_dir",
                "pgbouncer.auth_type",
                "pgbouncer.auth_file",
            ]
        );
        assert_eq!(
            get(&t, "pgbouncer.logfile"),
            (&s("/var/log/postgresql/pgbouncer.log"), 45)
        );
        assert_eq!(get(&t, "pgbouncer.listen_port"), (&s("6432"), 54));
        assert!(get(&t, "pgbouncer.listen_port").0.same(&Value::Int(6432)));
        assert_eq!(get(&t, "pgbouncer.auth_type"), (&s("md5"), 116));
        let minimal = parse(include_str!(
            "../../fixtures/upstream/pgbouncer/pgbouncer-minimal.ini"
        ))
        .unwrap();
        assert!(minimal.is_empty());
    }

    #[test]
    fn pgbouncer_databases_and_includes() {
        let text = "\
[databases]
foodb = host=localhost dbname=bazdb connect_query='SELECT 1; SELECT 2'
\"my.db\" = host=10.0.0.5
* = host=fallback

[pgbouncer]
server_reset_query = DISCARD ALL; -- not a comment
admin_users = postgres # still the value
%include /etc/pgbouncer/extra.ini
%include /etc/pgbouncer/more.ini
";
        let t = parse(text).unwrap();
        assert_eq!(
            get(&t, "databases.foodb"),
            (
                &s("host=localhost dbname=bazdb connect_query='SELECT 1; SELECT 2'"),
                2
            )
        );
        assert_eq!(get(&t, r#"databases."my.db""#).1, 3);
        assert_eq!(get(&t, "databases.*"), (&s("host=fallback"), 4));
        assert_eq!(
            get(&t, "pgbouncer.server_reset_query").0,
            &s("DISCARD ALL; -- not a comment")
        );
        assert_eq!(
            get(&t, "pgbouncer.admin_users").0,
            &s("postgres # still the value")
        );
        assert_eq!(get(&t, "%include[0]"), (&s("/etc/pgbouncer/extra.ini"), 9));
        assert_eq!(get(&t, "%include[1]"), (&s("/etc/pgbouncer/more.ini"), 10));
    }

    #[test]
    fn quoting_spacing_comments_and_order_are_not_drift() {
        let a = parse("top=1\n[main]\nname = \"web;01\"\nport=80\n").unwrap();
        let b =
            parse("; header\ntop = 1\n\n[main]\n  # comment\n  port   =   80  \nname='web;01'\n")
                .unwrap();
        assert!(same_tree(&a, &b));
        assert_eq!(get(&a, "main.name").0, &s("web;01"));
        assert_eq!(get(&b, "main.port").1, 6);
        let edited = parse("top=1\n[main]\nname = \"web;01\"\nport=8080\n").unwrap();
        assert!(!same_tree(&a, &edited));
    }

    #[test]
    fn last_duplicate_wins_but_php_lists_keep_every_line() {
        let t = parse(
            "[PHP]\nmemory_limit = 128M\nextension=mysqli\nmemory_limit = 256M\nextension=pdo_mysql\n\
             [Session]\nsession.save_path = \"/var/lib/php/sessions\"\nallowed[] = a\nallowed[] = b\n",
        )
        .unwrap();
        assert_eq!(get(&t, "PHP.memory_limit"), (&s("256M"), 4));
        assert_eq!(get(&t, "PHP.extension[0]"), (&s("mysqli"), 3));
        assert_eq!(get(&t, "PHP.extension[1]"), (&s("pdo_mysql"), 5));
        assert_eq!(
            get(&t, r#"Session."session.save_path""#).0,
            &s("/var/lib/php/sessions")
        );
        assert_eq!(get(&t, "Session.allowed[1]"), (&s("b"), 9));
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn errors_name_line_column_and_what_was_expected() {
        let e = parse("[ok]\na = 1\n[section\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 9));
        assert!(e.message.contains("expected ']'"), "{}", e.message);

        let e = parse("[pgbouncer]\n  listen_port 6432\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 19));
        assert!(e.message.contains("expected '='"), "{}", e.message);

        let e = parse("a = 1\n  = 5\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("expected a key"), "{}", e.message);

        let e = parse("[x] y = 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 5));

        let e = parse("[ ]\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("%include\n").unwrap_err();
        assert!(e.message.contains("file name"), "{}", e.message);
        let e = parse_mycnf("!include\n").unwrap_err();
        assert!(e.message.contains("path"), "{}", e.message);
        let e = parse_mycnf("[mysqld\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 8));
    }

    #[test]
    fn empty_and_junk_input_never_panic() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse_mycnf("").unwrap().is_empty());
        assert!(parse("\n\n   \n; only comments\n").unwrap().is_empty());
        let brackets = "[".repeat(100_000);
        let e = parse(&brackets).unwrap_err();
        assert_eq!((e.line, e.column), (1, 100_001));
        assert!(parse_mycnf(&brackets).is_err());
        let closers = "]".repeat(100_000);
        assert!(parse(&closers).is_err());
        assert!(parse_mycnf(&closers).is_ok());
        for junk in [
            "=",
            "\"",
            "'",
            "[]]",
            "[é",
            "é=ü",
            "\\",
            "!",
            "! include",
            "%include x\r\n[a]\r\nb=\"",
            "\u{feff}[a]",
            "[a]#",
            "key='",
            "k=\"\\",
            "#=\n==\n",
        ] {
            let _ = parse(junk);
            let _ = parse_mycnf(junk);
        }
        let big = format!("k = {}\n", "\"#;\\".repeat(50_000));
        assert_eq!(parse(&big).unwrap().len(), 1);
        assert_eq!(parse_mycnf(&big).unwrap().len(), 1);
    }

    #[test]
    fn mariadb_shipped_configs() {
        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mariadb-common/mariadb.cnf"
        ))
        .unwrap();
        assert_eq!(
            keys(&t),
            ["client-server.socket", "!includedir[0]", "!includedir[1]"]
        );
        assert_eq!(get(&t, "!includedir[0]"), (&s("/etc/mysql/conf.d/"), 28));
        assert_eq!(
            get(&t, "!includedir[1]"),
            (&s("/etc/mysql/mariadb.conf.d/"), 29)
        );

        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mariadb-server/50-server.cnf"
        ))
        .unwrap();
        assert_eq!(
            keys(&t),
            [
                "mysqld.pid_file",
                "mysqld.basedir",
                "mysqld.bind_address",
                "mysqld.expire_logs_days",
                "mysqld.character_set_server",
                "mysqld.collation_server",
            ]
        );
        assert_eq!(get(&t, "mysqld.bind_address"), (&s("127.0.0.1"), 27));
        assert_eq!(get(&t, "mysqld.expire_logs_days"), (&s("10"), 75));

        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mariadb-server/50-mysqld_safe.cnf"
        ))
        .unwrap();
        assert_eq!(get(&t, "mysqld_safe.nice"), (&s("0"), 26));
        assert_eq!(
            get(&t, "mysqld_safe.skip_log_error"),
            (&Value::Bool(true), 27)
        );
        assert_eq!(get(&t, "mysqld_safe.syslog"), (&Value::Bool(true), 28));

        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mariadb-server/wsrep.cnf"
        ))
        .unwrap();
        assert_eq!(
            get(&t, "mysqld.wsrep_cluster_name").0,
            &s("my_wsrep_cluster")
        );
        assert_eq!(get(&t, "mysqld.default_storage_engine").0, &s("innodb"));
    }

    #[test]
    fn mysql_common_shipped_configs() {
        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mysql-common/mysqldump.cnf"
        ))
        .unwrap();
        assert_eq!(
            keys(&t),
            [
                "mysqldump.quick",
                "mysqldump.quote_names",
                "mysqldump.max_allowed_packet"
            ]
        );
        assert_eq!(get(&t, "mysqldump.max_allowed_packet"), (&s("16M"), 4));
        let t = parse_mycnf(include_str!(
            "../../fixtures/upstream/mysql-common/my.cnf.fallback"
        ))
        .unwrap();
        assert_eq!(keys(&t), ["!includedir[0]"]);
    }

    #[test]
    fn mycnf_spellings_that_mean_the_same() {
        let a = parse_mycnf(
            "[mysqld]\nbind-address = 127.0.0.1\nskip-name-resolve\nmax_connections=100\n\
             password = \"se#cret\" # the password\n",
        )
        .unwrap();
        let b = parse_mycnf(
            "# server\n[MySQLd]\nmax-connections = 100   # raised later\nskip_name_resolve\n\
             password='se#cret'\nbind_address=127.0.0.1\n",
        )
        .unwrap();
        assert!(same_tree(&a, &b), "{:?}\n{:?}", keys(&a), keys(&b));
        assert_eq!(get(&a, "mysqld.password").0, &s("se#cret"));
        assert_eq!(get(&b, "mysqld.max_connections"), (&s("100"), 3));
        assert_eq!(get(&a, "mysqld.skip_name_resolve").0, &Value::Bool(true));

        let edited = parse_mycnf(
            "[mysqld]\nbind-address = 0.0.0.0\nskip-name-resolve\nmax_connections=100\n\
             password = \"se#cret\"\n",
        )
        .unwrap();
        assert!(!same_tree(&a, &edited));
    }

    #[test]
    fn mycnf_inline_comments_escapes_includes_and_lists() {
        let t = parse_mycnf(
            "!include /etc/mysql/base.cnf\n[mysqld]\nport=3306#no space needed\n\
             init_connect='SET NAMES utf8mb4' # trailing\ndatadir = C:\\\\data\\\\mysql\n\
             tmpdir = /tmp\\x\nreplicate-do-db = app\nreplicate_do_db = audit\n\
             ! includedir /etc/mysql/conf.d\n!include /etc/mysql/site.cnf\n!bogus directive\n\
             ; comment\nport = 3307\n",
        )
        .unwrap();
        assert_eq!(get(&t, "!include[0]"), (&s("/etc/mysql/base.cnf"), 1));
        assert_eq!(get(&t, "!include[1]"), (&s("/etc/mysql/site.cnf"), 10));
        assert_eq!(get(&t, "!includedir[0]"), (&s("/etc/mysql/conf.d"), 9));
        assert_eq!(get(&t, "mysqld.port"), (&s("3307"), 13));
        assert_eq!(get(&t, "mysqld.init_connect").0, &s("SET NAMES utf8mb4"));
        assert_eq!(get(&t, "mysqld.datadir").0, &s("C:\\data\\mysql"));
        assert_eq!(get(&t, "mysqld.tmpdir").0, &s("/tmp\\x"));
        assert_eq!(get(&t, "mysqld.replicate_do_db[0]"), (&s("app"), 7));
        assert_eq!(get(&t, "mysqld.replicate_do_db[1]"), (&s("audit"), 8));
        assert_eq!(t.len(), 9);
    }
}

//! pgbouncer.ini as PgBouncer reads it: libusual's `parse_ini_file` and `cf_set` (the ini
//! syntax and the value setters, usual/cfparser.c) and PgBouncer's `bouncer_params` (src/main.c),
//! as of PgBouncer 1.18. Where generic INI and PgBouncer differ, PgBouncer wins:
//!
//! - A line is, after leading white space: empty; a comment (`#` or `;` first); `%include FILE`
//!   (`%include` and a space or tab); `[section]`; or `key = value`. A key is letters, digits
//!   and `_ . - *` (a quoted or spaced name is a syntax error, and pgbouncer refuses the file);
//!   the value is the rest of the line, blanks after `=` and white space at the end dropped.
//!   Nothing is unquoted: `pool_mode = "session"` is refused, `server_reset_query = 'x'` keeps
//!   its quotes. `#` and `;` later in the line are part of the value.
//! - Sections are matched exactly (`[PgBouncer]` is refused); only `[pgbouncer]`, `[databases]`,
//!   `[users]` (and 1.19's `[peers]`) are read. Text after a section's `]` is read as a line of
//!   its own, as pgbouncer reads on from there. Each header is recorded in order as top-level
//!   `%section[0]`, `%section[1]`, ... (the section's name, at its line): where an `%include`
//!   stands in a section, and what section an included file leaves its includer in, depend on
//!   them ([`super::pgbouncer_includes`]); their own changes are none (the keys say what they do).
//! - A key before any section (or after an `%include` before any section) is top-level, its
//!   value as written: an included file's lines are in the section the include stands in. In
//!   the file pgbouncer reads first, that is refused ([`crate::pipeline::program`]).
//! - `[pgbouncer]` keys are matched exactly too (`Pool_Mode` is an unknown key, which pgbouncer
//!   refuses: the version's table says so, [`crate::pipeline::program`]). The last value wins.
//!   Each `[pgbouncer]` header sets every key that has a default back to it (`fill_defaults`), so
//!   what a second header follows is gone, but for the keys without one (`auth_file`, ...).
//! - Values of `[pgbouncer]` keys as PgBouncer's own table types them (generated from the
//!   program, [`super::defaults::pgbouncer_spellings`]): integers as `strtol(.., 0)` reads them
//!   (`0x10` and `020` are 16) and stored in a C `int`; times in seconds with fractions
//!   (`1.5`, `15e0`), kept to the microsecond; enum words in any case (`Transaction`).
//!   A value pgbouncer would refuse stays as written (and is refused with the version known),
//!   even when a later line sets the key again: pgbouncer stops at the first such line.
//! - `[databases]` and `[users]` entries as pgbouncer reads their `key=value` pairs ([`entry`]):
//!   their order, quoting and spacing, a repeated key, `port=5432` are no drift.
//! - `%include FILE` is recorded in order as top-level `%include[0]`, `%include[1]`, ...
//!   (an absolute path is read where it stands: [`super::pgbouncer_includes`]).

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::BTreeMap;

/// The sections pgbouncer reads; any other is refused.
const SECTIONS: &[&str] = &["pgbouncer", "databases", "users", "peers"];

/// C's `isspace` in the C locale.
fn c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*')
}

struct Reader {
    entries: BTreeMap<String, (Value, u32)>,
    section: Option<String>,
    includes: usize,
    headers: usize,
    /// Section headers of any name.
    sections: usize,
}

/// Reads pgbouncer.ini.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut r = Reader {
        entries: BTreeMap::new(),
        section: None,
        includes: 0,
        headers: 0,
        sections: 0,
    };
    for (i, raw) in text.lines().enumerate() {
        r.line(raw, 0, line_number(i))?;
    }
    let mut tree = Tree::new();
    for (path, (value, line)) in r.entries {
        tree.insert(path, value, line);
    }
    Ok(tree)
}

impl Reader {
    fn line(&mut self, raw: &str, from: usize, ln: u32) -> Result<(), ParseError> {
        let rest = &raw[from..];
        let start = from + rest.len() - rest.trim_start_matches(c_space).len();
        let body = raw[start..].trim_end_matches(c_space);
        let err = |at: usize, msg: &str| ParseError::new(ln, column(raw, at), msg.to_string());
        if body.is_empty() || body.starts_with(['#', ';']) {
            return Ok(());
        }
        if let Some(after) = body.strip_prefix("%include")
            && after.starts_with([' ', '\t'])
        {
            let file = after.trim_start_matches([' ', '\t']);
            if file.is_empty() {
                return Err(err(
                    start + body.len(),
                    "expected a file name after %include",
                ));
            }
            let mut path = "%include".to_string();
            push_index(&mut path, self.includes);
            self.includes += 1;
            self.entries.insert(path, (Value::text(file), ln));
            return Ok(());
        }
        if let Some(inner) = body.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                return Err(err(
                    start + body.len(),
                    "expected ']' to close the section name (pgbouncer stops reading here)",
                ));
            };
            let name = &inner[..close];
            if !SECTIONS.contains(&name) {
                return Err(err(
                    start + 1,
                    &format!(
                        "pgbouncer refuses the section [{name}]: it reads [pgbouncer], [databases] and [users], names matched exactly"
                    ),
                ));
            }
            if name == "pgbouncer" {
                self.headers += 1;
                if self.headers > 1 {
                    self.reset_to_defaults();
                }
            }
            let mut path = "%section".to_string();
            push_index(&mut path, self.sections);
            self.sections += 1;
            self.entries.insert(path, (Value::text(name), ln));
            self.section = Some(name.to_string());
            return self.line(raw, start + close + 2, ln);
        }
        let klen = body.find(|c| !key_char(c)).unwrap_or(body.len());
        let key = &body[..klen];
        let after = body[klen..].trim_start_matches([' ', '\t']);
        let Some(value) = after.strip_prefix('=') else {
            return Err(err(
                start + body.len() - after.len(),
                "expected '=' after the key (pgbouncer's keys are letters, digits and _ . - *, unquoted)",
            ));
        };
        if key.is_empty() {
            return Err(err(start, "expected a key before '='"));
        }
        let value = value.trim_start_matches([' ', '\t']);
        let mut path = String::new();
        let Some(section) = &self.section else {
            // In the section the including file is in: as written, until read there.
            push_key(&mut path, key);
            self.entries.insert(path, (Value::text(value), ln));
            return Ok(());
        };
        push_key(&mut path, section);
        push_key(&mut path, key);
        let value = typed(section, key, value);
        // pgbouncer stops at the first value it cannot read, whatever a later line says: that
        // line stays, to be refused with the version's table.
        let unread = |(v, _): &(Value, u32)| !readable(key, v);
        if section != "pgbouncer" || !self.entries.get(&path).is_some_and(unread) {
            self.entries.insert(path, (value, ln));
        }
        Ok(())
    }

    /// A second `[pgbouncer]` header: every key with a default goes back to it.
    fn reset_to_defaults(&mut self) {
        self.entries.retain(|path, _| kept_by_header(path));
    }
}

/// Whether a key (`pgbouncer.pool_mode`) stays when a `[pgbouncer]` header is read: not a
/// `[pgbouncer]` key, or one without a default (`fill_defaults` sets the others back).
pub fn kept_by_header(path: &str) -> bool {
    let table = super::defaults::pgbouncer_spellings();
    match path.strip_prefix("pgbouncer.") {
        Some(key) => table.default_text(key).is_none() || table.keeps(key),
        None => true,
    }
}

/// A value of `key` in `section` as pgbouncer reads it.
pub fn typed(section: &str, key: &str, value: &str) -> Value {
    match section {
        "pgbouncer" => pgbouncer_value(key, value),
        "databases" | "users" => {
            Value::text(entry(section, key, value).unwrap_or_else(|_| value.to_string()))
        }
        _ => Value::text(value),
    }
}

/// A `[pgbouncer]` value as PgBouncer reads it, from its own table
/// ([`super::defaults::pgbouncer_spellings`]): an integer key's value that `strtol` reads whole
/// is its number (as a C `int`, or `unsigned int`), a time is its seconds to the microsecond,
/// an enum word in any case is the word pgbouncer prints; anything else stays as written.
pub fn pgbouncer_value(key: &str, text: &str) -> Value {
    let table = super::defaults::pgbouncer_spellings();
    let amount = match table.vartype(key) {
        Some("INT") => strtol(text).map(|n| f64::from(n as i32)),
        Some("UINT") => strtol(text).map(|n| f64::from(n as u32)),
        Some("TIME") => seconds(text),
        Some("ENUM") => {
            return Value::text(table.enum_value(key, text).unwrap_or(text));
        }
        _ => None,
    };
    match amount {
        Some(amount) => Value::Quantity {
            amount,
            text: text.to_string(),
        },
        None => Value::text(text),
    }
}

/// Whether pgbouncer reads `value` (as [`pgbouncer_value`] typed it) for `key`: a number or
/// time it could read, an enum word it knows; any string, and any value of a key it does not
/// know (refused as unknown instead).
pub fn readable(key: &str, value: &Value) -> bool {
    let table = super::defaults::pgbouncer_spellings();
    match table.vartype(key) {
        Some("INT" | "UINT" | "TIME") => matches!(value, Value::Quantity { .. }),
        Some("ENUM") => table.enum_value(key, &value.to_string()).is_some(),
        _ => true,
    }
}

/// What a `[databases]` entry's connection string may set (src/loader.c, `parse_database`).
const DATABASE_PARAMETERS: &[&str] = &[
    "dbname",
    "host",
    "port",
    "user",
    "password",
    "auth_user",
    "client_encoding",
    "datestyle",
    "timezone",
    "pool_size",
    "min_pool_size",
    "reserve_pool",
    "max_db_connections",
    "pool_mode",
    "connect_query",
    "application_name",
];

/// What a `[users]` entry may set (`parse_user`).
const USER_PARAMETERS: &[&str] = &["pool_mode", "max_user_connections"];

/// Parameters read with `atoi`.
const NUMBERS: &[&str] = &[
    "port",
    "pool_size",
    "min_pool_size",
    "reserve_pool",
    "max_db_connections",
    "max_user_connections",
];

/// A `[databases]` or `[users]` entry as pgbouncer reads it (`cstr_get_pair`): `key=value`
/// pairs split on spaces, a value in single quotes (`''` for a quote) or up to the next space;
/// the last of a repeated key wins; numbers as `atoi` reads them (`port=05432` is 5432);
/// `pool_mode` in any case. Written back in one order, quoted only where needed, without what
/// is the default anyway (`port=5432`, a `dbname` that is the entry's name), so that the order
/// of the pairs, their quoting and spacing are no drift. `*` (the fallback database) is kept
/// as written, as pgbouncer keeps it. Why pgbouncer refuses it, when it does.
pub fn entry(section: &str, name: &str, text: &str) -> Result<String, String> {
    let databases = section == "databases";
    if databases && name == "*" {
        return Ok(text.to_string());
    }
    if databases && name == "pgbouncer" {
        return Err("the database name \"pgbouncer\" is reserved (the admin console)".into());
    }
    let known = if databases {
        DATABASE_PARAMETERS
    } else {
        USER_PARAMETERS
    };
    let b = text.as_bytes();
    let mut pairs: BTreeMap<&str, String> = BTreeMap::new();
    let mut p = 0;
    let skip = |mut p: usize| {
        while b.get(p) == Some(&b' ') {
            p += 1;
        }
        p
    };
    loop {
        p = skip(p);
        if p >= b.len() {
            break;
        }
        let start = p;
        while p < b.len() && b[p] != b'=' && b[p] != b' ' {
            p += 1;
        }
        let key = &text[start..p];
        p = skip(p);
        if key.is_empty() || b.get(p) != Some(&b'=') {
            return Err(format!(
                "syntax error in the connection string at {:?}",
                &text[start..]
            ));
        }
        p = skip(p + 1);
        let mut value = String::new();
        if b.get(p) == Some(&b'\'') {
            p += 1;
            loop {
                match b.get(p) {
                    None => return Err("a quoted value is not closed".into()),
                    Some(b'\'') if b.get(p + 1) == Some(&b'\'') => {
                        value.push('\'');
                        p += 2;
                    }
                    Some(b'\'') => break,
                    Some(_) => {
                        let c = text[p..].chars().next().unwrap_or(' ');
                        value.push(c);
                        p += c.len_utf8();
                    }
                }
            }
            // The byte after the closing quote is cut off, whatever it is.
            p += 1;
        } else {
            let from = p;
            while p < b.len() && b[p] != b' ' {
                p += 1;
            }
            value.push_str(&text[from..p]);
        }
        if p < b.len() {
            p += 1;
        }
        if value.is_empty() {
            return Err(format!("an empty value for {key}"));
        }
        let Some(&key) = known.iter().find(|k| **k == key) else {
            return Err(format!("unrecognized parameter {key}"));
        };
        if NUMBERS.contains(&key) {
            value = atoi(&value).to_string();
        }
        if key == "port" && value == "0" {
            return Err(format!("invalid port {value}"));
        }
        if key == "pool_mode" {
            let table = super::defaults::pgbouncer_spellings();
            match table.enum_value("pool_mode", &value) {
                Some(v) => value = v.to_string(),
                None => return Err(format!("invalid pool mode {value}")),
            }
        }
        pairs.insert(key, value);
    }
    if pairs.get("port").is_some_and(|p| p == "5432") {
        pairs.remove("port");
    }
    if pairs.get("dbname").is_some_and(|d| d == name) {
        pairs.remove("dbname");
    }
    let quoted = |v: &str| {
        if v.contains([' ', '\'']) {
            format!("'{}'", v.replace('\'', "''"))
        } else {
            v.to_string()
        }
    };
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", quoted(v)))
        .collect::<Vec<_>>()
        .join(" "))
}

/// C's `atoi`: leading white space, a sign, digits up to the first other byte; 0 for none.
fn atoi(text: &str) -> i32 {
    let t = text.trim_start_matches(c_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit);
    let n = digits.fold(0i64, |n, d| {
        n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
    });
    (if negative { n.wrapping_neg() } else { n }) as i32
}

/// C's `strtol(text, &end, 0)` when it reads the whole text (a value clamped to `long`).
fn strtol(text: &str) -> Option<i64> {
    let t = text.trim_start_matches(c_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, hex)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        n = (n * i128::from(radix) + i128::from(c.to_digit(radix)?)).min(i128::from(u64::MAX));
    }
    let n = if negative { -n } else { n };
    Some(n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// A time as `cf_set_time_usec` reads it: seconds as C's `strtod` reads the whole text, not
/// negative, kept to the microsecond (`usec_t`).
fn seconds(text: &str) -> Option<f64> {
    let t = text.trim_start_matches(c_space);
    let plain = t
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    let v: f64 = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()? as f64
    } else if plain {
        t.parse().ok()?
    } else {
        return None;
    };
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some(((v * 1e6) as u64) as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../fixtures/upstream/pgbouncer/pgbouncer.ini");

    fn value(t: &Tree, key: &str) -> Value {
        t.get(key).unwrap().value.clone()
    }

    #[test]
    fn debians_pgbouncer_ini() {
        let t = parse(SHIPPED).unwrap();
        assert_eq!(value(&t, "pgbouncer.auth_type"), Value::text("md5"));
        assert!(value(&t, "pgbouncer.listen_port").same(&Value::Int(6432)));
        assert_eq!(t.get("pgbouncer.listen_port").unwrap().line, 54);
    }

    #[test]
    fn values_as_pgbouncer_reads_them() {
        let v = pgbouncer_value;
        assert!(v("max_client_conn", "0x10").same(&v("max_client_conn", "16")));
        assert!(v("max_client_conn", "020").same(&v("max_client_conn", "16")));
        assert!(!v("max_client_conn", "16").same(&v("max_client_conn", "17")));
        assert_eq!(v("max_client_conn", "16 "), Value::text("16 "));
        assert_eq!(v("max_client_conn", "08"), Value::text("08"));
        assert_eq!(v("max_client_conn", "yes"), Value::text("yes"));
        assert!(v("max_packet_size", "-1").same(&Value::Int(4_294_967_295)));
        assert!(v("server_lifetime", "3600").same(&v("server_lifetime", "3.6e3")));
        assert!(v("server_lifetime", "1.5").same(&Value::Float(1.5)));
        assert_eq!(v("server_lifetime", "1m"), Value::text("1m"));
        assert_eq!(v("server_lifetime", "-1"), Value::text("-1"));
        assert_eq!(v("pool_mode", "Transaction"), Value::text("transaction"));
        assert_eq!(v("pool_mode", "transactions"), Value::text("transactions"));
        assert_eq!(
            v("server_reset_query", "DISCARD ALL"),
            Value::text("DISCARD ALL")
        );
    }

    #[test]
    fn syntax_pgbouncer_refuses_is_an_error_with_its_line() {
        for (text, line, what) in [
            ("[pgbouncer]\nmax client = 1\n", 2, "expected '='"),
            ("[pgbouncer]\n\"x\" = 1\n", 2, "expected '='"),
            ("[pgbouncer]\n[PgBouncer]\n", 2, "refuses the section"),
            ("[pgbouncer\n", 1, "expected ']'"),
            ("[pgbouncer]\n%include  \n", 2, "expected '='"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn connection_strings_as_pgbouncer_reads_them() {
        let db = |t: &str| entry("databases", "app", t);
        assert_eq!(
            db("port=05432 host='db one'  dbname=app user=x"),
            Ok("host='db one' user=x".to_string())
        );
        assert_eq!(db("user=x host=db"), db(" host=db   user=x "));
        assert_eq!(db("host=a host=b"), db("host=b"));
        assert_eq!(
            db("pool_mode=Transaction"),
            Ok("pool_mode=transaction".into())
        );
        assert_eq!(db("password='it''s'"), Ok("password='it''s'".into()));
        assert_eq!(db(""), Ok(String::new()));
        for bad in [
            "hots=x",
            "port=0",
            "port=x",
            "host=",
            "host",
            "pool_mode=x",
            "host='a",
        ] {
            assert!(db(bad).is_err(), "{bad}");
        }
        assert!(entry("databases", "pgbouncer", "host=a").is_err());
        assert_eq!(
            entry("databases", "*", "host=b  port=1"),
            Ok("host=b  port=1".into())
        );
        assert_eq!(
            entry("users", "u", "max_user_connections=010 pool_mode=session"),
            Ok("max_user_connections=10 pool_mode=session".into())
        );
        assert!(entry("users", "u", "host=a").is_err());
    }

    #[test]
    fn quotes_comments_and_a_second_header() {
        let t = parse(
            "[pgbouncer] ; main\npool_mode = 'session'\nauth_file = a\nmax_client_conn = 5\n\
             server_reset_query = DISCARD ALL; -- x\n[databases]\nx = host=a\n[pgbouncer]\n\
             %include /etc/pgbouncer/more.ini\n",
        )
        .unwrap();
        assert_eq!(value(&t, "pgbouncer.auth_file"), Value::text("a"));
        assert!(t.get("pgbouncer.max_client_conn").is_none());
        assert!(t.get("pgbouncer.pool_mode").is_none());
        assert_eq!(value(&t, "databases.x"), Value::text("host=a"));
        assert_eq!(
            value(&t, "%include[0]"),
            Value::text("/etc/pgbouncer/more.ini")
        );
        let t = parse("[pgbouncer]\nmax_client_conn = 5x\nmax_client_conn = 5\n").unwrap();
        assert_eq!(value(&t, "pgbouncer.max_client_conn"), Value::text("5x"));
        let t = parse("app = host=db\n[databases]\n[pgbouncer] x = 1\n").unwrap();
        assert_eq!(
            t.get("app").map(|e| (e.value.clone(), e.line)),
            Some((Value::text("host=db"), 1))
        );
        assert_eq!(value(&t, "%section[0]"), Value::text("databases"));
        assert_eq!(t.get("%section[1]").unwrap().line, 3);
        assert_eq!(t.get("pgbouncer.x").unwrap().line, 3);
        let t = parse("[pgbouncer]\npool_mode = 'session'\nx = a ; b\n").unwrap();
        assert_eq!(value(&t, "pgbouncer.pool_mode"), Value::text("'session'"));
        assert_eq!(value(&t, "pgbouncer.x"), Value::text("a ; b"));
    }
}

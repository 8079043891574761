//! Where the secrets are in one value (of a key, in a format) or one line of an unknown
//! format, by the [`super::catalogue`]: the whole value, or byte ranges of it. Redaction
//! and fingerprints both start here, so what is hidden is what is fingerprinted.

use super::catalogue::{CATALOGUE, Credential, Key, Part, WORDS};
use super::{declared_not_secret, declared_secret, tokens};
use crate::tree::Value;
use std::ops::Range;

/// What of a value is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hidden {
    Whole,
    /// Byte ranges of the value's text, sorted, not overlapping, not empty.
    Parts(Vec<Range<usize>>),
}

/// The secret parts of `value` at `key` in a file of `format`; `None` when there is none.
pub fn in_value(format: &str, key: &str, value: &Value) -> Option<Hidden> {
    let keyed = !declared_not_secret(key);
    if keyed && declared_secret(key) {
        return Some(Hidden::Whole);
    }
    let text: std::borrow::Cow<str> = match value {
        Value::Str(s) => s.into(),
        Value::Null | Value::EmptyMap | Value::EmptyList => "".into(),
        other => other.to_string().into(),
    };
    if let Some((inner, inner_key)) = entry_of(format, key)
        && let Some(hidden) = in_value(inner.name(), inner_key, value)
    {
        return Some(hidden);
    }
    let mut parts = Vec::new();
    if matches!(format, "k8s" | "yaml")
        && text.contains('\n')
        && crate::normalize::k8s::is_text_entry(key)
    {
        parts.extend(lines_of_a_file(&text));
    }
    for c in applicable(format) {
        if !matches_key(c.key, format, key) || (!keyed && removable(c)) {
            continue;
        }
        match c.part {
            Part::Whole => return Some(whole(&text)),
            part => parts.extend(ranges(part, &text)),
        }
    }
    parts.extend(fingerprints(&text));
    merge(parts)
}

/// The secret parts of a significant line of an unknown format: the whole line when it
/// names a credential or holds a private key block, else its URL passwords, connection
/// string passwords and tokens.
pub fn in_line(text: &str) -> Option<Hidden> {
    if names_credential(text) || tokens::opens_private_key(text) {
        return Some(Hidden::Whole);
    }
    let mut parts = Vec::new();
    for part in [Part::UrlPassword, Part::ConninfoPassword, Part::TokenShapes] {
        parts.extend(ranges(part, text));
    }
    parts.extend(fingerprints(text));
    merge(parts)
}

/// The secret parts of a file held in one value (a ConfigMap entry in no format confdrift
/// reads), each line judged as a line of an unknown format is ([`in_line`]).
fn lines_of_a_file(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match in_line(body) {
            None => {}
            Some(Hidden::Whole) if !body.is_empty() => out.push(at..at + body.len()),
            Some(Hidden::Whole) => {}
            Some(Hidden::Parts(p)) => out.extend(p.into_iter().map(|r| at + r.start..at + r.end)),
        }
        at += line.len();
    }
    out
}

/// Whether a line of free text names a credential (a word of the naming rule).
pub fn names_credential(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// Whether `key` of `format` is a credential by its name: the naming rule, a catalogued
/// setting, or any entry of a credential store.
pub fn key_is_credential(format: &str, key: &str) -> bool {
    if let Some((inner, inner_key)) = entry_of(format, key)
        && key_is_credential(inner.name(), inner_key)
    {
        return true;
    }
    applicable(format)
        .filter(|c| !matches!(c.key, Key::Any))
        .any(|c| matches_key(c.key, format, key))
}

/// The catalogue row a `not_secret` rule on `key` would take away in `format` files.
pub fn removable_row(format: &str, key: &str) -> Option<&'static Credential> {
    applicable(format)
        .filter(|c| removable(c))
        .find(|c| matches_key(c.key, format, key))
}

/// The keys that name a removable row, for testing a rule's key pattern against it.
pub fn row_examples(c: &Credential) -> Vec<String> {
    let names: Vec<&str> = match c.key {
        Key::Words => WORDS.to_vec(),
        Key::Name(n) | Key::Option { name: n, .. } => vec![n],
        Key::Section(s) => return vec![format!("{s}.x")],
        Key::Every | Key::Any | Key::Object { .. } => return Vec::new(),
    };
    names
        .into_iter()
        .flat_map(|n| [n.to_string(), format!("x.{n}"), format!("{n}[0]")])
        .collect()
}

/// `text` with each range replaced by `with(part)`.
pub fn replace(text: &str, parts: &[Range<usize>], with: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 16 * parts.len());
    let mut at = 0;
    for r in parts {
        out.push_str(&text[at..r.start]);
        out.push_str(&with(&text[r.clone()]));
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// In a manifest, the format of the ConfigMap or Secret entry `key` is in, and its key there.
fn entry_of<'k>(format: &str, key: &'k str) -> Option<(crate::normalize::Format, &'k str)> {
    if !matches!(format, "k8s" | "yaml") {
        return None;
    }
    crate::normalize::k8s::entry_key(key)
}

fn applicable(format: &str) -> impl Iterator<Item = &'static Credential> {
    CATALOGUE
        .iter()
        .filter(move |c| c.formats.is_empty() || c.formats.contains(&format))
}

/// Rows a `not_secret` rule can take away: those that make a key a credential by its name.
/// Not the value shapes (a token is a token whatever its key), nor credential stores.
pub fn removable(c: &Credential) -> bool {
    matches!(
        c.key,
        Key::Words | Key::Name(_) | Key::Option { .. } | Key::Section(_)
    )
}

/// A whole value, unless it is one private key block in whitespace: then the block (so that
/// it can be fingerprinted in place, around the quotes or the block scalar that hold it).
fn whole(text: &str) -> Hidden {
    let t = text.trim();
    if let [r] = tokens::ranges(text).as_slice()
        && text[r.clone()] == *t
        && tokens::opens_private_key(t)
    {
        return Hidden::Parts(vec![r.clone()]);
    }
    Hidden::Whole
}

fn matches_key(k: Key, format: &str, key: &str) -> bool {
    match k {
        Key::Any | Key::Every => true,
        Key::Object { kind, fields } => {
            crate::normalize::k8s::under_kind(key, kind)
                && crate::normalize::k8s::object_field(key)
                    .is_some_and(|(k, f, _)| k == kind && fields.contains(&f.as_str()))
        }
        Key::Words => {
            let last = setting_name(key).to_ascii_lowercase();
            // A setting *about* a secret (`password_encryption`, `ssl_key_file`) is not one.
            let about = ["_encryption", "_file", "_path", "_dir"]
                .iter()
                .any(|s| last.ends_with(s));
            !about && WORDS.iter().any(|w| last.contains(w))
        }
        Key::Name(n) => setting_name(key).eq_ignore_ascii_case(n),
        Key::Section(s) => first_segment(key).eq_ignore_ascii_case(s),
        Key::Option { name, min } => {
            let o = option_name(setting_name(key));
            o == name || (format == "mycnf" && o.len() >= min && name.starts_with(o.as_str()))
        }
    }
}

/// A MariaDB option name as the server compares it: lowercase, `_` as `-`, without `--`
/// and `loose-`.
fn option_name(raw: &str) -> String {
    let o = raw.to_ascii_lowercase().replace('_', "-");
    let o = o.trim_start_matches('-');
    o.strip_prefix("loose-").unwrap_or(o).to_string()
}

/// The key's last segment, without quotes or a list index: `password` of
/// `servers[0].password`, `user` of `user[3]`.
pub(super) fn setting_name(key: &str) -> &str {
    let key = strip_index(key);
    let last = match key.strip_suffix('"') {
        Some(inner) => {
            // A quoted segment: back to its opening quote.
            let bytes = inner.as_bytes();
            let mut i = bytes.len();
            while i > 0 && !(bytes[i - 1] == b'"' && (i < 2 || bytes[i - 2] != b'\\')) {
                i -= 1;
            }
            &inner[i..]
        }
        None => key.rsplit('.').next().unwrap_or(key),
    };
    last.trim_matches('"')
}

fn strip_index(mut key: &str) -> &str {
    while let Some(open) = key.strip_suffix(']').and_then(|k| k.rfind('[')) {
        key = &key[..open];
    }
    key
}

fn first_segment(key: &str) -> &str {
    key.split(['.', '['])
        .next()
        .unwrap_or(key)
        .trim_matches('"')
}

fn ranges(part: Part, text: &str) -> Vec<Range<usize>> {
    match part {
        Part::Whole => std::iter::once(0..text.len()).collect(),
        Part::WordsFrom { first, from } => words_from(text, first, from),
        Part::AclRules => acl_passwords(text),
        Part::AfterColon => text
            .find(':')
            .map(|c| c + 1..text.len())
            .into_iter()
            .collect(),
        Part::ConninfoPassword => conninfo_passwords(text),
        Part::UrlPassword => super::url_password_ranges(text),
        Part::TokenShapes => tokens::ranges(text),
    }
}

/// Words with their byte ranges (split on ASCII whitespace).
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &text[at..];
        let start = at + rest.find(|c: char| !c.is_ascii_whitespace())?;
        let end = text[start..]
            .find(|c: char| c.is_ascii_whitespace())
            .map_or(text.len(), |e| start + e);
        at = end;
        Some(start..end)
    })
}

fn words_from(text: &str, first: &str, from: usize) -> Vec<Range<usize>> {
    let w: Vec<Range<usize>> = words(text).collect();
    match (w.first(), w.get(from)) {
        (Some(f), Some(start)) if text[f.clone()].eq_ignore_ascii_case(first) => {
            std::iter::once(start.start..text.len()).collect()
        }
        _ => Vec::new(),
    }
}

/// Redis ACL rules that carry a password or its hash (`ACLSetUser`): `>pass` and `<pass`
/// (add, remove), `#hash` and `!hash`. Words after one that are no ACL rule are taken as
/// the rest of a password written in quotes with spaces, and hidden too.
fn acl_passwords(text: &str) -> Vec<Range<usize>> {
    const RULES: &[&str] = &[
        "on",
        "off",
        "nopass",
        "resetpass",
        "reset",
        "allkeys",
        "resetkeys",
        "allchannels",
        "resetchannels",
        "allcommands",
        "nocommands",
        "clearselectors",
        "sanitize-payload",
        "skip-sanitize-payload",
    ];
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut open = false;
    for w in words(text).skip(1) {
        let word = &text[w.clone()];
        let lower = word.to_ascii_lowercase();
        if word.len() > 1 && word.starts_with(['>', '<', '#', '!']) {
            out.push(w.start + 1..w.end);
            open = true;
        } else if open
            && !word.starts_with(['~', '%', '&', '+', '-', '(', ')'])
            && !RULES.contains(&lower.as_str())
            && let Some(last) = out.last_mut()
        {
            last.end = w.end;
        } else {
            open = false;
        }
    }
    out
}

/// The values of `password=` fields (also `sslpassword=`, `pwd=`, `passwd=`): libpq's
/// `keyword = value` form (quoted `'...'` with `\` escapes, or up to whitespace), a URL's
/// query (`?password=...&`, up to `&` or `#`), and `;`-separated JDBC/ODBC strings.
fn conninfo_passwords(text: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(eq) = lower[from..].find('=').map(|p| from + p) {
        from = eq + 1;
        // The keyword before `=` (spaces allowed between them in libpq's form).
        let before = lower[..eq].trim_end_matches([' ', '\t']);
        let kw_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map_or(0, |p| p + 1);
        let kw = &before[kw_start..];
        let secret = kw.ends_with("password")
            || kw.ends_with("passwd")
            || kw.ends_with("secret")
            || kw == "pwd";
        if !secret {
            continue;
        }
        let sep = kw_start
            .checked_sub(1)
            .map(|p| bytes[p])
            .filter(|b| !b.is_ascii_whitespace());
        let mut start = eq + 1;
        while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') && sep.is_none() {
            start += 1;
        }
        let (s, e) = match (bytes.get(start), sep) {
            (Some(q @ (b'\'' | b'"')), _) => {
                let mut i = start + 1;
                while i < bytes.len() && bytes[i] != *q {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                (start + 1, i.min(bytes.len()))
            }
            (_, Some(b'?' | b'&')) => (start, end_at(text, start, &['&', '#'])),
            (_, Some(b';')) => (
                start,
                text[start..].find(';').map_or(text.len(), |p| start + p),
            ),
            _ => {
                let mut i = start;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                (start, i.min(bytes.len()))
            }
        };
        if e > s {
            out.push(s..e);
            from = e;
        }
    }
    out
}

fn end_at(text: &str, start: usize, stops: &[char]) -> usize {
    text[start..]
        .find(|c: char| stops.contains(&c) || c.is_whitespace())
        .map_or(text.len(), |p| start + p)
}

/// What every fingerprint starts with: then `:` (`fingerprint::PREFIX`), or `$` in formats
/// whose fields `:` separates (a `.pgpass` line, an htpasswd entry).
pub(super) const STEM: &str = "hmac-sha256";

/// Fingerprints written for secrets: they stand for one, and are hidden like one. Found in
/// either spelling (the prefix and its hex digits).
pub(super) fn fingerprints(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = text[from..].find(STEM).map(|p| from + p) {
        let mut end = p + STEM.len();
        if text[end..].starts_with([':', '$']) {
            end += 1;
            end += text[end..]
                .bytes()
                .take_while(u8::is_ascii_hexdigit)
                .count();
            out.push(p..end);
        }
        from = end;
    }
    out
}

/// Sorted, overlapping and touching ranges joined, empty ones dropped; `None` when none.
fn merge(mut parts: Vec<Range<usize>>) -> Option<Hidden> {
    parts.retain(|r| !r.is_empty());
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(parts.len());
    for r in parts {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    Some(Hidden::Parts(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(format: &str, key: &str, value: &str) -> String {
        match in_value(format, key, &Value::text(value)) {
            None => value.to_string(),
            Some(Hidden::Whole) => "[x]".to_string(),
            Some(Hidden::Parts(p)) => replace(value, &p, |_| "[x]".to_string()),
        }
    }

    #[test]
    fn a_manifest_secret_and_the_files_a_configmap_holds() {
        for format in ["k8s", "yaml"] {
            // A Secret: every value of data and stringData, whatever the key.
            assert_eq!(
                shown(format, "Secret/db/pg.data.DB_PASS", "aHVudGVyMg=="),
                "[x]"
            );
            assert_eq!(
                shown(format, "\"Secret/db/pg.v2\".stringData.user", "app"),
                "[x]"
            );
            assert_eq!(shown(format, "Secret/pg.type", "Opaque"), "Opaque");
            assert_eq!(shown(format, "ConfigMap/pg.data.user", "app"), "app");
            // A file in a ConfigMap: its own format's rows (requirepass is no word of the
            // naming rule; userlist.txt is a credential store).
            let redis = "ConfigMap/db/cache.data.\"redis.conf\".requirepass";
            assert_eq!(shown(format, redis, "hunter2"), "[x]");
            assert_eq!(
                shown(
                    format,
                    "ConfigMap/db/cache.data.\"redis.conf\".port",
                    "6379"
                ),
                "6379"
            );
            let users = "Secret/db/b.stringData.\"userlist.txt\".app";
            assert_eq!(shown(format, users, "pw"), "[x]");
            let ini = "ConfigMap/b.data.\"pgbouncer.ini\".databases.app";
            assert_eq!(
                shown(format, ini, "host=db password=pw1 dbname=app"),
                "host=db password=[x] dbname=app"
            );
            // A file in no known format: line by line, as an unknown file's lines.
            let notes = "ConfigMap/b.data.\"app.cfg\"";
            assert_eq!(
                shown(
                    format,
                    notes,
                    "pool=5\nadmin_password=pw2\nurl=postgres://u:pw3@db/x\n"
                ),
                "pool=5\n[x]\nurl=postgres://u:[x]@db/x\n"
            );
        }
        // Not in other formats: a TOML key that looks like a manifest's is a TOML key.
        assert_eq!(shown("toml", "Secret/db/pg.data.user", "app"), "app");
    }

    #[test]
    fn program_settings_by_format() {
        assert_eq!(shown("redis", "requirepass", "foobared"), "[x]");
        assert_eq!(shown("redis", "masterauth", "m"), "[x]");
        assert_eq!(shown("redis", "tls-key-file-pass", "p"), "[x]");
        assert_eq!(shown("redis", "maxclients", "10000"), "10000");
        assert_eq!(
            shown(
                "redis",
                "user[0]",
                "alice on >pw1 #abc ~* +@all >two words -flushall"
            ),
            "alice on >[x] #[x] ~* +@all >[x] -flushall"
        );
        assert_eq!(
            shown("redis", "user[1]", "default on nopass ~* &* +@all"),
            "default on nopass ~* &* +@all"
        );
        assert_eq!(
            shown("redis", "sentinel[3]", "auth-pass mymaster s3 cr3t"),
            "auth-pass mymaster [x]"
        );
        assert_eq!(
            shown("redis", "sentinel[4]", "sentinel-pass pw"),
            "sentinel-pass [x]"
        );
        assert_eq!(
            shown("redis", "sentinel[5]", "monitor mymaster 127.0.0.1 6379 2"),
            "monitor mymaster 127.0.0.1 6379 2"
        );
        // `user` is a Redis ACL line only in Redis files.
        assert_eq!(shown("yaml", "user", "bob >x"), "bob >x");
        assert_eq!(shown("mycnf", "client.password", "p"), "[x]");
        assert_eq!(shown("mycnf", "client.loose-password", "p"), "[x]");
        assert_eq!(shown("mycnf", "client.--password", "p"), "[x]");
        assert_eq!(shown("mycnf", "client.pass", "p"), "[x]");
        assert_eq!(shown("mycnf", "client.pas", "p"), "[x]");
        assert_eq!(shown("mycnf", "client.pa", "p"), "p");
        assert_eq!(
            shown("mycnf", "mysqld.wsrep_sst_auth", "sst:pw:x"),
            "sst:[x]"
        );
        assert_eq!(shown("userlist", "alice", "md5abc"), "[x]");
        assert_eq!(shown("pgpass", "\"db.x:5432:*:app\"", "pw"), "[x]");
        assert_eq!(shown("htpasswd", "bob", "$apr1$x"), "[x]");
    }

    #[test]
    fn connection_strings_anywhere() {
        assert_eq!(
            shown(
                "ini",
                "databases.app",
                "host=db port=5432 password=Old1 user=app"
            ),
            "host=db port=5432 password=[x] user=app"
        );
        assert_eq!(
            shown(
                "pgconf",
                "primary_conninfo",
                "host=p user=r password = 'a b\\' c' sslmode=require"
            ),
            "host=p user=r password = '[x]' sslmode=require"
        );
        assert_eq!(
            shown(
                "yaml",
                "db.url",
                "postgresql://h/db?user=a&password=b%20c&ssl=1"
            ),
            "postgresql://h/db?user=a&password=[x]&ssl=1"
        );
        assert_eq!(
            shown(
                "properties",
                "jdbc",
                "jdbc:sqlserver://h;user=a;Password=p w;x=1"
            ),
            "jdbc:sqlserver://h;user=a;Password=[x];x=1"
        );
        assert_eq!(
            shown("env", "DSN", "host=h sslpassword=k\\ ey dbname=d"),
            "host=h sslpassword=[x] dbname=d"
        );
        assert_eq!(shown("yaml", "note", "a=b c=d"), "a=b c=d");
        // PgBouncer's auth_query reads a password column; it holds none.
        let q = "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END FROM pg_authid WHERE rolname=$1";
        assert_eq!(shown("ini", "pgbouncer.auth_query", q), q);
        assert_eq!(
            shown("yaml", "u", "postgres://u:p@h/d"),
            "postgres://u:[x]@h/d"
        );
    }

    #[test]
    fn token_shapes_whatever_the_key() {
        assert_eq!(
            shown(
                "yaml",
                "deploy.note",
                "use ghp_0123456789abcdefghijklmnopqrstuvwxyz now"
            ),
            "use [x] now"
        );
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(shown("yaml", "tls.material", pem), "[x]\n");
        // A secret key holding only a private key block: the block, not its whitespace.
        assert_eq!(shown("yaml", "tls.private_key", pem), "[x]\n");
    }

    #[test]
    fn names_and_lines() {
        assert!(key_is_credential("redis", "requirepass"));
        assert!(key_is_credential("yaml", "a.db_password"));
        assert!(!key_is_credential("yaml", "requirepass"));
        assert!(!key_is_credential("pgconf", "password_encryption"));
        assert_eq!(setting_name("a.\"b.c\""), "b.c");
        assert_eq!(setting_name("servers[0].password"), "password");
        assert_eq!(setting_name("user[12]"), "user");
        assert_eq!(in_line("auth password=abc"), Some(Hidden::Whole));
        assert_eq!(
            in_line("server db host=x pwd=abc"),
            Some(Hidden::Parts(std::iter::once(21..24).collect()))
        );
        assert_eq!(in_line("listen 80"), None);
    }
}

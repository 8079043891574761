//! Redaction of secret values, applied before a report is built, so that no writer, log or
//! file ever sees one. What is secret is decided in one place: the [`catalogue`] of what each
//! program treats as a credential (by format and key, and by the value's shape in every
//! format), applied by [`spans`], plus the config's `secret = true` rules.
//!
//! In the baseline, secrets are kept as keyed fingerprints (`hmac-sha256:<hex>`, see
//! [`fingerprint`]), written by `accept` and `init --from-live` and matched by `check`.

pub mod catalogue;
#[cfg(test)]
mod catalogue_tests;
mod fingerprint;
pub mod key;
pub mod leak;
pub mod spans;
pub mod tokens;

pub use fingerprint::{
    NO_KEY, PREFIX, ProtectError, fingerprint, is_fingerprint, match_fingerprints, protect_file,
    protect_line, protect_value, unverified_problem,
};
pub use key::{HOW_TO, KeySource, SecretKey};
pub use spans::Hidden;

use crate::keyglob::KeyGlob;
use crate::normalize::Format;
use crate::tree::Value;
use std::sync::RwLock;

pub const REDACTED: &str = "[redacted]";

/// Whether the whole value at `key` of a `format` file is a secret by the key alone (the
/// naming rule, a catalogued setting, or a `secret = true` rule).
pub fn is_secret_key(format: Format, key: &str) -> bool {
    declared_secret(key)
        || (!declared_not_secret(key) && spans::key_is_credential(format.name(), key))
}

/// Key patterns of the config's `secret = true` rules, and of its `not_secret = "..."` rules.
/// They apply to the key in every file, whatever the rule's `file`/`group`/`host`: hiding a
/// value once too often is harmless, showing it once is not, and a `not_secret` rule is an
/// explicit, reasoned exception.
static DECLARED: RwLock<Vec<KeyGlob>> = RwLock::new(Vec::new());
static NOT_SECRET: RwLock<Vec<KeyGlob>> = RwLock::new(Vec::new());

/// Sets the `secret = true` and `not_secret` key patterns (when a config file is loaded).
pub fn declare_secrets(secret: Vec<KeyGlob>, not_secret: Vec<KeyGlob>) {
    if let Ok(mut d) = DECLARED.write() {
        *d = secret;
    }
    if let Ok(mut d) = NOT_SECRET.write() {
        *d = not_secret;
    }
}

fn declared_secret(key: &str) -> bool {
    DECLARED
        .read()
        .map(|d| d.iter().any(|g| g.is_match(key)))
        .unwrap_or(true)
}

fn declared_not_secret(key: &str) -> bool {
    NOT_SECRET
        .read()
        .map(|d| d.iter().any(|g| g.is_match(key)))
        .unwrap_or(false)
}

/// The built-in credential a rule's key pattern names in some format (what `secret = false`
/// would take away), as the catalogue's setting.
pub fn names_builtin(key: &KeyGlob) -> Option<&'static str> {
    if let Some(lit) = key.literal() {
        for name in Format::names() {
            if let Some(c) = spans::removable_row(name, lit) {
                return Some(c.setting);
            }
        }
    }
    catalogue::CATALOGUE
        .iter()
        .filter(|c| spans::removable(c))
        .find(|c| spans::row_examples(c).iter().any(|k| key.is_match(k)))
        .map(|c| c.setting)
}

/// The value as it may be shown for `key` of a `format` file. In an unknown format (`key`
/// is a hunk header), each line of the hunk is judged on its own.
pub fn redact(format: Format, key: &str, value: &Value) -> Value {
    if format == Format::Text {
        let Value::Str(s) = value else {
            return value.clone();
        };
        let lines: Vec<String> = s
            .split('\n')
            .map(|line| match spans::in_line(line) {
                None => line.to_string(),
                Some(Hidden::Whole) => REDACTED.to_string(),
                Some(Hidden::Parts(p)) => spans::replace(line, &p, |_| REDACTED.to_string()),
            })
            .collect();
        return Value::Str(lines.join("\n"));
    }
    match spans::in_value(format.name(), key, value) {
        None => value.clone(),
        Some(Hidden::Whole) => Value::text(REDACTED),
        Some(Hidden::Parts(p)) => Value::Str(spans::replace(&value.to_string(), &p, |_| {
            REDACTED.to_string()
        })),
    }
}

/// Where the passwords of the URLs in `s` are (`pass` in `scheme://user:pass@host/...`):
/// the text between the user name's `:` and the last `@` before the URL ends (whitespace),
/// so that a password holding `/`, `?` or `#` unencoded is hidden whole. Not a user-info:
/// a "user name" holding `/`, `?` or `#` (`http://h/a:b@c`), or a port before the path
/// (`postgres://db:5432/app?user=a@b`). Possibly empty ranges.
pub(crate) fn url_password_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = s[from..].find("://") {
        let start = from + pos + 3;
        let tail = &s[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = &tail[..end];
        from = start + end;
        let (Some(at), Some(colon)) = (url.rfind('@'), url.find(':')) else {
            continue;
        };
        if colon > at || url[..colon].contains(['/', '?', '#', '@']) {
            continue;
        }
        let pass = &url[colon + 1..at];
        let digits = pass.bytes().take_while(u8::is_ascii_digit).count();
        let port = digits > 0 && pass[digits..].starts_with(['/', '?', '#']);
        if !port {
            out.push(start + colon + 1..start + at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str) -> Format {
        Format::from_name(name).unwrap()
    }

    #[test]
    fn secret_keys_by_name_and_catalogue() {
        let yaml = f("yaml");
        assert!(is_secret_key(yaml, "production.password"));
        assert!(is_secret_key(
            f("properties"),
            "spring.datasource.DB_PASSWORD"
        ));
        assert!(is_secret_key(yaml, "auth.api_key"));
        assert!(!is_secret_key(f("pgconf"), "password_encryption"));
        assert!(!is_secret_key(yaml, "auth_file.password_file"));
        assert!(!is_secret_key(yaml, "production.pool"));
        assert!(is_secret_key(f("redis"), "requirepass"));
        assert!(!is_secret_key(yaml, "requirepass"));
    }

    #[test]
    fn url_passwords_are_hidden_and_the_rest_kept() {
        let yaml = f("yaml");
        let v = redact(
            yaml,
            "db.url",
            &Value::text("postgres://app:s3cr3t@db-1:5432/app?sslmode=require"),
        );
        assert_eq!(
            v,
            Value::text("postgres://app:[redacted]@db-1:5432/app?sslmode=require")
        );
        for plain in [
            "http://example.com/a:b@c",
            "postgres://db:5432/app?user=a@b",
            "see http://h:1/x and mail a:b@c",
        ] {
            assert_eq!(redact(yaml, "u", &Value::text(plain)), Value::text(plain));
        }
        assert_eq!(
            redact(yaml, "u", &Value::text("redis://:p/a?b#c@h:6379/0 x")),
            Value::text("redis://:[redacted]@h:6379/0 x")
        );
        assert_eq!(
            redact(yaml, "x.token", &Value::Int(5)),
            Value::text(REDACTED)
        );
        let hunk = Value::text(format!(
            "a = 1\n{PREFIX}{}\nauth password=x",
            "0".repeat(64)
        ));
        assert_eq!(
            redact(Format::Text, "@@ -1,2 +1,2 @@", &hunk),
            Value::text("a = 1\n[redacted]\n[redacted]")
        );
    }
}

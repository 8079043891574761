//! Redaction of secret values, applied before a report is built, so that no writer, log or
//! file ever sees one. A key is secret when its last segment names a credential; any value
//! holding a URL with a password (`postgres://user:pass@host`) has that password hidden.

use crate::tree::Value;

pub const REDACTED: &str = "[redacted]";

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "private_key",
    "private-key",
    "credential",
];

/// Whether the value at `key` is a secret by its name.
pub fn is_secret_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    // A setting *about* a secret (`password_encryption`, `ssl_key_file`) is not one.
    let about = ["_encryption", "_file", "_path", "_dir"]
        .iter()
        .any(|s| last.ends_with(s));
    !about && SECRET_WORDS.iter().any(|w| last.contains(w))
}

/// The value as it may be shown for `key`.
pub fn redact(key: &str, value: &Value) -> Value {
    if is_secret_key(key) {
        return Value::text(REDACTED);
    }
    match value {
        Value::Str(s) => {
            // Free text (a line of an unknown format) that names a credential is hidden whole.
            let lower = s.to_ascii_lowercase();
            if key.starts_with("@@") && SECRET_WORDS.iter().any(|w| lower.contains(w)) {
                return Value::text(REDACTED);
            }
            match redact_url_passwords(s) {
                Some(clean) => Value::Str(clean),
                None => value.clone(),
            }
        }
        _ => value.clone(),
    }
}

/// `scheme://user:pass@host/...` → `scheme://user:[redacted]@host/...`, for every URL in `s`.
/// `None` when there was nothing to hide.
fn redact_url_passwords(s: &str) -> Option<String> {
    if !s.contains("://") {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut changed = false;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon + 1]);
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
                changed = true;
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_by_name() {
        assert!(is_secret_key("production.password"));
        assert!(is_secret_key("spring.datasource.DB_PASSWORD"));
        assert!(is_secret_key("auth.api_key"));
        assert!(!is_secret_key("password_encryption"));
        assert!(!is_secret_key("auth_file.password_file"));
        assert!(!is_secret_key("production.pool"));
    }

    #[test]
    fn url_passwords_are_hidden_and_the_rest_kept() {
        let v = redact(
            "db.url",
            &Value::text("postgres://app:s3cr3t@db-1:5432/app?sslmode=require"),
        );
        assert_eq!(
            v,
            Value::text("postgres://app:[redacted]@db-1:5432/app?sslmode=require")
        );
        let plain = Value::text("http://example.com/a:b@c");
        assert_eq!(redact("u", &plain), plain);
        assert_eq!(redact("x.token", &Value::Int(5)), Value::text(REDACTED));
    }
}

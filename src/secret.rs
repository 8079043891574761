//! Redaction of secret values, applied before a report is built, so that no writer, log or
//! file ever sees one. A key is secret when its last segment names a credential; any value
//! holding a URL with a password (`postgres://user:pass@host`) has that password hidden.
//!
//! In the baseline, secrets are kept as keyed fingerprints (`hmac-sha256:<hex>`, see
//! [`fingerprint`]), written by `accept` and `init --from-live` and matched by `check`.

mod fingerprint;
pub mod key;

pub use fingerprint::{
    NO_KEY, PREFIX, ProtectError, fingerprint, is_fingerprint, match_fingerprints, protect_file,
    protect_line, protect_value, unverified_problem,
};
pub use key::{HOW_TO, KeySource, SecretKey};

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

/// Whether the value at `key` is a secret by its name. The one place that decides it, for
/// redaction and for the fingerprints in the baseline alike (rule-declared `secret = true`
/// keys belong here too).
pub fn is_secret_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    // A setting *about* a secret (`password_encryption`, `ssl_key_file`) is not one.
    let about = ["_encryption", "_file", "_path", "_dir"]
        .iter()
        .any(|s| last.ends_with(s));
    (!about && SECRET_WORDS.iter().any(|w| last.contains(w))) || declared_secret(key)
}

/// Key patterns of the config's `secret = true` rules. They apply to the key in every file,
/// whatever the rule's `file`/`group`/`host`: hiding a value once too often is harmless, showing
/// it once is not.
static DECLARED: std::sync::RwLock<Vec<crate::rules::keyglob::KeyGlob>> =
    std::sync::RwLock::new(Vec::new());

/// Sets the `secret = true` key patterns (when a config file is loaded).
pub fn declare_secrets(patterns: Vec<crate::rules::keyglob::KeyGlob>) {
    if let Ok(mut d) = DECLARED.write() {
        *d = patterns;
    }
}

fn declared_secret(key: &str) -> bool {
    DECLARED
        .read()
        .map(|d| d.iter().any(|g| g.is_match(key)))
        .unwrap_or(true)
}

/// Whether a line of free text (an unknown format) names a credential: it is then a secret
/// as a whole.
pub(crate) fn names_credential(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// The value as it may be shown for `key`.
pub fn redact(key: &str, value: &Value) -> Value {
    if is_secret_key(key) {
        return Value::text(REDACTED);
    }
    match value {
        Value::Str(s) => {
            // Free text (a line of an unknown format) that names a credential is hidden whole,
            // and so is one holding a fingerprint of such a line (it stood for a secret).
            if key.starts_with("@@") && (names_credential(s) || s.contains(PREFIX)) {
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
    let ranges = url_password_ranges(s);
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&s[at..r.start]);
        out.push_str(REDACTED);
        at = r.end;
    }
    out.push_str(&s[at..]);
    Some(out)
}

/// Where the passwords of the URLs in `s` are (`pass` in `scheme://user:pass@host/...`): the
/// text between the first `:` and the last `@` of each authority. Possibly empty ranges.
pub(crate) fn url_password_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = s[from..].find("://") {
        let start = from + pos + 3;
        let tail = &s[start..];
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        if let (Some(at), Some(colon)) = (authority.rfind('@'), authority.find(':'))
            && colon < at
        {
            out.push(start + colon + 1..start + at);
        }
        from = start + end;
    }
    out
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
        let hunk = Value::text(format!("a = 1\n{PREFIX}{}", "0".repeat(64)));
        assert_eq!(redact("@@ -1,2 +1,2 @@", &hunk), Value::text(REDACTED));
    }
}

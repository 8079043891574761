//! Defense in depth for `accept` and `init`: the secret values seen in the live files, and a
//! scan of every file about to be written to the baseline for any of them in clear. The
//! fingerprints should already have replaced each; a value found anyway (in a comment, under
//! another key, in another host's file) refuses the write, naming the file and line.

#[cfg(test)]
use super::fingerprint::PREFIX;
use super::fingerprint::spots_text;
use crate::normalize::Format;
use std::collections::BTreeSet;

/// Secrets shorter than this are not looked for: they would match ordinary text by chance
/// (a password of a few characters is no protection either way).
pub const MIN_LEN: usize = 6;

/// Secret values seen in clear in the live files of one run.
#[derive(Debug, Default)]
pub struct Seen(BTreeSet<String>);

impl Seen {
    /// Records the secrets of a live file (read as `format`).
    pub fn add_file(&mut self, format: Format, bytes: &[u8]) {
        let Ok(doc) = format.parse(bytes) else {
            return;
        };
        for text in spots_text(format, &doc) {
            self.add(&text);
        }
    }

    fn add(&mut self, text: &str) {
        // A private key block or a whole line: its long words are what would show.
        if text.contains('\n') || text.trim().contains(char::is_whitespace) {
            self.0.extend(
                text.split_whitespace()
                    .filter(|w| w.len() >= 16 && !w.starts_with("-----"))
                    .map(str::to_string),
            );
        }
        let t = text.trim();
        if t.len() >= MIN_LEN && !t.contains('\n') {
            self.0.insert(t.to_string());
        }
    }

    pub fn merge(&mut self, other: &Seen) {
        self.0.extend(other.0.iter().cloned());
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first line of `bytes` (1-based) holding a seen secret in clear, with what it is
    /// (never the secret itself).
    pub fn find_in(&self, bytes: &[u8]) -> Option<u32> {
        if self.0.is_empty() {
            return None;
        }
        // Decoded as the readers decode it, so a secret holding bytes that are not UTF-8
        // is found as it was seen.
        let text = crate::normalize::raw::decode(bytes);
        for (i, line) in text.lines().enumerate() {
            let line = without_fingerprints(line);
            let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if self
                .0
                .iter()
                .any(|s| line.contains(s.as_str()) || collapsed.contains(s.as_str()))
            {
                return Some(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        None
    }
}

/// `line` with each fingerprint taken out (a short secret could be a run of its digits).
fn without_fingerprints(line: &str) -> std::borrow::Cow<'_, str> {
    let found = super::spans::fingerprints(line);
    if found.is_empty() {
        return line.into();
    }
    super::spans::replace(line, &found, |_| " ".to_string()).into()
}

/// Refuses when any file about to be written holds a seen secret in clear: `files` are
/// (path as the message names it, content).
pub fn refuse_leaks<'a>(
    seen: &Seen,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<(), String> {
    let found: Vec<String> = files
        .into_iter()
        .filter_map(|(path, bytes)| seen.find_in(bytes).map(|l| format!("{path}:{l}")))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(format!(
        "nothing written: a secret value seen in the live files would be written in clear at {} \
         (a comment, another key or another host's file repeats it, where it cannot be \
         fingerprinted); remove it there, or rotate the secret",
        found.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(format: &str, text: &str) -> Seen {
        let mut s = Seen::default();
        s.add_file(Format::from_name(format).unwrap(), text.as_bytes());
        s
    }

    #[test]
    fn secrets_of_a_file_are_found_elsewhere() {
        let s = seen(
            "redis",
            "requirepass Hunter2-prod\nuser app on >Pw-app-77 ~* +@all\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s.find_in(b"a\n# old: requirepass Hunter2-prod\n"), Some(2));
        assert_eq!(s.find_in(b"x  Pw-app-77\n"), Some(1));
        assert_eq!(s.find_in(b"requirepass hmac-sha256:00ff\n"), None);
        let err = refuse_leaks(&s, [("groups/a/redis.conf", &b"\nHunter2-prod"[..])]).unwrap_err();
        assert!(err.contains("groups/a/redis.conf:2"), "{err}");
        assert!(!err.contains("Hunter2"), "{err}");
    }

    #[test]
    fn short_secrets_and_fingerprint_digits_are_not_matched() {
        let s = seen("yaml", "password: abc\ntoken: abcdef\n");
        assert_eq!(s.len(), 1);
        let fp = format!("x: {PREFIX}00abcdef00\n");
        assert_eq!(s.find_in(fp.as_bytes()), None);
        assert_eq!(s.find_in(b"y: abcdef\n"), Some(1));
    }

    #[test]
    fn a_private_key_block_is_looked_for_by_its_lines() {
        let body = "MIIEowIBAAKCAQEA7bq98pXY";
        let s = seen(
            "env",
            &format!(
                "KEY=\"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\"\n"
            ),
        );
        assert_eq!(s.find_in(format!("# {body}\n").as_bytes()), Some(1));
    }
}

//! Secrets in the baseline: never in clear, always as a keyed fingerprint
//! (`hmac-sha256:<64 hex digits>`, HMAC-SHA256 of the value under the secret key) written at
//! the value's own place in the file. `accept` writes them ([`protect_file`]); `check` matches
//! a live secret against its fingerprint ([`match_fingerprints`]), so an unchanged secret is no
//! drift and a rotated one is still found.
//!
//! What is protected is what redaction hides: the whole value of a secret key, each password
//! of a URL (`postgres://app:<fingerprint>@db/app`), and a whole line of an unknown format
//! that names a credential.

use super::key::{self, HOW_TO, SecretKey};
use super::spans::{self, Hidden, STEM};
use super::tokens;
use crate::diff::Change;
use crate::normalize::{Document, Format};
use crate::report::{Kind, Problem};
use crate::tree::Value;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// How a refusal for want of a key is worded (callers add [`HOW_TO`] once).
pub const NO_KEY: &str = "no secret key is configured to fingerprint it";

/// What every fingerprint starts with.
pub const PREFIX: &str = "hmac-sha256:";

/// How a fingerprint is spelled in a `format` file.
fn spelled(format: Format, fp: String) -> String {
    match format.name() {
        "pgpass" | "htpasswd" => fp.replacen(PREFIX, "hmac-sha256$", 1),
        _ => fp,
    }
}

/// `hmac-sha256:<hex>` of `text` under `key`.
pub fn fingerprint(key: &SecretKey, text: &str) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.bytes)
        .expect("HMAC-SHA256 accepts a key of any length");
    // Over the value's bytes as the file holds them (see `normalize::raw`).
    mac.update(&crate::normalize::raw::encode(text));
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for b in mac.finalize().into_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Whether `s` is one fingerprint, in either spelling.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix(STEM)
        .and_then(|h| h.strip_prefix([':', '$']))
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The form `value` (at key `path` of a `format` file) takes in the baseline; `None` when it
/// holds no secret still in clear.
pub fn protect_value(key: &SecretKey, format: Format, path: &str, value: &Value) -> Option<Value> {
    let text = value.to_string();
    let out = match spans::in_value(format.name(), path, value)? {
        Hidden::Whole => {
            if matches!(value, Value::Null | Value::EmptyMap | Value::EmptyList)
                || text.is_empty()
                || is_fingerprint(&text)
            {
                return None;
            }
            spelled(format, fingerprint(key, &text))
        }
        Hidden::Parts(parts) => protect_parts(key, &text, &parts, format)?,
    };
    Some(Value::Str(out))
}

/// The form a significant line of an unknown format takes in the baseline; `None` when it
/// holds no secret still in clear.
pub fn protect_line(key: &SecretKey, text: &str) -> Option<String> {
    match spans::in_line(text)? {
        Hidden::Whole => (!is_fingerprint(text)).then(|| fingerprint(key, text)),
        Hidden::Parts(parts) => protect_parts(key, text, &parts, Format::Text),
    }
}

/// `text` with each part not yet a fingerprint fingerprinted; `None` when none is left.
fn protect_parts(
    key: &SecretKey,
    text: &str,
    parts: &[std::ops::Range<usize>],
    format: Format,
) -> Option<String> {
    let clear: Vec<_> = parts
        .iter()
        .filter(|r| !is_fingerprint(&text[(*r).clone()]))
        .cloned()
        .collect();
    (!clear.is_empty())
        .then(|| spans::replace(text, &clear, |p| spelled(format, fingerprint(key, p))))
}

/// Why a file could not be written to the baseline with its secrets protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectError {
    pub line: u32,
    pub column: Option<u32>,
    pub message: String,
}

/// One secret to replace in a file's text.
struct Spot {
    line: u32,
    /// For messages: `key production.password`, `a line naming a credential`.
    what: String,
    edit: Edit,
}

enum Edit {
    /// Replace `needle` (looked for after `after` when that is on the line) by its fingerprint;
    /// `whole`: the needle is the whole value (quoted when the format needs it). `below`: how
    /// many lines after the spot's the needle may be on (a part of a value written over
    /// several lines, such as a literal block: as many as the value holds line breaks before
    /// the part, which escapes on one line also give).
    Value {
        needle: String,
        after: Option<String>,
        whole: bool,
        below: u32,
    },
    /// Replace the private key block that starts at or after the line (its markers are
    /// written verbatim whatever escapes or block scalar hold its lines) by the fingerprint
    /// of the block as read.
    Block { text: String },
    /// Replace the content of lines `line..=last` by the fingerprint of their normalized
    /// `text`.
    Line { text: String, last: u32 },
}

/// `bytes` (a file read as `format`) with every secret replaced by its fingerprint, in place.
/// The result is parsed again and must mean the same with only the secrets fingerprinted;
/// anything else is refused rather than written. With no secret, the bytes are unchanged and
/// no key is needed.
pub fn protect_file(
    format: Format,
    bytes: &[u8],
    key: Option<&SecretKey>,
) -> Result<Vec<u8>, ProtectError> {
    let doc = format.parse(bytes).map_err(|e| ProtectError {
        line: e.line,
        column: Some(e.column),
        message: format!("does not parse as {}: {}", format.name(), e.message),
    })?;
    let spots = spots(format, &doc);
    let Some(first) = spots.first() else {
        return Ok(bytes.to_vec());
    };
    let Some(key) = key else {
        return Err(ProtectError {
            line: first.line,
            column: None,
            message: format!(
                "holds a secret ({}) and {NO_KEY} (secrets are never written to the baseline in clear)",
                first.what
            ),
        });
    };
    let new = rewrite(format, bytes, &spots, key)?;
    verify(format, &doc, &new, key)?;
    Ok(new)
}

/// The secrets of a parsed file still in clear, as read (for the leak scan).
pub(super) fn spots_text(format: Format, doc: &Document) -> Vec<String> {
    spots(format, doc)
        .into_iter()
        .map(|s| match s.edit {
            Edit::Value { needle, .. } => needle,
            Edit::Block { text } | Edit::Line { text, .. } => text,
        })
        .collect()
}

fn spots(format: Format, doc: &Document) -> Vec<Spot> {
    let mut out = Vec::new();
    match doc {
        // Stored as it is: nothing in it is read, so nothing in it is shown.
        Document::Binary(_) => {}
        Document::Tree(tree) => {
            for (k, e) in tree.iter() {
                let text = e.value.to_string();
                match spans::in_value(format.name(), k, &e.value) {
                    None => {}
                    Some(Hidden::Whole)
                        if !matches!(e.value, Value::Null | Value::EmptyMap | Value::EmptyList)
                            && !text.is_empty()
                            && !is_fingerprint(&text) =>
                    {
                        out.push(Spot {
                            line: e.line,
                            what: format!("key {k}"),
                            edit: Edit::Value {
                                needle: text,
                                after: Some(last_segment(k)),
                                whole: true,
                                below: 0,
                            },
                        });
                    }
                    Some(Hidden::Whole) => {}
                    Some(Hidden::Parts(parts)) => {
                        let mut after = Some(last_segment(k));
                        for r in parts {
                            let part = &text[r.clone()];
                            if is_fingerprint(part) {
                                continue;
                            }
                            let edit = if tokens::opens_private_key(part) {
                                Edit::Block {
                                    text: part.to_string(),
                                }
                            } else {
                                Edit::Value {
                                    needle: part.to_string(),
                                    after: after.take(),
                                    whole: false,
                                    below: u32::try_from(text[..r.start].matches('\n').count())
                                        .unwrap_or(u32::MAX),
                                }
                            };
                            out.push(Spot {
                                line: e.line,
                                what: format!("a secret in {k}"),
                                edit,
                            });
                        }
                    }
                }
            }
        }
        Document::Lines(lines) => {
            for l in lines {
                match spans::in_line(&l.text) {
                    None => {}
                    Some(Hidden::Whole) if !is_fingerprint(&l.text) => {
                        out.push(Spot {
                            line: l.number,
                            what: "a line naming a credential".to_string(),
                            edit: Edit::Line {
                                text: l.text.clone(),
                                last: l.last,
                            },
                        });
                    }
                    Some(Hidden::Whole) => {}
                    Some(Hidden::Parts(parts)) => {
                        for r in parts {
                            let part = &l.text[r];
                            if !is_fingerprint(part) {
                                out.push(Spot {
                                    line: l.number,
                                    what: "a secret on the line".to_string(),
                                    edit: Edit::Value {
                                        needle: part.to_string(),
                                        after: None,
                                        whole: false,
                                        below: 0,
                                    },
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    // Stable: spots of one line keep the order of their values in the file.
    out.sort_by_key(|s| s.line);
    out
}

/// The key's last segment as it is likely written in the file (`pool` of `production.pool`,
/// `password` of `servers[0].password`), to find the value after it rather than in it.
fn last_segment(key: &str) -> String {
    spans::setting_name(key).to_string()
}

/// The byte range of each line's content (without its line break), by 1-based number.
fn line_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        out.push(at..at + content.len());
        at += raw.len();
    }
    out
}

fn rewrite(
    format: Format,
    bytes: &[u8],
    spots: &[Spot],
    key: &SecretKey,
) -> Result<Vec<u8>, ProtectError> {
    // Decoded as the reader decoded it (a leading byte-order mark stays where it is), so
    // that values, needles and offsets agree; encoded back to the file's bytes at the end.
    let text = &*crate::normalize::raw::decode(bytes);
    let lines = line_ranges(text);
    let quote = matches!(format.name(), "toml" | "json");
    let mut out = String::with_capacity(text.len() + 80 * spots.len());
    let mut pos = 0;
    for spot in spots {
        let cannot = || cannot_place(spot);
        let line = lines
            .get((spot.line as usize).wrapping_sub(1))
            .ok_or_else(cannot)?
            .clone();
        let from = pos.max(line.start);
        let (region, rep) = match &spot.edit {
            Edit::Line { text: t, last } => {
                let end_line = lines
                    .get((*last as usize).wrapping_sub(1))
                    .ok_or_else(cannot)?;
                let span = &text[line.start..end_line.end];
                let lead = span.len() - span.trim_start().len();
                let trail = span.len() - span.trim_end().len();
                let region = line.start + lead..end_line.end - trail;
                (region, spelled(format, fingerprint(key, t)))
            }
            Edit::Block { text: t } => {
                let r = tokens::ranges(&text[from..])
                    .into_iter()
                    .find(|r| tokens::opens_private_key(&text[from..][r.clone()]))
                    .ok_or_else(cannot)?;
                (
                    from + r.start..from + r.end,
                    spelled(format, fingerprint(key, t)),
                )
            }
            Edit::Value {
                needle,
                after,
                whole,
                below,
            } => {
                let last = (spot.line as usize).saturating_add(*below as usize);
                let end = lines
                    .get(last.wrapping_sub(1))
                    .map_or(text.len(), |l| l.end);
                if from > end {
                    return Err(cannot());
                }
                let hay = &text[from..end];
                let skip = after
                    .as_deref()
                    .filter(|a| !a.is_empty())
                    .and_then(|a| find_ascii_ci(hay.as_bytes(), a.as_bytes()))
                    .map_or(0, |(at, len)| at + len);
                let at = skip + hay[skip..].find(needle.as_str()).ok_or_else(cannot)?;
                let start = from + at;
                let mut rep = spelled(format, fingerprint(key, needle));
                let quoted = text[..start].ends_with(['"', '\'']);
                if *whole && quote && !quoted {
                    rep = format!("\"{rep}\"");
                }
                (start..start + needle.len(), rep)
            }
        };
        if region.start < pos {
            return Err(cannot());
        }
        out.push_str(&text[pos..region.start]);
        out.push_str(&rep);
        pos = region.end;
    }
    out.push_str(&text[pos..]);
    Ok(crate::normalize::raw::encode(&out).into_owned())
}

/// The new file must read as the old one with exactly the secrets fingerprinted.
fn verify(format: Format, old: &Document, new: &[u8], key: &SecretKey) -> Result<(), ProtectError> {
    let mismatch = |line: u32, what: String| ProtectError {
        line,
        column: None,
        message: format!(
            "cannot write the fingerprint of {what} in place: its value is not written verbatim \
             on that line (escaped, quoted specially, multi-line or continued); write it plainly, \
             or leave this file out (--file)"
        ),
    };
    let new = format
        .parse(new)
        .map_err(|e| mismatch(e.line, "a secret".to_string()))?;
    match (old, &new) {
        (Document::Tree(o), Document::Tree(n)) => {
            for (k, e) in o.iter() {
                let want =
                    protect_value(key, format, k, &e.value).unwrap_or_else(|| e.value.clone());
                let ok = n
                    .get(k)
                    .is_some_and(|ne| ne.value == want || ne.value.to_string() == want.to_string());
                if !ok {
                    return Err(mismatch(e.line, format!("key {k}")));
                }
            }
            if o.len() != n.len() {
                return Err(mismatch(1, "a secret".to_string()));
            }
        }
        (Document::Lines(o), Document::Lines(n)) => {
            for (i, l) in o.iter().enumerate() {
                let want = protect_line(key, &l.text).unwrap_or_else(|| l.text.clone());
                if n.get(i).is_none_or(|nl| nl.text != want) {
                    return Err(mismatch(l.number, "a line naming a credential".to_string()));
                }
            }
            if o.len() != n.len() {
                return Err(mismatch(1, "a secret".to_string()));
            }
        }
        _ => return Err(mismatch(1, "a secret".to_string())),
    }
    Ok(())
}

fn cannot_place(spot: &Spot) -> ProtectError {
    ProtectError {
        line: spot.line,
        column: None,
        message: format!(
            "cannot write the fingerprint of {} in place: its value is not written verbatim on \
             that line; write it plainly, or leave this file out (--file)",
            spot.what
        ),
    }
}

/// ASCII case-insensitive search; `(offset, length)`.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<(usize, usize)> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| (p, needle.len()))
}

/// Set when a baseline fingerprint met a live value and no key could check it.
static UNVERIFIED: AtomicBool = AtomicBool::new(false);

/// Drops the changes that are only a secret matching its fingerprint: the baseline holds
/// `hmac-sha256:...` and the live value has that fingerprint. A rotated secret stays a change
/// (shown `[redacted]` on both sides by redaction).
pub fn match_fingerprints(format: Format, changes: Vec<Change>) -> Vec<Change> {
    changes
        .into_iter()
        .filter(|c| !matches(format, c))
        .collect()
}

fn matches(format: Format, c: &Change) -> bool {
    let (Some(b), Some(_)) = (&c.baseline, &c.live) else {
        return false;
    };
    if c.kind != Kind::Changed || !b.value.to_string().contains(STEM) {
        return false;
    }
    let Ok(Some(key)) = key::cached() else {
        UNVERIFIED.store(true, Ordering::Relaxed);
        return false;
    };
    matches_under(format, c, key)
}

/// Whether the live side of `c` fingerprints to its baseline side under `key`.
fn matches_under(format: Format, c: &Change, key: &SecretKey) -> bool {
    let (Some(b), Some(l)) = (&c.baseline, &c.live) else {
        return false;
    };
    let base = b.value.to_string();
    let live = l.value.to_string();
    if format == Format::Text {
        // A hunk of an unknown format: its lines, each as the baseline would hold it.
        let lines: Vec<String> = live
            .split('\n')
            .map(|line| protect_line(key, line).unwrap_or_else(|| line.to_string()))
            .collect();
        lines.join("\n") == base
    } else {
        protect_value(key, format, &c.key, &l.value).map_or(live, |v| v.to_string()) == base
    }
}

/// Trouble to report when fingerprints in the baseline could not be checked (no key, or an
/// unusable one).
pub fn unverified_problem() -> Option<Problem> {
    if !UNVERIFIED.load(Ordering::Relaxed) {
        return None;
    }
    let why = match key::cached() {
        Err(e) => e.clone(),
        Ok(_) => format!("no secret key is configured; {HOW_TO}"),
    };
    Some(Problem {
        host: None,
        file: None,
        line: None,
        column: None,
        message: format!(
            "the baseline holds secret fingerprints that cannot be compared ({why}); those secrets are reported as changed"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::secret::KeySource;

    fn key() -> SecretKey {
        SecretKey::from_text("0123456789abcdef0123456789abcdef", KeySource::Env).unwrap()
    }

    fn protect(format: &str, text: &str) -> String {
        let f = Format::from_name(format).unwrap();
        String::from_utf8(protect_file(f, text.as_bytes(), Some(&key())).unwrap()).unwrap()
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = fingerprint(&key(), "hunter2");
        assert!(is_fingerprint(&a), "{a}");
        assert_eq!(a, fingerprint(&key(), "hunter2"));
        assert_ne!(a, fingerprint(&key(), "hunter3"));
        let other = SecretKey::from_text("another key of enough length", KeySource::Env).unwrap();
        assert_ne!(a, fingerprint(&other, "hunter2"));
        assert!(SecretKey::from_text("short", KeySource::Env).is_err());
    }

    #[test]
    fn secrets_are_replaced_in_place_in_each_format() {
        let fp = |s: &str| fingerprint(&key(), s);
        let y = protect(
            "yaml",
            "production:\n  password: password\n  pool: 5\n  url: postgres://app:s3cr3t@db/app\n",
        );
        assert_eq!(
            y,
            format!(
                "production:\n  password: {}\n  pool: 5\n  url: postgres://app:{}@db/app\n",
                fp("password"),
                fp("s3cr3t")
            )
        );
        let t = protect("toml", "[db]\ntoken = 12345 # note\nname = \"x\"\n");
        assert_eq!(
            t,
            format!("[db]\ntoken = \"{}\" # note\nname = \"x\"\n", fp("12345"))
        );
        let p = protect("pgconf", "ssl = on\nsome_password = 'abc'\r\n");
        assert_eq!(p, format!("ssl = on\nsome_password = '{}'\r\n", fp("abc")));
        let txt = protect("text", "# c\n  auth   password=abc  \nother\n");
        assert_eq!(
            txt,
            format!("# c\n  {}  \nother\n", fp("auth password=abc"))
        );
        // Nothing secret: bytes unchanged, no key needed.
        let plain = b"a: 1\n";
        assert_eq!(
            protect_file(Format::from_name("yaml").unwrap(), plain, None).unwrap(),
            plain
        );
    }

    #[test]
    fn private_key_blocks_and_partial_secrets_are_fingerprinted_in_place() {
        let fp = |s: &str| fingerprint(&key(), s);
        let block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKCAQ\n-----END RSA PRIVATE KEY-----";
        // A YAML block scalar: the block's lines, indented.
        let yaml = protect(
            "yaml",
            "tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEow\n    AKCAQ\n    -----END RSA PRIVATE KEY-----\n  port: 443\n",
        );
        assert_eq!(
            yaml,
            format!("tls:\n  key: |\n    {}\n  port: 443\n", fp(block))
        );
        // JSON and .env with `\n` escapes, .env with real line breaks in quotes.
        let escaped = block.replace('\n', "\\n");
        let json = protect(
            "json",
            &format!("{{\"material\": \"{escaped}\\n\", \"n\": 1}}\n"),
        );
        assert_eq!(
            json,
            format!("{{\"material\": \"{}\\n\", \"n\": 1}}\n", fp(block))
        );
        let env = protect("env", &format!("A=1\nKEY=\"{block}\"\nB=2\n"));
        assert_eq!(env, format!("A=1\nKEY=\"{}\"\nB=2\n", fp(block)));
        // Only the secret part of a value; the rest stays as written.
        let redis = protect(
            "redis",
            "user app on >pw-1 >pw-2 ~* +@all\nsentinel auth-pass m s3\n",
        );
        assert_eq!(
            redis,
            format!(
                "user app on >{} >{} ~* +@all\nsentinel auth-pass m {}\n",
                fp("pw-1"),
                fp("pw-2"),
                fp("s3")
            )
        );
        // Where `:` separates fields, the fingerprint is spelled with `$`.
        let pgpass = protect("pgpass", "h:5432:db:u:pw\n");
        assert_eq!(
            pgpass,
            format!("h:5432:db:u:{}\n", fp("pw").replacen(':', "$", 1))
        );
        assert!(is_fingerprint(&fp("pw").replacen(':', "$", 1)));
        // A text file: the block is one line, one fingerprint.
        let text = protect("text", &format!("a\n{block}\nb\n"));
        let joined = block.replace('\n', " ");
        assert_eq!(text, format!("a\n{}\nb\n", fp(&joined)));
    }

    #[test]
    fn a_secret_without_a_key_or_not_written_verbatim_is_refused() {
        let yaml = Format::from_name("yaml").unwrap();
        let err = protect_file(yaml, b"a: 1\nb:\n  password: x1\n", None).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("key b.password"), "{}", err.message);
        assert!(err.message.contains(NO_KEY), "{}", err.message);
        let err = protect_file(yaml, b"password: \"a\\tb\"\n", Some(&key())).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("in place"), "{}", err.message);
    }

    #[test]
    fn a_live_secret_matching_its_fingerprint_is_no_drift() {
        let k = key();
        let kept = |format: &str, live: &str, base: &str| -> Vec<String> {
            let f = Format::from_name(format).unwrap();
            let (b, l) = (
                f.parse(base.as_bytes()).unwrap(),
                f.parse(live.as_bytes()).unwrap(),
            );
            diff(&b, &l)
                .into_iter()
                .filter(|c| !matches_under(f, c, &k))
                .map(|c| c.key)
                .collect()
        };
        let live = "password: s3cr3t\nurl: postgres://u:pw@h/d\npool: 5\n";
        let base = protect("yaml", live);
        assert_ne!(base, live);
        assert!(kept("yaml", live, &base).is_empty());
        let rotated = "password: n3w\nurl: postgres://u:pw2@h/d\npool: 6\n";
        assert_eq!(kept("yaml", rotated, &base), ["password", "url", "pool"]);
        let text = "a\nauth password=abc\nb\n";
        let base = protect("text", text);
        assert!(kept("text", text, &base).is_empty());
        assert_eq!(kept("text", "a\nauth password=new\nb\n", &base).len(), 1);
    }
}

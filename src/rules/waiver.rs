//! `[[waiver]]`: a person hides findings for a while, with a reason, an owner and an expiry
//! date. On the day after `expires` the findings come back, marked as such.

use crate::collect::FileSpec;
use crate::keyglob::KeyGlob;
use crate::report::{Finding, Kind};
use anyhow::{Result, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    host: Option<String>,
    group: Option<String>,
    file: Option<String>,
    key: Option<String>,
    kind: Option<Kind>,
    reason: String,
    owner: String,
    /// A TOML date (`2026-12-31`) or the same as a string; the waiver holds through that day
    /// (UTC).
    expires: toml::Value,
}

#[derive(Debug)]
pub struct Waiver {
    pub line: usize,
    host: Option<globset::GlobMatcher>,
    group: Option<String>,
    file: Option<FileSpec>,
    key: Option<KeyGlob>,
    kind: Option<Kind>,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

impl Waiver {
    pub fn compile(raw: RawWaiver, line: usize) -> Result<Waiver> {
        if raw.host.is_none() && raw.group.is_none() && raw.file.is_none() && raw.key.is_none() {
            bail!("a waiver must name at least one of host, group, file or key");
        }
        if raw.reason.trim().is_empty() || raw.owner.trim().is_empty() {
            bail!("a waiver needs a non-empty reason and owner");
        }
        let expires = match &raw.expires {
            toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none() => d.to_string(),
            toml::Value::String(s) => s.clone(),
            other => bail!("expires = {other}: expected a date such as 2026-12-31"),
        };
        if !is_date(&expires) {
            bail!("expires = {expires:?}: expected a date such as 2026-12-31");
        }
        Ok(Waiver {
            line,
            host: raw.host.as_deref().map(super::host_glob).transpose()?,
            group: raw.group,
            file: raw
                .file
                .as_deref()
                .map(|f| FileSpec::new(f, None))
                .transpose()?,
            key: raw
                .key
                .as_deref()
                .map(|k| KeyGlob::new(k).map_err(|e| anyhow::anyhow!("key {k:?}: {e}")))
                .transpose()?,
            kind: raw.kind,
            reason: raw.reason,
            owner: raw.owner,
            expires,
        })
    }

    pub fn matches(&self, f: &Finding) -> bool {
        let host_ok = match (&self.host, &f.host) {
            (None, _) => true,
            (Some(g), Some(h)) => g.is_match(h),
            (Some(_), None) => false,
        };
        host_ok
            && self
                .group
                .as_ref()
                .is_none_or(|g| f.group.as_ref() == Some(g))
            && self.file.as_ref().is_none_or(|s| s.matches(&f.file))
            && match (&self.key, &f.key) {
                (None, _) => true,
                (Some(k), Some(key)) => k.is_match(key),
                (Some(_), None) => false,
            }
            && self.kind.is_none_or(|k| k == f.kind)
    }

    /// Expired once `today` is past the `expires` day.
    pub fn expired(&self, today: &str) -> bool {
        today > self.expires.as_str()
    }
}

/// Hides findings under a live waiver; marks those under an expired one. Says what it did in
/// `notices`, so nothing is hidden silently.
pub fn apply(
    waivers: &[Waiver],
    findings: Vec<Finding>,
    today: &str,
    notices: &mut Vec<String>,
) -> Vec<Finding> {
    if waivers.is_empty() {
        return findings;
    }
    let mut hidden = vec![0usize; waivers.len()];
    let mut revived = vec![0usize; waivers.len()];
    let mut out = Vec::with_capacity(findings.len());
    for mut f in findings {
        match waivers.iter().position(|w| w.matches(&f)) {
            Some(i) if !waivers[i].expired(today) => hidden[i] += 1,
            Some(i) => {
                let w = &waivers[i];
                revived[i] += 1;
                f.message = format!(
                    "{} (waiver expired on {}: {}; owner {})",
                    f.message, w.expires, w.reason, w.owner
                );
                out.push(f);
            }
            None => out.push(f),
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        if w.expired(today) {
            notices.push(format!(
                "the waiver at line {} of the config file (owner {}) expired on {}; {} finding{} it hid {} reported again",
                w.line,
                w.owner,
                w.expires,
                revived[i],
                if revived[i] == 1 { "" } else { "s" },
                if revived[i] == 1 { "is" } else { "are" },
            ));
        } else if hidden[i] > 0 {
            notices.push(format!(
                "{} finding{} waived until {} by the waiver at line {} of the config file ({}; owner {})",
                hidden[i],
                if hidden[i] == 1 { "" } else { "s" },
                w.expires,
                w.line,
                w.reason,
                w.owner
            ));
        }
    }
    out
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to `YYYY-MM-DD`.
fn civil_date(days: i64) -> String {
    let (y, m, d) = crate::dates::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiver(toml_text: &str) -> Result<Waiver> {
        let raw: RawWaiver = toml::from_str(toml_text)?;
        Waiver::compile(raw, 7)
    }

    fn finding(host: &str, key: &str) -> Finding {
        Finding {
            host: Some(host.into()),
            group: Some("app".into()),
            file: "/etc/myapp/database.yml".into(),
            key: Some(key.into()),
            message: "changed from 50 to 5".into(),
            ..Finding::default()
        }
    }

    const W: &str = r#"
        host = "app-2"
        key = "production.pool"
        reason = "load test until the migration"
        owner = "alice"
        expires = 2026-11-30
    "#;

    #[test]
    fn hides_until_the_end_of_the_expiry_day_then_says_it_expired() {
        let w = waiver(W).unwrap();
        let fs = || {
            vec![
                finding("app-2", "production.pool"),
                finding("app-1", "production.pool"),
            ]
        };
        let mut notes = Vec::new();
        let kept = apply(std::slice::from_ref(&w), fs(), "2026-11-30", &mut notes);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].host.as_deref(), Some("app-1"));
        assert!(
            notes[0].contains("1 finding waived until 2026-11-30"),
            "{notes:?}"
        );

        let mut notes = Vec::new();
        let kept = apply(std::slice::from_ref(&w), fs(), "2026-12-01", &mut notes);
        assert_eq!(kept.len(), 2);
        assert!(
            kept[0].message.contains("waiver expired on 2026-11-30"),
            "{}",
            kept[0].message
        );
        assert!(kept[0].message.contains("owner alice"));
        assert!(notes[0].contains("expired on 2026-11-30"), "{notes:?}");
    }

    #[test]
    fn a_waiver_must_say_what_why_who_and_until_when() {
        assert!(waiver("reason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01").is_err());
        assert!(
            waiver("key = \"a\"\nreason = \" \"\nowner = \"o\"\nexpires = 2026-01-01").is_err()
        );
        let e =
            waiver("key = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"").unwrap_err();
        assert!(e.to_string().contains("expected a date"), "{e}");
        assert!(
            waiver("key = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-13-01\"").is_err()
        );
        assert!(
            waiver("key = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-12-01\"").is_ok()
        );
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(20_513), "2026-03-01");
        assert_eq!(today().len(), 10);
    }
}

//! `--state FILE`: findings remembered between runs, so each finding is `new` or `known` (with
//! the time it was first seen) and findings that went away are reported as resolved.
//!
//! A finding is the same finding when its host, group, file, key, kind, rule and live value
//! are the same: a second rule that starts firing on a key another rule already flagged is
//! new, and so is known drift whose live value moves again (a pool 50→5, later 50→2: the 5
//! is resolved, the 2 is new); for a running server's finding, its file and running values
//! stand for the live one. Secrets are compared as shown, `[redacted]`. The state file is JSON (`confdrift-state/v1`:
//! findings in the report's own shape, plus `first_seen`), replaced atomically, and guarded by
//! `FILE.lock` so that two runs never interleave.
//!
//! Only what this run actually checked can be resolved: an old finding stays in the state,
//! unresolved, when its host was not selected (another `--shard`, `--host`), could not be
//! reached, or its file or baseline file could not be read or parsed.

use crate::report::{
    Finding, Problem, Report, Status, Tracking, finding_from_json, finding_to_json,
};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

pub const STATE_SCHEMA: &str = "confdrift-state/v1";

/// An open state file: locked for this run, with what the last run remembered.
pub struct State {
    path: PathBuf,
    /// Held until the process ends: the lock is on `FILE.lock`, which survives the rename.
    _lock: File,
    previous: Vec<Finding>,
}

type Identity<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    crate::report::Kind,
    Option<&'a str>,
    Option<String>,
);

fn identity(f: &Finding) -> Identity<'_> {
    (
        f.host.as_deref(),
        f.group.as_deref(),
        &f.file,
        f.key.as_deref(),
        f.kind,
        f.rule.as_deref(),
        if f.kind.is_running() {
            let show = |v: &Option<crate::tree::Value>| v.as_ref().map(|v| v.to_string());
            Some(format!("{:?} {:?}", show(&f.file_value), show(&f.running)))
        } else {
            f.live.as_ref().map(|v| v.to_string())
        },
    )
}

impl State {
    /// Locks `path.lock` and reads `path` (absent: a first run, nothing remembered).
    /// A state file that cannot be read is a [`Problem`]: the run goes on without it.
    pub fn open(path: &Path) -> Result<std::result::Result<State, Problem>> {
        let lock_path = lock_path(path);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("--state: cannot create {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "--state: another confdrift run is using {} ({} is locked); run again when it has finished",
                path.display(),
                lock_path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(
                    anyhow!(e).context(format!("--state: cannot lock {}", lock_path.display()))
                );
            }
        }
        let previous = match std::fs::read_to_string(path) {
            Ok(text) => match parse(&text) {
                Ok(findings) => findings,
                Err((line, message)) => {
                    return Ok(Err(Problem {
                        host: None,
                        file: Some(path.display().to_string()),
                        line,
                        column: None,
                        message: format!(
                            "state file unreadable, findings not tracked and the file left as it is: {message}"
                        ),
                    }));
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Ok(Err(Problem {
                    host: None,
                    file: Some(path.display().to_string()),
                    line: None,
                    column: None,
                    message: format!("cannot read the state file: {e}"),
                }));
            }
        };
        Ok(Ok(State {
            path: path.to_path_buf(),
            _lock: lock,
            previous,
        }))
    }

    /// Marks each finding of `report` new or known, moves what is gone (and was checked) to
    /// `report.resolved`, and returns what to remember for the next run.
    pub fn track(&self, report: &mut Report, now: &str) -> Vec<Finding> {
        let previous: BTreeMap<Identity, &Finding> = self
            .previous
            .iter()
            .rev()
            .map(|f| (identity(f), f))
            .collect();
        for f in &mut report.findings {
            let first_seen = previous
                .get(&identity(f))
                .and_then(|p| p.status.as_ref())
                .map(|t| t.first_seen.clone());
            f.status = Some(match first_seen {
                Some(first_seen) => Tracking {
                    status: Status::Known,
                    first_seen,
                },
                None => Tracking {
                    status: Status::New,
                    first_seen: now.to_string(),
                },
            });
        }
        let current: BTreeSet<Identity> = report.findings.iter().map(identity).collect();
        let checked = Checked::of(report);
        let mut remember: Vec<Finding> = report.findings.clone();
        let mut resolved = Vec::new();
        for old in &self.previous {
            if current.contains(&identity(old)) {
                continue;
            }
            if checked.covers(old) {
                resolved.push(old.clone());
            } else {
                remember.push(old.clone());
            }
        }
        report.resolved = resolved;
        report.sort();
        remember.sort_by(|a, b| identity(a).cmp(&identity(b)));
        remember
    }

    /// Replaces the state file (atomically) with `findings`.
    pub fn save(&self, findings: &[Finding], now: &str) -> Result<()> {
        let doc = serde_json::json!({
            "schema": STATE_SCHEMA,
            "updated_at": now,
            "findings": findings.iter().map(finding_to_json).collect::<Vec<_>>(),
        });
        let mut bytes = serde_json::to_vec_pretty(&doc)?;
        bytes.push(b'\n');
        crate::report::write_atomically(&self.path, &bytes)
            .with_context(|| format!("--state: cannot write {}", self.path.display()))
    }
}

/// What this run checked: the hosts that were up, less the files that failed.
struct Checked<'a> {
    up: BTreeSet<(&'a str, &'a str)>,
    failed_files: BTreeSet<(&'a str, &'a str)>,
    failed_baselines: BTreeSet<&'a str>,
    trouble: bool,
}

impl<'a> Checked<'a> {
    fn of(r: &'a Report) -> Checked<'a> {
        let mut failed_baselines = BTreeSet::new();
        let mut failed_files = BTreeSet::new();
        for e in &r.errors {
            match (&e.host, &e.file) {
                (Some(h), Some(f)) => {
                    failed_files.insert((h.as_str(), f.as_str()));
                }
                (None, Some(f)) => {
                    failed_baselines.insert(f.as_str());
                }
                _ => {}
            }
        }
        Checked {
            up: r
                .host_runs
                .iter()
                .filter(|h| h.up)
                .map(|h| (h.host.as_str(), h.group.as_str()))
                .collect(),
            failed_files,
            failed_baselines,
            trouble: !r.errors.is_empty(),
        }
    }

    /// Was `old`'s place looked at, so that its absence means it is fixed?
    fn covers(&self, old: &Finding) -> bool {
        let (Some(host), Some(group)) = (old.host.as_deref(), old.group.as_deref()) else {
            // Findings across hosts (capacity): only a run without any trouble can tell.
            return !self.trouble;
        };
        self.up.contains(&(host, group))
            && !self.failed_files.contains(&(host, old.file.as_str()))
            && !old
                .baseline_source
                .as_deref()
                .is_some_and(|b| self.failed_baselines.contains(b))
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// The remembered findings; on error, the line (when known) and what was expected.
fn parse(text: &str) -> std::result::Result<Vec<Finding>, (Option<u32>, String)> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        (
            u32::try_from(e.line()).ok().filter(|l| *l > 0),
            e.to_string(),
        )
    })?;
    match doc.get("schema").and_then(|s| s.as_str()) {
        Some(STATE_SCHEMA) => {}
        other => {
            return Err((None, format!("schema {other:?}; expected {STATE_SCHEMA:?}")));
        }
    }
    let items = doc
        .get("findings")
        .and_then(|f| f.as_array())
        .ok_or((None, "expected a \"findings\" array".to_string()))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let f = finding_from_json(item).map_err(|e| (None, format!("findings[{i}]: {e:#}")))?;
        if f.status.is_none() {
            return Err((None, format!("findings[{i}]: expected \"first_seen\"")));
        }
        out.push(f);
    }
    Ok(out)
}

/// Now, as the state file and the reports write it: RFC 3339 UTC, seconds.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

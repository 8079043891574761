//! The report: plain, sorted data between the engine and the writers. One writer per format,
//! each in its own file behind [`Writer`].

mod describe;
mod github;
mod json;
mod json_read;
mod junit;
mod markdown;
mod message;
mod prometheus;
mod text;

use crate::tree::Value;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub use github::GithubWriter;
pub use json::{JsonWriter, SCHEMA, finding_to_json};
pub use json_read::{finding_from_json, read_report};
pub use junit::JunitWriter;
pub use markdown::MarkdownWriter;
pub use message::{drift_message, move_message};
pub use prometheus::PrometheusWriter;
pub use text::TextWriter;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    #[default]
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Changed,
    Added,
    Removed,
    MissingFile,
    UnexpectedFile,
    /// A value outside a rule's `min`/`max`.
    OutOfRange,
    /// Any other rule: `one_of`, `pattern`, `required`, `unique`.
    Violation,
    /// A `[[capacity]]` check: demand across hosts exceeds supply.
    Capacity,
    /// A host whose value differs from the majority of its group.
    Outlier,
    /// The running server does not run what its files say: a reload or restart is needed.
    NotApplied,
    /// The running server runs a value set outside the collected files (`ALTER SYSTEM`, the
    /// command line, `ALTER ROLE ... SET`).
    RuntimeOnly,
    /// The running server refused a line of its files.
    Rejected,
    /// An ordered rule (pg_hba.conf's) now comes before or after other rules that match some
    /// of the same connections: which rule matches them first changed. Its key is the rule's
    /// `after`, its values the earlier rules on each side.
    Moved,
}

impl Kind {
    /// A key's value differs from the baseline's.
    pub fn is_drift(self) -> bool {
        matches!(
            self,
            Kind::Changed | Kind::Added | Kind::Removed | Kind::Moved
        )
    }

    /// A finding about a running server (it carries `file_value`, `running` and `source`).
    pub fn is_running(self) -> bool {
        matches!(self, Kind::NotApplied | Kind::RuntimeOnly | Kind::Rejected)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Changed => "changed",
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::MissingFile => "missing_file",
            Kind::UnexpectedFile => "unexpected_file",
            Kind::OutOfRange => "out_of_range",
            Kind::Violation => "violation",
            Kind::Capacity => "capacity",
            Kind::Outlier => "outlier",
            Kind::NotApplied => "not_applied",
            Kind::RuntimeOnly => "runtime_only",
            Kind::Rejected => "rejected",
            Kind::Moved => "moved",
        }
    }
}

/// One difference worth an operator's attention.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Finding {
    pub host: Option<String>,
    pub group: Option<String>,
    /// The file's absolute path on the host (for `diff`: the NEW path).
    pub file: String,
    /// Key path; `None` for whole-file findings.
    pub key: Option<String>,
    pub kind: Kind,
    pub severity: Severity,
    pub baseline: Option<Value>,
    pub live: Option<Value>,
    /// Line in the live file.
    pub line: Option<u32>,
    /// Line in the baseline file.
    pub baseline_line: Option<u32>,
    /// Where the baseline came from (`groups/app/etc/x.yml` inside the baseline directory).
    pub baseline_source: Option<String>,
    pub message: String,
    /// The rule that fired, as written for people (`production.pool in [10, 100]`).
    pub rule: Option<String>,
    /// The rule's free-text hint.
    pub hint: Option<String>,
    /// Who set the baseline line, when, and in which commit (git blame).
    pub baseline_commit: Option<CommitInfo>,
    /// New or known since the last run (`--state`).
    pub status: Option<Tracking>,
    /// Running servers: the value the files give the server (through includes, defaults
    /// applied), as written there.
    pub file_value: Option<Value>,
    /// Running servers: the value the server runs with.
    pub running: Option<Value>,
    /// Running servers: where the server says its value came from (`configuration file
    /// /etc/postgresql/16/main/postgresql.conf:64`, `ALTER SYSTEM`, `command line`).
    pub source: Option<String>,
}

/// A commit, as blame names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    /// RFC 3339.
    pub date: String,
    pub summary: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Known,
}

/// A finding's history across runs (`--state FILE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracking {
    pub status: Status,
    /// RFC 3339 time of the first run that saw it.
    pub first_seen: String,
}

/// One selected host and whether it could be reached (for `prometheus`' `confdrift_host_up`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRun {
    pub host: String,
    pub group: String,
    pub up: bool,
    /// The files compared on this host (for `junit`'s one test case per host and file).
    pub files: Vec<String>,
    /// Those of them read as YAML 1.1 (`yaml = "1.1"`, or a Rails `config/*.yml`); other YAML
    /// files are read as YAML 1.2.
    pub yaml_1_1: Vec<String>,
}

/// Trouble: something that could not be checked. The run goes on; the exit status is 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub host: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    /// `app-3:/etc/myapp/database.yml:4:9: did not find expected ',' in flow sequence`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = Vec::new();
        if let Some(h) = &self.host {
            place.push(h.clone());
        }
        if let Some(file) = &self.file {
            place.push(file.clone());
        }
        if let Some(l) = self.line {
            place.push(l.to_string());
            if let Some(c) = self.column {
                place.push(c.to_string());
            }
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", place.join(":"), self.message)
        }
    }
}

/// The commit compared against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineInfo {
    pub reference: String,
    pub commit: String,
    pub summary: String,
}

impl BaselineInfo {
    pub fn short_id(&self) -> &str {
        &self.commit[..self.commit.len().min(7)]
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub baseline: Option<BaselineInfo>,
    /// Hosts checked (selected), and files compared.
    pub hosts: usize,
    pub files: usize,
    pub findings: Vec<Finding>,
    pub errors: Vec<Problem>,
    /// Worth saying, not trouble (the work tree's baseline differs from the ref; a waiver
    /// expired).
    pub notices: Vec<String>,
    /// Each selected host, in selection order (empty for `diff`).
    pub host_runs: Vec<HostRun>,
    /// Findings of the previous run (`--state`) that are gone now.
    pub resolved: Vec<Finding>,
    /// When the run started (seconds since the Unix epoch) and how long it took.
    pub started_at: Option<f64>,
    pub duration_seconds: Option<f64>,
    /// A sharded run's values for the checks across hosts, one object per host, for `merge`
    /// (see `rules::facts_json`); empty otherwise.
    pub facts: Vec<serde_json::Value>,
    /// A report of `lint`: its findings are rule violations in the baseline, not drift.
    pub lint: bool,
    /// Files whose format their content decided (no name, extension or `format =` did).
    pub detected: Vec<Detected>,
}

/// A file whose format its content decided ([`crate::normalize::sniff`]), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    pub file: String,
    /// The format it was read in (`text`: compared line by line).
    pub format: String,
    pub why: String,
    /// The hosts where it was decided so, sorted (empty for `diff`).
    pub hosts: Vec<String>,
}

impl Report {
    /// Records that `file` (on `host`) was read as `format` because of its content: one entry
    /// per file, format and reason, with the hosts.
    pub fn add_detected(&mut self, host: Option<&str>, file: &str, format: &str, why: &str) {
        let at = self
            .detected
            .iter()
            .position(|d| d.file == file && d.format == format && d.why == why);
        let d = match at {
            Some(i) => &mut self.detected[i],
            None => {
                self.detected.push(Detected {
                    file: file.to_string(),
                    format: format.to_string(),
                    why: why.to_string(),
                    hosts: Vec::new(),
                });
                self.detected.last_mut().expect("just pushed")
            }
        };
        if let Some(h) = host
            && let Err(i) = d.hosts.binary_search_by(|x| x.as_str().cmp(h))
        {
            d.hosts.insert(i, h.to_string());
        }
    }
}

impl Report {
    /// Spells every byte that was not UTF-8 (in a key, a value or a message) as `\xE9`, for
    /// people and for every report format ([`crate::normalize::raw`]). Done once, by the
    /// command that built the report, before anything reads it.
    pub fn show_raw_bytes(&mut self) {
        use crate::normalize::raw::show;
        let text = |s: &mut String| {
            if let std::borrow::Cow::Owned(shown) = show(s) {
                *s = shown;
            }
        };
        for f in self.findings.iter_mut().chain(self.resolved.iter_mut()) {
            f.key.as_mut().map(text);
            text(&mut f.message);
            for v in [
                &mut f.baseline,
                &mut f.live,
                &mut f.file_value,
                &mut f.running,
            ]
            .into_iter()
            .flatten()
            {
                if let Value::Str(s) | Value::Quantity { text: s, .. } = v {
                    text(s);
                }
            }
        }
        for e in &mut self.errors {
            text(&mut e.message);
        }
        self.notices.iter_mut().for_each(text);
    }

    /// Puts findings (and resolved ones) in their fixed order (host, file, key, kind) and errors
    /// by host and file.
    pub fn sort(&mut self) {
        let order = |a: &Finding, b: &Finding| {
            (&a.host, &a.file, &a.key, a.kind, &a.group)
                .cmp(&(&b.host, &b.file, &b.key, b.kind, &b.group))
        };
        self.findings.sort_by(order);
        self.resolved.sort_by(order);
        self.errors.sort_by(|a, b| {
            (&a.host, &a.file, a.line, &a.message).cmp(&(&b.host, &b.file, b.line, &b.message))
        });
        self.detected
            .sort_by(|a, b| (&a.file, &a.format, &a.why).cmp(&(&b.file, &b.format, &b.why)));
    }

    /// What the findings are, for a headline: `drift`, or `rule violations` (lint).
    pub fn what(&self) -> &'static str {
        if self.lint {
            "rule violations"
        } else {
            "drift"
        }
    }

    /// Hosts with at least one finding (a finding of a group's baseline file, as `lint`
    /// makes, is on no host).
    pub fn drifted_hosts(&self) -> usize {
        let hosts: std::collections::BTreeSet<&str> = self
            .findings
            .iter()
            .filter_map(|f| f.host.as_deref())
            .collect();
        hosts.len()
    }

    /// What was looked at, for a headline: `8 hosts (12 files)`, with `; 2 could not be
    /// checked` when some hosts were not reached; `4 files` without hosts (`diff`).
    pub fn scope_words(&self) -> String {
        if self.hosts == 0 {
            return plural(self.files, "file");
        }
        let down = match self.unreachable() {
            0 => String::new(),
            n => format!("; {n} could not be checked"),
        };
        format!(
            "{} ({}{down})",
            plural(self.hosts, "host"),
            plural(self.files, "file")
        )
    }

    /// Where the findings are, for a headline: `on 3 of 8 hosts`, `and 1 group` for findings
    /// of a group's own baseline file; `in 2 of 4 files` without hosts (`diff`).
    pub fn drift_words(&self) -> String {
        if self.hosts == 0 {
            let files: std::collections::BTreeSet<&str> =
                self.findings.iter().map(|f| f.file.as_str()).collect();
            return format!("in {} of {}", files.len(), plural(self.files, "file"));
        }
        let groups: std::collections::BTreeSet<&str> = self
            .findings
            .iter()
            .filter(|f| f.host.is_none())
            .filter_map(|f| f.group.as_deref())
            .collect();
        let groups = match groups.len() {
            0 => String::new(),
            n => format!(" and {}", plural(n, "group")),
        };
        let down = match self.unreachable() {
            0 => String::new(),
            n => format!(" ({n} could not be checked)"),
        };
        format!(
            "on {} of {}{down}{groups}",
            self.drifted_hosts(),
            plural(self.hosts, "host")
        )
    }

    /// Hosts that could not be reached.
    fn unreachable(&self) -> usize {
        let down: std::collections::BTreeSet<&str> = self
            .host_runs
            .iter()
            .filter(|h| !h.up)
            .map(|h| h.host.as_str())
            .collect();
        down.len()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Records when the run started and how long it took.
    pub fn set_timing(&mut self, started: std::time::SystemTime, clock: std::time::Instant) {
        self.started_at = started
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs_f64());
        self.duration_seconds = Some(clock.elapsed().as_secs_f64());
    }

    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.errors.is_empty()
    }
}

/// A report format.
pub trait Writer {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a reader
/// never sees half a report.
/// `1 host`, `2 hosts`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

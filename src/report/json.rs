//! `--format json`: the `confdrift/v2` schema of SPEC.md, published as
//! `schema/confdrift-v2.schema.json` (v2 added the running servers' kinds and their
//! `file_value`, `running` and `source`; `schema/confdrift-v1.schema.json` stays for v1 reports). Output structs are separate from the engine's types, so
//! the schema changes only on purpose. `json_read.rs` reads the same document back (`merge`).

use super::{Finding, Report, Severity, Status, Writer};
use serde::Serialize;
use std::io::Write;

pub const SCHEMA: &str = "confdrift/v2";

pub struct JsonWriter;

#[derive(Serialize)]
struct Out<'a> {
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<OutBaseline<'a>>,
    summary: Summary,
    findings: Vec<OutFinding<'a>>,
    /// Findings of the previous run (`--state`) that are gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resolved: Vec<OutFinding<'a>>,
    errors: Vec<OutError<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    /// Every selected host and whether it could be reached, sorted by host and group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    host_runs: Vec<OutHostRun<'a>>,
    /// RFC 3339 UTC, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_seconds: Option<f64>,
    /// A sharded run's values for the checks across hosts (read by `merge`).
    #[serde(skip_serializing_if = "<[serde_json::Value]>::is_empty")]
    facts: &'a [serde_json::Value],
    /// Files whose format their content decided, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    detected: Vec<OutDetected<'a>>,
}

#[derive(Serialize)]
struct OutDetected<'a> {
    file: &'a str,
    format: &'a str,
    why: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    hosts: &'a [String],
}

#[derive(Serialize)]
struct OutBaseline<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    commit: &'a str,
    summary: &'a str,
}

#[derive(Serialize)]
struct Summary {
    hosts: usize,
    files: usize,
    drifted_hosts: usize,
    findings: usize,
    errors: usize,
    by_severity: BySeverity,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize)]
struct OutFinding<'a> {
    host: Option<&'a str>,
    group: Option<&'a str>,
    file: &'a str,
    key: Option<&'a str>,
    kind: super::Kind,
    severity: Severity,
    baseline: serde_json::Value,
    live: serde_json::Value,
    line: Option<u32>,
    baseline_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_commit: Option<OutCommit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<OutStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<&'a str>,
    /// Running servers: the value the files give, the value the server runs, and where the
    /// server says it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    file_value: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    running: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum OutStatus {
    New,
    Known,
    Resolved,
}

#[derive(Serialize)]
struct OutCommit<'a> {
    id: &'a str,
    author: &'a str,
    date: &'a str,
    summary: &'a str,
}

#[derive(Serialize)]
struct OutError<'a> {
    host: Option<&'a str>,
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct OutHostRun<'a> {
    host: &'a str,
    group: &'a str,
    up: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    files: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    yaml_1_1: &'a [String],
}

/// `resolved`: the finding is gone since the last run (its status says so, whatever it was).
fn out_finding(f: &Finding, resolved: bool) -> OutFinding<'_> {
    let value = |v: &Option<crate::tree::Value>| {
        v.as_ref().map_or(serde_json::Value::Null, |v| v.to_json())
    };
    OutFinding {
        host: f.host.as_deref(),
        group: f.group.as_deref(),
        file: &f.file,
        key: f.key.as_deref(),
        kind: f.kind,
        severity: f.severity,
        baseline: value(&f.baseline),
        live: value(&f.live),
        line: f.line,
        baseline_line: f.baseline_line,
        baseline_file: f.baseline_source.as_deref(),
        rule: f.rule.as_deref(),
        message: &f.message,
        hint: f.hint.as_deref(),
        baseline_commit: f.baseline_commit.as_ref().map(|c| OutCommit {
            id: &c.id,
            author: &c.author,
            date: &c.date,
            summary: &c.summary,
        }),
        status: match (&f.status, resolved) {
            (_, true) => Some(OutStatus::Resolved),
            (Some(t), false) if t.status == Status::New => Some(OutStatus::New),
            (Some(_), false) => Some(OutStatus::Known),
            (None, false) => None,
        },
        first_seen: f.status.as_ref().map(|t| t.first_seen.as_str()),
        file_value: f.kind.is_running().then(|| value(&f.file_value)),
        running: (f.kind.is_running() || f.running.is_some()).then(|| value(&f.running)),
        source: f.source.as_deref(),
    }
}

/// One finding as the JSON report writes it (the state file keeps findings this way).
pub fn finding_to_json(f: &Finding) -> serde_json::Value {
    serde_json::to_value(out_finding(f, false)).unwrap_or(serde_json::Value::Null)
}

/// Seconds since the Unix epoch as RFC 3339 UTC with milliseconds.
pub(crate) fn rfc3339(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let t = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs_f64(seconds))?;
    Some(humantime::format_rfc3339_millis(t).to_string())
}

impl Writer for JsonWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut runs: Vec<OutHostRun> = r
            .host_runs
            .iter()
            .map(|h| OutHostRun {
                host: &h.host,
                group: &h.group,
                up: h.up,
                files: &h.files,
                yaml_1_1: &h.yaml_1_1,
            })
            .collect();
        runs.sort_by(|a, b| (a.host, a.group).cmp(&(b.host, b.group)));
        let doc = Out {
            schema: SCHEMA,
            baseline: r.baseline.as_ref().map(|b| OutBaseline {
                reference: &b.reference,
                commit: &b.commit,
                summary: &b.summary,
            }),
            summary: Summary {
                hosts: r.hosts,
                files: r.files,
                drifted_hosts: r.drifted_hosts(),
                findings: r.findings.len(),
                errors: r.errors.len(),
                by_severity: BySeverity {
                    critical: r.count(Severity::Critical),
                    warning: r.count(Severity::Warning),
                    info: r.count(Severity::Info),
                },
            },
            findings: r.findings.iter().map(|f| out_finding(f, false)).collect(),
            resolved: r.resolved.iter().map(|f| out_finding(f, true)).collect(),
            errors: r
                .errors
                .iter()
                .map(|e| OutError {
                    host: e.host.as_deref(),
                    file: e.file.as_deref(),
                    line: e.line,
                    column: e.column,
                    message: &e.message,
                })
                .collect(),
            notices: &r.notices,
            host_runs: runs,
            started_at: r.started_at.and_then(rfc3339),
            duration_seconds: r.duration_seconds,
            facts: &r.facts,
            detected: r
                .detected
                .iter()
                .map(|d| OutDetected {
                    file: &d.file,
                    format: &d.format,
                    why: &d.why,
                    hosts: &d.hosts,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")
    }
}

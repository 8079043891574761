//! Reads a `confdrift/v2` (or `confdrift/v1`) JSON report back into a [`Report`] (for `merge`) and single findings
//! back into [`Finding`]s (for the `--state` file). Values come back as [`Value`]s that write out
//! exactly as they were read.

use super::{
    BaselineInfo, CommitInfo, Detected, Finding, HostRun, Kind, Problem, Report, SCHEMA, Severity,
    Status, Tracking,
};
use crate::tree::Value;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

#[derive(Deserialize)]
struct InDoc {
    baseline: Option<InBaseline>,
    summary: InSummary,
    findings: Vec<InFinding>,
    #[serde(default)]
    resolved: Vec<InFinding>,
    errors: Vec<InError>,
    #[serde(default)]
    notices: Vec<String>,
    #[serde(default)]
    host_runs: Vec<InHostRun>,
    started_at: Option<String>,
    duration_seconds: Option<f64>,
    #[serde(default)]
    facts: Vec<serde_json::Value>,
    #[serde(default)]
    detected: Vec<InDetected>,
}

#[derive(Deserialize)]
struct InDetected {
    file: String,
    format: String,
    why: String,
    #[serde(default)]
    hosts: Vec<String>,
}

#[derive(Deserialize)]
struct InBaseline {
    #[serde(rename = "ref")]
    reference: String,
    commit: String,
    summary: String,
}

#[derive(Deserialize)]
struct InSummary {
    hosts: usize,
    files: usize,
}

#[derive(Deserialize)]
struct InFinding {
    host: Option<String>,
    group: Option<String>,
    file: String,
    key: Option<String>,
    kind: Kind,
    severity: Severity,
    baseline: serde_json::Value,
    live: serde_json::Value,
    line: Option<u32>,
    baseline_line: Option<u32>,
    baseline_file: Option<String>,
    rule: Option<String>,
    message: String,
    hint: Option<String>,
    baseline_commit: Option<InCommit>,
    status: Option<InStatus>,
    first_seen: Option<String>,
    /// confdrift/v2, running servers.
    #[serde(default)]
    file_value: Option<serde_json::Value>,
    #[serde(default)]
    running: Option<serde_json::Value>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum InStatus {
    New,
    Known,
    Resolved,
}

#[derive(Deserialize)]
struct InCommit {
    id: String,
    author: String,
    date: String,
    summary: String,
}

#[derive(Deserialize)]
struct InError {
    host: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    message: String,
}

#[derive(Deserialize)]
struct InHostRun {
    host: String,
    group: String,
    up: bool,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    yaml_1_1: Vec<String>,
}

/// The schemas read: this one, and v1 (v2 only added the running servers' kinds and fields).
const READ: &[&str] = &[SCHEMA, "confdrift/v1"];

/// Parses a JSON report. Refuses another schema than those in [`READ`] before looking further.
pub fn read_report(text: &str) -> Result<Report> {
    let raw: serde_json::Value = serde_json::from_str(text).map_err(syntax)?;
    match raw.get("schema").and_then(|s| s.as_str()) {
        Some(s) if READ.contains(&s) => {}
        Some(other) => bail!("schema {other:?}; expected {SCHEMA:?} or \"confdrift/v1\""),
        None => bail!("not a confdrift report: no \"schema\" field; expected {SCHEMA:?}"),
    }
    let doc: InDoc = serde_json::from_str(text).map_err(syntax)?;
    let started_at = match &doc.started_at {
        None => None,
        Some(s) => Some(
            humantime::parse_rfc3339_weak(s)
                .map_err(|e| anyhow!("started_at {s:?} is not an RFC 3339 time ({e})"))?
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        ),
    };
    let hosts = if doc.host_runs.is_empty() {
        doc.summary.hosts
    } else {
        let mut names: Vec<&str> = doc.host_runs.iter().map(|h| h.host.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    Ok(Report {
        baseline: doc.baseline.map(|b| BaselineInfo {
            reference: b.reference,
            commit: b.commit,
            summary: b.summary,
        }),
        hosts,
        files: doc.summary.files,
        findings: doc.findings.into_iter().map(finding).collect(),
        resolved: doc.resolved.into_iter().map(finding).collect(),
        errors: doc
            .errors
            .into_iter()
            .map(|e| Problem {
                host: e.host,
                file: e.file,
                line: e.line,
                column: e.column,
                message: e.message,
            })
            .collect(),
        notices: doc.notices,
        host_runs: doc
            .host_runs
            .into_iter()
            .map(|h| HostRun {
                host: h.host,
                group: h.group,
                up: h.up,
                files: h.files,
                yaml_1_1: h.yaml_1_1,
            })
            .collect(),
        started_at,
        duration_seconds: doc.duration_seconds,
        facts: doc.facts,
        lint: false,
        detected: doc
            .detected
            .into_iter()
            .map(|d| Detected {
                file: d.file,
                format: d.format,
                why: d.why,
                hosts: d.hosts,
            })
            .collect(),
    })
}

/// One finding as [`super::finding_to_json`] wrote it.
pub fn finding_from_json(v: &serde_json::Value) -> Result<Finding> {
    let f: InFinding = serde_json::from_value(v.clone()).context("not a finding")?;
    Ok(finding(f))
}

fn syntax(e: serde_json::Error) -> anyhow::Error {
    if e.line() > 0 {
        anyhow!("line {} column {}: {e}", e.line(), e.column())
    } else {
        anyhow!("{e}")
    }
}

fn finding(f: InFinding) -> Finding {
    // JSON writes both "no value" and a null value as null; only a changed key has both sides.
    let both = f.kind == Kind::Changed;
    let side = |v: &serde_json::Value| match v {
        serde_json::Value::Null if !both => None,
        v => Some(value(v)),
    };
    Finding {
        baseline: side(&f.baseline),
        live: side(&f.live),
        host: f.host,
        group: f.group,
        file: f.file,
        key: f.key,
        kind: f.kind,
        severity: f.severity,
        line: f.line,
        baseline_line: f.baseline_line,
        baseline_source: f.baseline_file,
        message: f.message,
        rule: f.rule,
        hint: f.hint,
        baseline_commit: f.baseline_commit.map(|c| CommitInfo {
            id: c.id,
            author: c.author,
            date: c.date,
            summary: c.summary,
        }),
        status: f.first_seen.map(|first_seen| Tracking {
            status: if f.status == Some(InStatus::New) {
                Status::New
            } else {
                Status::Known
            },
            first_seen,
        }),
        file_value: f
            .file_value
            .as_ref()
            .and_then(|v| (!v.is_null()).then(|| value(v))),
        running: f
            .running
            .as_ref()
            .and_then(|v| (!v.is_null()).then(|| value(v))),
        source: f.source,
    }
}

/// The inverse of [`Value::to_json`]: writing the result gives back the same JSON.
fn value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_f64() {
                Some(f) if n.is_f64() => Value::Float(f),
                _ => Value::Str(n.to_string()),
            },
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Object(m) if m.is_empty() => Value::EmptyMap,
        serde_json::Value::Array(a) if a.is_empty() => Value::EmptyList,
        other => Value::Str(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_write_back_as_they_were_read() {
        for text in [
            "null",
            "true",
            "5",
            "-3",
            "0.5",
            "50.0",
            "\"128MB\"",
            "\"x y\"",
            "{}",
            "[]",
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(value(&v).to_json(), v, "{text}");
        }
    }

    #[test]
    fn another_schema_is_refused_by_name() {
        let e = read_report(r#"{"schema": "confdrift/v3", "findings": 3}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "schema \"confdrift/v3\"; expected \"confdrift/v2\" or \"confdrift/v1\""
        );
        let e = read_report("{\n  \"schema\": \"confdrift/v1\",\n  oops").unwrap_err();
        assert!(e.to_string().starts_with("line 3 column 3:"), "{e}");
    }
}

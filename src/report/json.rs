//! `--format json`: the `confdrift/v1` schema of SPEC.md. Output structs are separate from
//! the engine's types, so the schema changes only on purpose.

use super::{Report, Severity, Writer};
use serde::Serialize;
use std::io::Write;

pub const SCHEMA: &str = "confdrift/v1";

pub struct JsonWriter;

#[derive(Serialize)]
struct Out<'a> {
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<OutBaseline<'a>>,
    summary: Summary,
    findings: Vec<OutFinding<'a>>,
    errors: Vec<OutError<'a>>,
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
    status: Option<super::Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<&'a str>,
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

impl Writer for JsonWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let value = |v: &Option<crate::tree::Value>| {
            v.as_ref().map_or(serde_json::Value::Null, |v| v.to_json())
        };
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
            findings: r
                .findings
                .iter()
                .map(|f| OutFinding {
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
                    status: f.status.as_ref().map(|t| t.status),
                    first_seen: f.status.as_ref().map(|t| t.first_seen.as_str()),
                })
                .collect(),
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
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")
    }
}

//! Rules with `source = "running"` applied to what a running server reports: the same value
//! checks as on a file (`min`, `max`, `one_of`, `pattern`), on the setting as the server names
//! it, into `out_of_range`/`violation` findings that carry the running value and its source.

use super::Rules;
use super::file::check_value;
use crate::normalize::Format;
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::Value;

/// One setting as a running server reports it.
pub struct RunningValue<'a> {
    /// The setting as the server names it (`max_connections`, `maxclients`).
    pub name: &'a str,
    /// Typed as the file's reader types it (units where the server reports them).
    pub value: Value,
    /// Where the server says the value came from, for the finding.
    pub source: Option<String>,
}

/// Where the server runs: the host, its group, the file whose `[[group.running]]` entry names
/// the server, and that file's format (its units, key case and secrets).
pub struct RunningCtx<'a> {
    pub group: &'a str,
    pub host: &'a str,
    pub file: &'a str,
    pub format: Format,
    /// How the server was reached, for messages (`psql service=db`).
    pub server: &'a str,
}

impl Rules {
    /// The findings of the running rules covering this server, over its settings.
    pub fn apply_running<'v>(
        &self,
        ctx: &RunningCtx,
        settings: impl Iterator<Item = RunningValue<'v>>,
    ) -> Vec<Finding> {
        let rules: Vec<_> = self
            .covering_running(ctx.group, ctx.host, ctx.file)
            .collect();
        if rules.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for s in settings {
            let matching: Vec<_> = rules
                .iter()
                .filter(|r| r.key_for(ctx.format).is_match(s.name))
                .collect();
            let mut broken = Vec::new();
            for r in &matching {
                for (range, message) in check_value(ctx.format, r, s.name, &s.value) {
                    broken.push((r, range, message));
                }
            }
            if broken.is_empty() {
                continue;
            }
            let mut labels: Vec<&str> = Vec::new();
            for (r, _, _) in &broken {
                if !labels.contains(&r.label.as_str()) {
                    labels.push(&r.label);
                }
            }
            let messages: Vec<&str> = broken.iter().map(|(_, _, m)| m.as_str()).collect();
            out.push(Finding {
                host: Some(ctx.host.to_string()),
                group: Some(ctx.group.to_string()),
                file: ctx.file.to_string(),
                kind: if broken.iter().any(|(_, range, _)| *range) {
                    Kind::OutOfRange
                } else {
                    Kind::Violation
                },
                severity: broken
                    .iter()
                    .map(|(r, _, _)| r.violation_severity())
                    .max()
                    .unwrap_or(Severity::Warning),
                running: Some(secret::redact(ctx.format, s.name, &s.value)),
                source: s.source,
                message: format!(
                    "{} as the running server runs it ({})",
                    messages.join("; "),
                    ctx.server
                ),
                rule: Some(labels.join("; ")),
                hint: broken.iter().find_map(|(r, _, _)| r.hint.clone()),
                key: Some(s.name.to_string()),
                ..Finding::default()
            });
        }
        out
    }
}

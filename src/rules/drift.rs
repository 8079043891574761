//! A key change becomes a drift finding: values redacted where they are secret, lines taken
//! from both sides, the plain drift severity.

use crate::diff::Change;
use crate::normalize::Format;
use crate::report::{Finding, Kind, Severity, drift_message, move_message};
use crate::secret;

/// Severity of plain drift (no rule says otherwise).
pub const DRIFT_SEVERITY: Severity = Severity::Warning;

/// A finding from a key change, with secret values redacted.
pub fn finding_from_change(
    format: Format,
    host: Option<&str>,
    group: Option<&str>,
    file: &str,
    baseline_source: Option<&str>,
    c: Change,
) -> Finding {
    let baseline = c
        .baseline
        .as_ref()
        .map(|e| secret::redact(format, &c.key, &e.value));
    let live = c
        .live
        .as_ref()
        .map(|e| secret::redact(format, &c.key, &e.value));
    let message = if c.kind == Kind::Moved {
        move_message(baseline.as_ref(), live.as_ref())
    } else {
        drift_message(baseline.as_ref(), live.as_ref())
    };
    Finding {
        host: host.map(str::to_string),
        group: group.map(str::to_string),
        file: file.to_string(),
        line: line_of(c.live.as_ref()),
        baseline_line: line_of(c.baseline.as_ref()),
        key: Some(c.key),
        kind: c.kind,
        severity: DRIFT_SEVERITY,
        baseline,
        live,
        baseline_source: baseline_source.map(str::to_string),
        message,
        ..Finding::default()
    }
}

/// A side's line; none for a value that is the whole file's (a binary file's hash).
fn line_of(e: Option<&crate::tree::Entry>) -> Option<u32> {
    e.map(|e| e.line).filter(|&l| l != crate::tree::WHOLE_FILE)
}

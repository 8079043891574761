//! The one-line message of a drift finding, from its two (already redacted) values; the text
//! writer uses it to know when a finding says no more than its values.

use crate::tree::Value;

/// What a drift finding says when nothing more is known than its two (redacted) values.
pub fn drift_message(baseline: Option<&Value>, live: Option<&Value>) -> String {
    match (baseline, live) {
        (Some(b), Some(l)) if b == l => "changed (secret value)".to_string(),
        (Some(b), Some(l)) => format!("changed from {} to {}", short(b), short(l)),
        (None, Some(l)) => format!("added on the host: {}", short(l)),
        (Some(b), None) => format!("removed on the host; the baseline has {}", short(b)),
        (None, None) => "changed".to_string(),
    }
}

/// A value for a one-line message: the first line, at most 60 characters.
fn short(v: &Value) -> String {
    let s = v.to_string();
    let first = s.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

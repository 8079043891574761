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

/// What a `moved` finding says, from its two values (the earlier rules that can match some of
/// the same connections, `; `-separated, on each side): the rules it now comes before, which it
/// now matches first for the connections both match, and those it now comes after, which now
/// match those first.
pub fn move_message(baseline: Option<&Value>, live: Option<&Value>) -> String {
    let list = |v: Option<&Value>| -> Vec<String> {
        v.map(|v| v.to_string())
            .unwrap_or_default()
            .split("; ")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (base, live) = (list(baseline), list(live));
    let names = |v: Vec<&String>| {
        let shown: Vec<String> = v.iter().take(3).map(|k| format!("\"{k}\"")).collect();
        match v.len().saturating_sub(3) {
            0 => shown.join(", "),
            n => format!("{} and {n} more", shown.join(", ")),
        }
    };
    let above: Vec<&String> = base.iter().filter(|k| !live.contains(k)).collect();
    let below: Vec<&String> = live.iter().filter(|k| !base.contains(k)).collect();
    let mut parts = Vec::new();
    if !above.is_empty() {
        parts.push(format!(
            "now before {}: this rule matches first where both match",
            names(above)
        ));
    }
    if !below.is_empty() {
        let n = below.len();
        parts.push(format!(
            "now after {}, which {} first where both match",
            names(below),
            if n == 1 { "matches" } else { "match" }
        ));
    }
    if parts.is_empty() {
        return "moved: the rules before it that match some of the same connections are in another order".to_string();
    }
    format!("moved: {}", parts.join("; "))
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

//! Plain-text pieces the writers share: where a value was read, and how it reads.

use super::{Finding, Status};
use crate::tree::Value;

/// `app-2:/etc/myapp/database.yml:12` (host, file, live line; whatever is known).
pub(crate) fn live_place(f: &Finding) -> String {
    let mut s = match &f.host {
        Some(h) => format!("{h}:{}", f.file),
        None => f.file.clone(),
    };
    if let Some(l) = f.line {
        s.push_str(&format!(":{l}"));
    }
    s
}

/// `baselines/groups/app/etc/myapp/database.yml:12`, when the baseline side is known.
pub(crate) fn baseline_place(f: &Finding) -> Option<String> {
    match (&f.baseline_source, f.baseline_line) {
        (Some(src), Some(l)) => Some(format!("{src}:{l}")),
        (Some(src), None) => Some(src.clone()),
        (None, Some(l)) => Some(format!("line {l}")),
        (None, None) => None,
    }
}

/// A side's value as people read it (no final line break); `(absent)` when the key is not on
/// that side.
pub(crate) fn show(v: &Option<Value>) -> String {
    match v {
        Some(v) => v.to_string().trim_end_matches('\n').to_string(),
        None => "(absent)".to_string(),
    }
}

/// `production.pool: changed from 50 to 5` (the key, then the engine's message).
pub(crate) fn headline(f: &Finding) -> String {
    match &f.key {
        Some(k) => format!("{k}: {}", f.message),
        None => f.message.clone(),
    }
}

/// `new`, or `known since 2026-01-02T03:04:05Z`, under `--state`.
pub(crate) fn tracking(f: &Finding) -> Option<String> {
    f.status.as_ref().map(|t| match t.status {
        Status::New => "new".to_string(),
        Status::Known => format!("known since {}", t.first_seen),
    })
}

/// At most `max` characters, an ellipsis marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Every detail of one finding, one `label: value` line each (JUnit bodies, Markdown details).
pub(crate) fn detail_lines(f: &Finding) -> Vec<(&'static str, String)> {
    let mut out = vec![("kind", format!("{} ({})", f.kind.name(), f.severity.name()))];
    let base = show(&f.baseline);
    out.push((
        "baseline",
        match baseline_place(f) {
            Some(at) => format!("{base}  ({at})"),
            None => base,
        },
    ));
    if f.kind.is_running() {
        out.push((
            "file",
            format!("{}  ({})", show(&f.file_value), live_place(f)),
        ));
        let running = match &f.source {
            Some(src) => format!("{}  ({src})", show(&f.running)),
            None => show(&f.running),
        };
        out.push(("running", running));
    } else {
        out.push(("live", format!("{}  ({})", show(&f.live), live_place(f))));
    }
    out.push(("message", f.message.clone()));
    if let Some(r) = &f.rule {
        out.push(("rule", r.clone()));
    }
    if let Some(h) = &f.hint {
        out.push(("hint", h.clone()));
    }
    if let Some(c) = &f.baseline_commit {
        let short: String = c.id.chars().take(7).collect();
        out.push((
            "set by",
            format!("{short} {} {} \"{}\"", c.author, c.date, c.summary),
        ));
    }
    if let Some(t) = tracking(f) {
        out.push(("status", t));
    }
    out
}

//! `--format text`: for people. A one-line summary first, then host → file → key with the
//! baseline and live values (a running server's finding: baseline, file and running) and where
//! each was read, then the trouble, then (with `--state`)
//! what was resolved since the last run.

use super::describe::{live_place, truncate};
use super::{Finding, Report, Severity, Status, Writer};
use anstyle::{AnsiColor, Effects, Style};
use std::fmt::Write as _;
use std::io::Write;

pub struct TextWriter {
    /// Emit ANSI colour (decided once, by the caller, from --color, NO_COLOR and the terminal).
    pub color: bool,
    /// Cut long values to fit this many columns (a terminal); `None` never cuts (files, pipes).
    pub width: Option<usize>,
}

/// Indent and label column before a value (`        baseline `).
const VALUE_COLUMN: usize = 17;
/// However narrow the terminal, a value keeps this many characters.
const MIN_VALUE_CHARS: usize = 16;

const BOLD: Style = Style::new().effects(Effects::BOLD);
const DIM: Style = Style::new().effects(Effects::DIMMED);
const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const MAGENTA: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Magenta)));
const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

impl TextWriter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let style = match s {
            Severity::Critical => RED.effects(Effects::BOLD),
            Severity::Warning => YELLOW,
            Severity::Info => CYAN,
        };
        self.paint(style, &format!("{:<8}", s.name()))
    }
}

impl Writer for TextWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut s = String::new();
        summary(self, r, &mut s);
        let mut host: Option<&Option<String>> = None;
        let mut file: Option<(&Option<String>, &str)> = None;
        for f in &r.findings {
            if host != Some(&f.host) {
                s.push('\n');
                if let Some(h) = &f.host {
                    let group = f.group.as_deref().map(|g| format!(" (group {g})"));
                    let _ = writeln!(s, "{}{}", self.paint(BOLD, h), group.unwrap_or_default());
                }
                host = Some(&f.host);
                file = None;
            }
            if file != Some((&f.host, &f.file)) {
                let _ = writeln!(s, "  {}", self.paint(CYAN.effects(Effects::BOLD), &f.file));
                file = Some((&f.host, &f.file));
            }
            finding(self, f, &mut s);
        }
        if !r.errors.is_empty() {
            let _ = writeln!(s, "\n{} ({}):", self.paint(BOLD, "errors"), r.errors.len());
            for e in &r.errors {
                let _ = writeln!(
                    s,
                    "  {}: {e}",
                    self.paint(RED.effects(Effects::BOLD), "error")
                );
            }
        }
        if !r.resolved.is_empty() {
            let _ = writeln!(
                s,
                "\n{} ({}):",
                self.paint(BOLD, "resolved since the last run"),
                r.resolved.len()
            );
            for f in &r.resolved {
                resolved(self, f, &mut s);
            }
        }
        out.write_all(s.as_bytes())
    }
}

fn summary(w: &TextWriter, r: &Report, s: &mut String) {
    let plural = super::plural;
    let errors = match r.errors.len() {
        0 => String::new(),
        n => format!(
            "; {}",
            w.paint(RED.effects(Effects::BOLD), &plural(n, "error"))
        ),
    };
    let scope = r.scope_words();
    let mut tracked = String::new();
    if r.findings.iter().any(|f| f.status.is_some()) {
        let new = r
            .findings
            .iter()
            .filter(|f| f.status.as_ref().is_some_and(|t| t.status == Status::New))
            .count();
        let _ = write!(tracked, ", {new} new");
    }
    if !r.resolved.is_empty() {
        let _ = write!(tracked, "; {} resolved", r.resolved.len());
    }
    if r.findings.is_empty() {
        let verdict = if r.errors.is_empty() {
            w.paint(GREEN.effects(Effects::BOLD), &format!("no {}", r.what()))
        } else {
            w.paint(BOLD, &format!("no {} found", r.what()))
        };
        let _ = writeln!(s, "confdrift: {verdict} in {scope}{tracked}{errors}");
    } else {
        let where_ = r.drift_words();
        let _ = writeln!(
            s,
            "confdrift: {} {where_}: {} ({} critical, {} warning, {} info){tracked}{errors}",
            w.paint(
                RED.effects(Effects::BOLD),
                &if r.lint {
                    "RULE VIOLATIONS in the baseline".to_string()
                } else {
                    "DRIFT".to_string()
                }
            ),
            plural(r.findings.len(), "finding"),
            r.count(Severity::Critical),
            r.count(Severity::Warning),
            r.count(Severity::Info),
        );
    }
    for n in &r.notices {
        let _ = writeln!(s, "{}: {n}", w.paint(YELLOW.effects(Effects::BOLD), "note"));
    }
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            s,
            "{}",
            w.paint(
                DIM,
                &format!(
                    "baseline: {} at {} \"{}\"",
                    b.reference,
                    b.short_id(),
                    b.summary
                )
            )
        );
    }
}

fn finding(w: &TextWriter, f: &Finding, s: &mut String) {
    let kind = format!("{:<15}", f.kind.name());
    let marker = match &f.status {
        Some(t) if t.status == Status::New => {
            format!("  {}", w.paint(MAGENTA.effects(Effects::BOLD), "[new]"))
        }
        Some(t) => format!(
            "  {}",
            w.paint(DIM, &format!("[known since {}]", t.first_seen))
        ),
        None => String::new(),
    };
    match &f.key {
        Some(key) => {
            let _ = writeln!(
                s,
                "    {} {} {}{marker}",
                w.severity(f.severity),
                kind,
                w.paint(BOLD, key)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "    {} {} {}{marker}",
                w.severity(f.severity),
                kind,
                f.message
            );
            explain(w, f, s);
            return;
        }
    }
    let base_at = match (&f.baseline_source, f.baseline_line) {
        (Some(src), Some(l)) => format!("{src}:{l}"),
        (None, Some(l)) => format!("line {l}"),
        _ => String::new(),
    };
    let live_at = match (&f.host, f.line) {
        (Some(h), Some(l)) => format!("{h}:{}:{l}", f.file),
        (None, Some(l)) => format!("{}:{l}", f.file),
        _ => String::new(),
    };
    let show = |v: &Option<crate::tree::Value>| match v {
        Some(v) => v.to_string(),
        None => "(absent)".to_string(),
    };
    let drift = f.kind.is_drift();
    // (label, value, where, colour, shown): a running server's finding shows baseline, file
    // and running side by side; drift its two sides; a rule's finding the sides it has.
    let mut sides: Vec<(&str, String, String, Style, bool)> = if f.kind.is_running() {
        vec![
            ("baseline", show(&f.baseline), base_at, RED, true),
            ("file", show(&f.file_value), live_at, YELLOW, true),
            (
                "running",
                show(&f.running),
                f.source.clone().unwrap_or_default(),
                GREEN,
                true,
            ),
        ]
    } else {
        vec![
            (
                "baseline",
                show(&f.baseline),
                base_at,
                RED,
                drift || f.baseline.is_some(),
            ),
            (
                "live",
                show(&f.live),
                live_at,
                GREEN,
                drift || f.live.is_some(),
            ),
        ]
    };
    sides.retain(|side| side.4);
    if let Some(columns) = w.width {
        let longest_at = sides.iter().map(|x| x.2.chars().count()).max().unwrap_or(0);
        let room = columns
            .saturating_sub(VALUE_COLUMN + 2 + longest_at)
            .max(MIN_VALUE_CHARS);
        for side in &mut sides {
            side.1 = side
                .1
                .lines()
                .map(|x| truncate(x, room))
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    let width = sides
        .iter()
        .flat_map(|x| x.1.lines())
        .map(|x| x.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let coloured = drift || f.kind.is_running();
    for (label, value, at, style, _) in sides {
        let style = if coloured { style } else { Style::new() };
        let mut lines = value.lines();
        let first = lines.next().unwrap_or("");
        let pad = width.saturating_sub(first.chars().count());
        let line = format!(
            "        {label:<9}{}{}  {}",
            w.paint(style, first),
            " ".repeat(pad),
            w.paint(DIM, &at)
        );
        let _ = writeln!(s, "{}", line.trim_end());
        for more in lines {
            let _ = writeln!(s, "        {:<9}{}", "", w.paint(style, more));
        }
    }
    if let Some(c) = &f.baseline_commit {
        let set_by = format!(
            "{}, {}, {} \"{}\"",
            c.author,
            c.date.get(..10).unwrap_or(&c.date),
            c.id.get(..7).unwrap_or(&c.id),
            // Cut only for a terminal; a pipe, a file or a mail gets the whole subject.
            if w.width.is_some() && c.summary.chars().count() > 60 {
                format!("{}…", c.summary.chars().take(59).collect::<String>())
            } else {
                c.summary.clone()
            }
        );
        let _ = writeln!(s, "        {:<9}{}", "set by", w.paint(DIM, &set_by));
    }
    // Plain drift says no more than its two values, unless something was added to it.
    if !drift
        || f.rule.is_some()
        || f.message != super::drift_message(f.baseline.as_ref(), f.live.as_ref())
    {
        let _ = writeln!(s, "        {:<9}{}", "why", f.message);
    }
    explain(w, f, s);
}

/// The rule that fired and its hint, under the finding.
fn explain(w: &TextWriter, f: &Finding, s: &mut String) {
    if let Some(rule) = &f.rule {
        let _ = writeln!(s, "        {:<9}{}", "rule", w.paint(DIM, rule));
    }
    if let Some(hint) = &f.hint {
        let _ = writeln!(s, "        {:<9}{hint}", "hint");
    }
}

/// `app-2:/etc/myapp/database.yml:12 production.pool (changed, first seen ...)`
fn resolved(w: &TextWriter, f: &Finding, s: &mut String) {
    let what = match &f.key {
        Some(k) => format!("{} {}", live_place(f), w.paint(BOLD, k)),
        None => live_place(f),
    };
    let since = f
        .status
        .as_ref()
        .map(|t| format!(", first seen {}", t.first_seen))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "  {} {what} ({}{since})",
        w.paint(GREEN.effects(Effects::BOLD), "resolved"),
        f.kind.name()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Value;

    fn long_value() -> Report {
        Report {
            hosts: 1,
            files: 1,
            findings: vec![Finding {
                host: Some("app-1".into()),
                group: Some("app".into()),
                file: "/etc/app.yml".into(),
                key: Some("url".into()),
                baseline: Some(Value::text("x".repeat(200))),
                live: Some(Value::text("y".repeat(200))),
                line: Some(3),
                baseline_line: Some(3),
                baseline_source: Some("baselines/groups/app/etc/app.yml".into()),
                message: "changed".into(),
                ..Finding::default()
            }],
            ..Report::default()
        }
    }

    fn render(width: Option<usize>) -> String {
        let mut out = Vec::new();
        TextWriter {
            color: false,
            width,
        }
        .write(&long_value(), &mut out)
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_terminal_width_cuts_long_values_and_keeps_the_place() {
        let text = render(Some(100));
        let live = text
            .lines()
            .find(|l| l.trim_start().starts_with("live"))
            .unwrap();
        assert!(live.chars().count() <= 100, "{live}");
        assert!(live.contains('…'), "{live}");
        assert!(live.ends_with("app-1:/etc/app.yml:3"), "{live}");
    }

    #[test]
    fn without_a_width_nothing_is_cut() {
        let text = render(None);
        assert!(text.contains(&"y".repeat(200)), "{text}");
        assert!(!text.contains('…'));
    }
}

//! `--format markdown`: for a pull-request comment, a ticket, or `$GITHUB_STEP_SUMMARY`.
//! A summary, a table of findings, the details of each in a collapsed `<details>`, then the
//! trouble and what was resolved since the last run. Every piece of text from a config file or
//! a host is escaped, so a `|` or a backtick in a value cannot break the table or the layout.

use super::describe::{detail_lines, live_place, show, truncate};
use super::{Finding, Report, Severity, Status, Writer};
use std::fmt::Write as _;
use std::io::Write;

pub struct MarkdownWriter;

/// Table cells stay readable; the details keep the whole value.
const CELL_CHARS: usize = 60;

impl Writer for MarkdownWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut s = String::new();
        summary(r, &mut s);
        if !r.findings.is_empty() {
            let _ = writeln!(s, "\n### Findings\n");
            table(&r.findings, &mut s);
            let _ = writeln!(
                s,
                "\n<details><summary>Details of {} finding{}</summary>\n",
                r.findings.len(),
                if r.findings.len() == 1 { "" } else { "s" }
            );
            for f in &r.findings {
                details(f, &mut s);
            }
            let _ = writeln!(s, "</details>");
        }
        if !r.errors.is_empty() {
            let _ = writeln!(s, "\n### Could not check ({})\n", r.errors.len());
            for e in &r.errors {
                let _ = writeln!(s, "- {}", esc(&e.to_string()));
            }
        }
        if !r.resolved.is_empty() {
            let _ = writeln!(
                s,
                "\n### Resolved since the last run ({})\n",
                r.resolved.len()
            );
            table(&r.resolved, &mut s);
        }
        out.write_all(s.as_bytes())
    }
}

fn summary(r: &Report, s: &mut String) {
    let plural = super::plural;
    let scope = r.scope_words();
    let verdict = if !r.findings.is_empty() {
        format!("{} {}", r.what(), r.drift_words())
    } else if r.errors.is_empty() {
        format!("no {} in {scope}", r.what())
    } else {
        format!("no {} found in {scope}", r.what())
    };
    let _ = writeln!(s, "## confdrift: {verdict}\n");
    let mut facts = vec![format!(
        "**{}** ({} critical, {} warning, {} info)",
        plural(r.findings.len(), "finding"),
        r.count(Severity::Critical),
        r.count(Severity::Warning),
        r.count(Severity::Info)
    )];
    let new = count_new(&r.findings);
    if r.findings.iter().any(|f| f.status.is_some()) {
        facts.push(format!("{new} new"));
    }
    if !r.resolved.is_empty() {
        facts.push(format!("{} resolved", r.resolved.len()));
    }
    if !r.errors.is_empty() {
        facts.push(format!("**{}**", plural(r.errors.len(), "error")));
    }
    let _ = writeln!(s, "{}.", facts.join(", "));
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            s,
            "\nBaseline: {} at {} \"{}\".",
            esc(&b.reference),
            esc(b.short_id()),
            esc(&b.summary)
        );
    }
    for n in &r.notices {
        let _ = writeln!(s, "\n> **Note:** {}", esc(n));
    }
}

fn count_new(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.status.as_ref().is_some_and(|t| t.status == Status::New))
        .count()
}

fn table(findings: &[Finding], s: &mut String) {
    let tracked = findings.iter().any(|f| f.status.is_some());
    let _ = writeln!(
        s,
        "| Severity | Host | File | Key | Kind | Baseline | Live |{}",
        if tracked { " Status |" } else { "" }
    );
    let _ = writeln!(
        s,
        "| --- | --- | --- | --- | --- | --- | --- |{}",
        if tracked { " --- |" } else { "" }
    );
    for f in findings {
        let file = match f.line {
            Some(l) => format!("{}:{l}", f.file),
            None => f.file.clone(),
        };
        let cell = |v: &str| esc(&truncate(v, CELL_CHARS));
        let _ = write!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            f.severity.name(),
            cell(f.host.as_deref().unwrap_or("")),
            cell(&file),
            cell(f.key.as_deref().unwrap_or("")),
            f.kind.name(),
            cell(&show(&f.baseline)),
            cell(&live_cell(f)),
        );
        if tracked {
            let status = match &f.status {
                Some(t) if t.status == Status::New => "new".to_string(),
                Some(t) => format!("since {}", esc(&t.first_seen)),
                None => String::new(),
            };
            let _ = write!(s, " {status} |");
        }
        s.push('\n');
    }
}

/// The Live column: the live value, or for a running server the file's and the running value.
fn live_cell(f: &Finding) -> String {
    if f.kind.is_running() {
        format!("file {}, running {}", show(&f.file_value), show(&f.running))
    } else {
        show(&f.live)
    }
}

fn details(f: &Finding, s: &mut String) {
    let what = match &f.key {
        Some(k) => format!("{} {}", live_place(f), k),
        None => live_place(f),
    };
    let _ = writeln!(s, "#### {}\n", esc(&what));
    for (label, value) in detail_lines(f) {
        let _ = writeln!(s, "- {label}: {}", esc(&value));
    }
    s.push('\n');
}

/// Escapes text for Markdown, in a table cell or a list item: HTML's `& < >` as entities,
/// Markdown's punctuation (`|` and backticks first of all) with a backslash, newlines as `<br>`.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim_end_matches('\n').chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '|' | '`' | '\\' | '*' | '_' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn pipes_backticks_and_html_cannot_escape_their_cell() {
        assert_eq!(esc("a|b`c`"), "a\\|b\\`c\\`");
        assert_eq!(esc("<script>&"), "&lt;script&gt;&amp;");
        assert_eq!(esc("line1\nline2"), "line1<br>line2");
        assert_eq!(
            esc("**bold** _x_ [l](u)"),
            "\\*\\*bold\\*\\* \\_x\\_ \\[l\\](u)"
        );
    }
}

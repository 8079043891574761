//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error` for critical, `::warning` for warning, `::notice` for info) and per problem.
//!
//! A finding whose baseline file is known points at it (`file=` the baseline file relative to
//! the repository root, `line=` its line), so the annotation lands on the line of the baseline
//! that the live host disagrees with. Other findings get a plain annotation.

use super::describe::{headline, live_place, show};
use super::{Finding, Report, Severity, Writer};
use std::fmt::Write as _;
use std::io::Write;

pub struct GithubWriter;

impl Writer for GithubWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut s = String::new();
        for f in &r.findings {
            let level = match f.severity {
                Severity::Critical => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut props = Vec::new();
            if let Some(src) = &f.baseline_source {
                props.push(("file", src.clone()));
                if let Some(l) = f.baseline_line {
                    props.push(("line", l.to_string()));
                }
            }
            props.push(("title", title(f)));
            annotate(&mut s, level, &props, &message(f));
        }
        for e in &r.errors {
            let mut props = Vec::new();
            // A problem with no host in a check is the baseline's own file (it does not parse).
            if let (Some(file), None, Some(_)) = (&e.file, &e.host, &r.baseline) {
                props.push(("file", file.clone()));
                if let Some(l) = e.line {
                    props.push(("line", l.to_string()));
                }
                if let Some(c) = e.column {
                    props.push(("col", c.to_string()));
                }
            }
            props.push(("title", "confdrift: could not check".to_string()));
            annotate(&mut s, "error", &props, &e.to_string());
        }
        for f in &r.resolved {
            let props = [("title", format!("confdrift: resolved on {}", host_of(f)))];
            annotate(
                &mut s,
                "notice",
                &props,
                &format!("resolved: {}", message(f)),
            );
        }
        for n in &r.notices {
            annotate(&mut s, "notice", &[("title", "confdrift".to_string())], n);
        }
        out.write_all(s.as_bytes())
    }
}

fn host_of(f: &Finding) -> &str {
    f.host.as_deref().unwrap_or("the compared files")
}

/// `confdrift: changed production.pool on app-2`
fn title(f: &Finding) -> String {
    match &f.key {
        Some(k) => format!("confdrift: {} {k} on {}", f.kind.name(), host_of(f)),
        None => format!("confdrift: {} on {}", f.kind.name(), host_of(f)),
    }
}

/// `app-2:/etc/myapp/database.yml:12 production.pool: changed from 50 to 5 (baseline 50, live 5)`
fn message(f: &Finding) -> String {
    let mut m = format!("{} {}", live_place(f), headline(f));
    if f.kind.is_running() {
        let _ = write!(
            m,
            " (baseline {}, file {}, running {}",
            show(&f.baseline),
            show(&f.file_value),
            show(&f.running)
        );
        if let Some(src) = &f.source {
            let _ = write!(m, " from {src}");
        }
        m.push(')');
    } else if f.key.is_some() {
        let _ = write!(
            m,
            " (baseline {}, live {})",
            show(&f.baseline),
            show(&f.live)
        );
    }
    if let Some(r) = &f.rule {
        let _ = write!(m, "\nrule: {r}");
    }
    if let Some(h) = &f.hint {
        let _ = write!(m, "\nhint: {h}");
    }
    if let Some(t) = super::describe::tracking(f) {
        let _ = write!(m, "\nstatus: {t}");
    }
    m
}

fn annotate(s: &mut String, level: &str, props: &[(&str, String)], message: &str) {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    let _ = writeln!(
        s,
        "::{level}{sep}{}::{}",
        props.join(","),
        escape_data(message)
    );
}

/// The runner's escaping of a command's message: `%`, CR and LF.
fn escape_data(v: &str) -> String {
    v.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Properties also escape `:` and `,`, which separate them.
fn escape_property(v: &str) -> String {
    escape_data(v).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a:b,c\r\nx"), "50%25 a:b,c%0D%0Ax");
        assert_eq!(escape_property("50% a:b,c\nx"), "50%25 a%3Ab%2Cc%0Ax");
    }
}

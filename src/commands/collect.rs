//! `confdrift collect --out DIR`: the selected hosts' live files written under DIR (see
//! [`crate::pipeline::collect_into`]); a one-line summary, or the report in another format.

use super::render::{Render, emit_files, finish};
use crate::cli::{CollectArgs, FailOn, OutputFormat};
use crate::config::Config;
use crate::exit::Outcome;
use crate::report::{Report, Severity};
use std::io::Write;

pub fn run(a: &CollectArgs) -> anyhow::Result<Outcome> {
    let report = collect_report(a)?;
    Ok(finish_collect(a, &report))
}

fn collect_report(a: &CollectArgs) -> anyhow::Result<Report> {
    let cfg = Config::locate(a.common.config.as_deref())?;
    let sel = super::selection(&a.select)?;
    crate::pipeline::collect_into::collect_into(&cfg, &sel, &a.out, a.jobs, a.common.render.quiet)
}

/// `collect` reports what it wrote; other formats than text give the same report shape as
/// `check`, with no findings.
fn finish_collect(a: &CollectArgs, report: &Report) -> Outcome {
    let outcome = Outcome::of(report, Severity::Info);
    if a.common.render.format != OutputFormat::Text || a.common.render.output.is_some() {
        let render = Render {
            fail_on: FailOn::Any,
            ..a.common.render.clone()
        };
        return finish(&render, report);
    }
    if !a.common.render.reports.is_empty() && !emit_files(&a.common.render.reports, report) {
        return Outcome::Trouble;
    }
    if a.common.render.quiet && outcome == Outcome::Clean {
        return outcome;
    }
    let mut out = std::io::stdout().lock();
    // A host that could not be reached at all is an error of the host, naming no file.
    let down: std::collections::BTreeSet<&str> = report
        .errors
        .iter()
        .filter(|e| e.file.is_none())
        .filter_map(|e| e.host.as_deref())
        .collect();
    let from = if down.is_empty() {
        crate::report::plural(report.hosts, "host")
    } else {
        format!(
            "{} of {}",
            report.hosts.saturating_sub(down.len()),
            crate::report::plural(report.hosts, "host")
        )
    };
    let _ = writeln!(
        out,
        "confdrift: collected {} file{} from {from} into {}{}",
        report.files,
        if report.files == 1 { "" } else { "s" },
        a.out.display(),
        match report.errors.len() {
            0 => String::new(),
            1 => "; 1 error".to_string(),
            n => format!("; {n} errors"),
        }
    );
    for e in &report.errors {
        let _ = writeln!(out, "  error: {e}");
    }
    outcome
}

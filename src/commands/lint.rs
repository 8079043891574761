//! `confdrift lint`: the config and the baseline's own values against the rules, without
//! hosts (see [`crate::pipeline::lint`]); the work tree when it has uncommitted edits.

use super::render::finish;
use crate::cli::LintArgs;
use crate::config::Config;
use crate::exit::Outcome;
use crate::report::Report;

/// `lint` checks the work tree's baseline when it differs from HEAD (the edits about to be
/// committed), and says so; `--baseline-ref` (or a `[baseline] ref` other than HEAD) names a
/// commit instead. In a clean checkout (CI) the two are the same.
pub fn run(a: &LintArgs) -> anyhow::Result<Outcome> {
    let report = lint_report(a)?;
    Ok(finish(&a.common.render, &report))
}

fn lint_report(a: &LintArgs) -> anyhow::Result<Report> {
    let cfg = Config::locate(a.common.config.as_deref())?;
    if a.baseline_ref.is_none() && cfg.baseline.reference == "HEAD" {
        let (repo, prefix) = crate::baseline::locate(&cfg.baseline)?;
        let edits = crate::baseline::worktree::uncommitted(&repo, &prefix)?;
        if !edits.is_empty() {
            let worktree = crate::baseline::Baseline::from_work_tree(&cfg.baseline)?;
            let mut report = crate::pipeline::lint::lint_baseline(&cfg, &worktree)?;
            report.notices.insert(
                0,
                format!(
                    "linting the work tree: {} uncommitted change{} under {} ({}{}); `--baseline-ref HEAD` lints the last commit",
                    edits.len(),
                    if edits.len() == 1 { "" } else { "s" },
                    prefix.display(),
                    edits.first().map_or("", |e| e.0.as_str()),
                    if edits.len() > 1 { ", ..." } else { "" }
                ),
            );
            return Ok(report);
        }
    }
    let reference = a
        .baseline_ref
        .clone()
        .unwrap_or_else(|| cfg.baseline.reference.clone());
    crate::pipeline::lint::lint(&cfg, &reference)
}

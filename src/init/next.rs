//! What `init --from-live` says at the end: the rules the seeded baseline breaks (as
//! `confdrift lint` would report them once committed), the files it left alone, and the exact
//! commands to go on with.

use super::fill::Conflict;
use crate::accept::warn;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::pipeline::lint;
use std::collections::BTreeMap;
use std::path::Path;

/// `3 hosts`, `1 baseline file`.
pub(super) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The files that exist and differ from the hosts, and how to go on.
pub(super) fn conflicts(list: &[Conflict], root: &Path, commit: &str) -> String {
    let mut lines = Vec::new();
    let mut by_host: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in list {
        let why = if c.absent {
            format!("{} no longer has {}", c.host, c.path)
        } else {
            format!("{}'s {} differs", c.host, c.path)
        };
        lines.push(format!("{}: {why}", root.join(&c.rel).display()));
        by_host.entry(&c.host).or_default().push(&c.path);
    }
    let accepts: Vec<String> = by_host
        .iter()
        .map(|(host, paths)| {
            format!(
                "`confdrift accept --host {host} --file {}`",
                paths.join(" --file ")
            )
        })
        .collect();
    format!(
        "{} already in the baseline say{} something else than the live file{} and {} left \
         alone (init never overwrites a file):\n  {}\n\
         next: if {} the intended state, keep {} (`confdrift check` reports the difference as \
         drift); to record the live state instead, commit the baseline ({commit}), then run {}",
        plural(list.len(), "file"),
        if list.len() == 1 { "s" } else { "" },
        if list.len() == 1 { "" } else { "s" },
        if list.len() == 1 { "was" } else { "were" },
        lines.join("\n  "),
        if list.len() == 1 { "it is" } else { "they are" },
        if list.len() == 1 { "it" } else { "them" },
        accepts.join(" and ")
    )
}

/// The git command that commits the baseline directory, as typed from here.
pub(super) fn commit_command(repo: Option<&git2::Repository>, root: &Path) -> String {
    const MESSAGE: &str = "git commit -m \"Baseline from the live state\"";
    let cwd = std::env::current_dir().unwrap_or_default();
    let workdir = repo.and_then(git2::Repository::workdir);
    let inside = workdir
        .and_then(|w| w.canonicalize().ok())
        .is_some_and(|w| cwd.canonicalize().is_ok_and(|c| c.starts_with(w)));
    match root.strip_prefix(&cwd) {
        Ok(rel) if inside => {
            let rel = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel
            };
            format!("git add -A {} && {MESSAGE}", rel.display())
        }
        _ => {
            let w = workdir.unwrap_or(Path::new("."));
            format!(
                "git -C {w} add -A {} && git -C {w} {}",
                root.display(),
                &MESSAGE[4..],
                w = w.display()
            )
        }
    }
}

/// Lints the baseline as the work tree now holds it (what `confdrift lint` checks once it is
/// committed) and prints each finding as a warning: the seeded files are what the hosts have,
/// so they are written anyway.
pub(super) fn warn_broken_rules(cfg: &Config) {
    let report =
        match Baseline::from_work_tree(&cfg.baseline).and_then(|b| lint::lint_baseline(cfg, &b)) {
            Ok(r) => r,
            Err(e) => {
                warn(format_args!(
                    "warning: could not lint the seeded baseline: {e:#}"
                ));
                return;
            }
        };
    for f in &report.findings {
        let place = match (&f.baseline_source, f.baseline_line) {
            (Some(s), Some(l)) => format!("{s}:{l}"),
            (Some(s), None) => s.clone(),
            (None, _) => f.file.clone(),
        };
        let rule = f
            .rule
            .as_deref()
            .map(|r| format!(" (rule: {r})"))
            .unwrap_or_default();
        let key = f
            .key
            .as_deref()
            .map(|k| format!(" {k}"))
            .unwrap_or_default();
        warn(format_args!(
            "warning: the seeded baseline breaks a {} rule: {place}{key}: {}{rule}",
            f.severity.name(),
            f.message
        ));
    }
    for e in &report.errors {
        warn(format_args!("warning: lint: {e}"));
    }
    if !report.findings.is_empty() {
        let critical = report.count(crate::report::Severity::Critical);
        warn(format_args!(
            "warning: the seeded baseline breaks {} ({critical} critical): it holds what the \
             hosts have now; fix the hosts or the rules (`confdrift lint` reports the same once \
             it is committed)",
            plural(report.findings.len(), "rule")
        ));
    }
}

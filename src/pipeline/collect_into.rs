//! The engine of `confdrift collect --out DIR`: fetch the live files of the selected hosts into
//! `DIR/<host>/<absolute path>` (the layout of Ansible's `fetch` and of the `dir` transport).
//!
//! Each host's snapshot is written into a fresh temporary directory beside its final place and
//! swapped in by renames, so a re-run replaces the old snapshot whole: a reader sees the old
//! files or the new ones, never a mix. A host that cannot be reached keeps its old snapshot.

use crate::collect::{self, Fetched};
use crate::config::Config;
use crate::pipeline::select::{Selection, default_jobs, select};
use crate::report::{Problem, Report};
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

pub fn collect_into(
    cfg: &Config,
    sel: &Selection,
    out: &Path,
    jobs: Option<usize>,
    quiet: bool,
) -> Result<Report> {
    let targets = select(cfg, sel)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let groups: Vec<&crate::config::Group> = targets.iter().map(|(g, _)| *g).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or_else(|| default_jobs(groups.iter().copied())))
        .build()?;
    // A host in two groups is collected once, with the files of both.
    let mut hosts: Vec<(&str, Vec<&crate::config::Group>)> = Vec::new();
    for (g, h) in &targets {
        match hosts.iter_mut().find(|(name, _)| name == h) {
            Some((_, gs)) => gs.push(g),
            None => hosts.push((h, vec![g])),
        }
    }
    let bar = crate::progress::hosts(hosts.len(), quiet);
    let results: Vec<(usize, Vec<Problem>)> = pool.install(|| {
        hosts
            .par_iter()
            .map(|(host, groups)| {
                let r = collect_host(host, groups, out);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut report = Report {
        hosts: hosts.len(),
        ..Report::default()
    };
    for (files, errors) in results {
        report.files += files;
        report.errors.extend(errors);
    }
    report.sort();
    Ok(report)
}

fn collect_host(host: &str, groups: &[&crate::config::Group], out: &Path) -> (usize, Vec<Problem>) {
    let problem = |file: Option<&str>, message: String| Problem {
        host: Some(host.to_string()),
        file: file.map(str::to_string),
        line: None,
        column: None,
        message,
    };
    let mut snaps = Vec::new();
    for g in groups {
        match collect::collect_following(&g.transport, host, g.vars.get(host), &g.files, &[]) {
            Ok(s) => snaps.push(s),
            Err(msg) => return (0, vec![problem(None, msg)]),
        }
    }
    let tmp = out.join(format!(".{host}.tmp-{}", std::process::id()));
    let mut errors = Vec::new();
    let mut files = 0;
    let _ = std::fs::remove_dir_all(&tmp);
    for (path, fetched) in snaps.iter().flat_map(|s| &s.files) {
        match fetched {
            Fetched::Present(bytes) => match target(&tmp, path) {
                Some(dest) => match write_file(&dest, bytes) {
                    Ok(()) => files += 1,
                    Err(e) => errors.push(problem(
                        Some(path),
                        format!("cannot write {}: {e}", dest.display()),
                    )),
                },
                None => errors.push(problem(
                    Some(path),
                    "refused: not a plain absolute path".into(),
                )),
            },
            Fetched::Missing => {}
            Fetched::Failed(msg) => errors.push(problem(Some(path), msg.clone())),
        }
    }
    if let Err(e) = std::fs::create_dir_all(&tmp).and_then(|()| swap_in(&tmp, &out.join(host))) {
        errors.push(problem(
            None,
            format!("cannot replace the snapshot in {}: {e}", out.display()),
        ));
        let _ = std::fs::remove_dir_all(&tmp);
    }
    (files, errors)
}

/// `root/<path>` for an absolute path made only of normal components; `None` otherwise, so
/// nothing a host sends can point outside `root`.
fn target(root: &Path, abs: &str) -> Option<PathBuf> {
    let rel = abs.strip_prefix('/')?;
    let plain = |seg: &str| !seg.is_empty() && seg != "." && seg != "..";
    if !rel.split('/').all(plain) {
        return None;
    }
    let dest = root.join(rel);
    debug_assert!(
        dest.components()
            .all(|c| !matches!(c, Component::ParentDir))
    );
    Some(dest)
}

fn write_file(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::report::write_atomically(dest, bytes)
}

/// Puts `new` at `dest`: the old snapshot is renamed aside, the new one renamed in, the old one
/// removed.
fn swap_in(new: &Path, dest: &Path) -> std::io::Result<()> {
    let old = dest.with_file_name(format!(
        ".{}.old-{}",
        dest.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let had_old = match std::fs::symlink_metadata(dest) {
        Ok(_) => {
            std::fs::rename(dest, &old)?;
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    if let Err(e) = std::fs::rename(new, dest) {
        if had_old {
            let _ = std::fs::rename(&old, dest);
        }
        return Err(e);
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old).or_else(|_| std::fs::remove_file(&old));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_absolute_paths_land_under_the_root() {
        let root = Path::new("/out/.h.tmp");
        assert_eq!(
            target(root, "/etc/a.yml"),
            Some(PathBuf::from("/out/.h.tmp/etc/a.yml"))
        );
        for bad in ["/etc/../../x", "etc/a", "/", "/./a", "//"] {
            assert_eq!(target(root, bad), None, "{bad}");
        }
    }
}

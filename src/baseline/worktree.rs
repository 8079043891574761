//! The baseline directory in the work tree and index, against commits: `accept` refuses to run
//! over uncommitted edits, and `check` says when what it compares is not what the work tree
//! shows.

use crate::config::BaselineConfig;
use crate::report::Report;
use anyhow::Result;
use git2::{Commit, DiffOptions, Repository, StatusOptions};
use std::path::Path;

/// The pathspecs of the baseline's content: `<dir>/groups` and `<dir>/hosts`.
pub fn pathspecs(prefix: &Path) -> Vec<String> {
    ["groups", "hosts"]
        .iter()
        .map(|d| {
            let p = prefix.join(d);
            p.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

/// Paths under the baseline directory with uncommitted changes, in the index or the work tree
/// (untracked files included, ignored ones not), each with what changed.
pub fn uncommitted(repo: &Repository, prefix: &Path) -> Result<Vec<(String, &'static str)>> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    for p in pathspecs(prefix) {
        opts.pathspec(p);
    }
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter(|e| !e.status().is_ignored())
        .map(|e| {
            let s = e.status();
            let what = if s.is_wt_new() {
                "untracked"
            } else if s.is_index_new()
                || s.is_index_modified()
                || s.is_index_deleted()
                || s.is_index_renamed()
                || s.is_index_typechange()
            {
                "staged"
            } else {
                "modified in the work tree"
            };
            (e.path().unwrap_or("?").to_string(), what)
        })
        .collect())
}

/// Whether the uncommitted `paths` are all changed by HEAD's commit and each hold, in the index
/// and in the work tree, its content either before or after that commit: what an accept
/// killed after recording its commit (while updating the work tree) leaves.
pub fn between_parent_and_head(repo: &Repository, paths: &[String]) -> bool {
    let (Ok(head), Ok(workdir), Ok(index)) = (
        repo.head().and_then(|h| h.peel_to_commit()),
        repo.workdir().ok_or(()),
        repo.index(),
    ) else {
        return false;
    };
    let (Ok(parent), Ok(new_tree)) = (head.parent(0), head.tree()) else {
        return false;
    };
    let Ok(old_tree) = parent.tree() else {
        return false;
    };
    !paths.is_empty()
        && paths.iter().all(|p| {
            let path = Path::new(p);
            let new = new_tree.get_path(path).ok().map(|e| e.id());
            let old = old_tree.get_path(path).ok().map(|e| e.id());
            let staged = index.get_path(path, 0).map(|e| e.id);
            let file = std::fs::read(workdir.join(path))
                .ok()
                .and_then(|b| git2::Oid::hash_object(git2::ObjectType::Blob, &b).ok());
            new != old && (staged == new || staged == old) && (file == new || file == old)
        })
}

/// Paths under the baseline directory where the work tree (through the index) differs from
/// `commit`.
pub fn differs_from(repo: &Repository, prefix: &Path, commit: &Commit) -> Result<Vec<String>> {
    let tree = commit.tree()?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    for p in pathspecs(prefix) {
        opts.pathspec(p);
    }
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts))?;
    Ok(diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or_else(|| d.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect())
}

/// A notice on `report` when the work tree's baseline differs from the commit compared.
pub fn notice(cfg: &BaselineConfig, report: &mut Report) {
    let Some(info) = &report.baseline else {
        return;
    };
    let Ok((repo, prefix)) = super::locate(cfg) else {
        return;
    };
    let Some(commit) = git2::Oid::from_str(&info.commit)
        .ok()
        .and_then(|id| repo.find_commit(id).ok())
    else {
        return;
    };
    let Ok(paths) = differs_from(&repo, &prefix, &commit) else {
        return;
    };
    if paths.is_empty() {
        return;
    }
    let dir = if prefix.as_os_str().is_empty() {
        "baseline".to_string()
    } else {
        format!("{}/", prefix.display())
    };
    let shown: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
    let more = if paths.len() > shown.len() {
        format!(", and {} more", paths.len() - shown.len())
    } else {
        String::new()
    };
    report.notices.push(format!(
        "the work tree's {dir} differs from the compared commit {} ({}) in {} file{}: {}{more}; \
         only committed baseline files are compared",
        info.short_id(),
        info.reference,
        paths.len(),
        if paths.len() == 1 { "" } else { "s" },
        shown.join(", ")
    ));
}

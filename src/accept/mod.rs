//! `confdrift accept`: write the live state of the selected hosts and files into the baseline
//! and record it as exactly one git commit.
//!
//! Order of work, under the repository's exclusive lock: refuse uncommitted baseline edits;
//! collect and fingerprint every selected file (any trouble: nothing is written); plan the
//! layout ([`plan`]); check the rules ([`guard`]); write objects and move the ref
//! once ([`commit::record`]); bring the work tree and index along ([`commit::sync_worktree`]).

pub mod commit;
pub mod guard;
pub mod live;
pub mod plan;
mod running;

use crate::baseline::{self, worktree};
use crate::config::{Config, Group};
use crate::pipeline::select::{self, Selection};
use crate::secret;
use anyhow::{Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What to accept, as the command line said it.
#[derive(Debug, Default)]
pub struct Request {
    /// `--config`, else found as every command finds it.
    pub config: Option<std::path::PathBuf>,
    /// `--host` and `--group`: everything when both are empty.
    pub hosts: Vec<String>,
    pub groups: Vec<String>,
    /// Whether `--shard` was given (refused: accept writes what it was shown).
    pub shard: bool,
    /// `--file`: only these files.
    pub files: Vec<String>,
    /// `-m`: the commit message.
    pub message: Option<String>,
    /// `--author`.
    pub author: Option<String>,
    /// `--force`: accept a state that breaks a critical rule.
    pub force: bool,
    /// `-j`.
    pub jobs: Option<usize>,
    /// `--from running`: what the running servers run, where it differs from their files, is
    /// written into the files before they are accepted.
    pub from_running: bool,
}

pub fn run(a: &Request) -> Result<()> {
    if a.message.as_ref().is_some_and(|m| m.trim().is_empty()) {
        bail!("accept: the commit message (-m) is empty; say why this state is intended");
    }
    let cfg = Config::locate(a.config.as_deref())?;
    let (repo, prefix) = baseline::locate(&cfg.baseline)?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the baseline repository has no work tree"))?
        .to_path_buf();
    let signatures = commit::signatures(&repo, a.author.as_deref())?;
    if a.shard {
        bail!("accept takes no --shard: select what to accept with --host, --group and --file");
    }
    let targets = select::select(
        &cfg,
        &Selection {
            hosts: a.hosts.clone(),
            groups: a.groups.clone(),
            shard: None,
        },
    )?;
    for f in &a.files {
        if !targets
            .iter()
            .any(|(g, _)| g.files.iter().any(|s| s.matches(f)))
        {
            bail!("--file {f:?} is in none of the selected groups' files");
        }
    }
    let key = match secret::key::load() {
        Ok(k) => k,
        Err(e) => bail!(e),
    };
    if let Some(k) = &key {
        k.check_outside(&workdir).map_err(|e| anyhow!(e))?;
    }

    let _lock = crate::lock::for_writer(&repo, "accept")?;
    refuse_uncommitted(&repo, &prefix)?;
    let head = commit::head_commit(&repo)?;
    warn_if_ref_elsewhere(&repo, &cfg, head.as_ref());
    let current = commit::current_files(&repo, head.as_ref(), &prefix)?;

    let expected = |g: &Group, h: &str| expected_paths(&current, g, h);
    let jobs = a
        .jobs
        .unwrap_or_else(|| select::default_jobs(targets.iter().map(|(g, _)| *g)))
        .max(1);
    let (live, problems) = live::gather(&targets, &expected, &a.files, key.as_ref(), jobs);
    if !problems.is_empty() {
        bail!(
            "nothing accepted: {} problem{}:\n  {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            live::explain(&problems)
        );
    }
    let mut live = live;
    if a.from_running {
        let sel = Selection {
            hosts: a.hosts.clone(),
            groups: a.groups.clone(),
            shard: None,
        };
        let (written, problems) = running::overlay(&cfg, &sel, &a.files, a.jobs, &mut live);
        if !problems.is_empty() {
            bail!(
                "nothing accepted: {} problem{} with the running servers:\n  {}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems.join("\n  ")
            );
        }
        for w in &written {
            say(format_args!("confdrift: {w}"));
        }
    }
    let plan = plan::plan(&cfg.groups, &live, &current);
    for w in &plan.warnings {
        warn(format_args!("warning: {w}"));
    }
    guard::refuse_critical(&cfg, &prefix, &current, &plan.edits, a.force)?;
    live::refuse_leaks(&live, &plan.edits).map_err(|e| anyhow!(e))?;
    let message = match &a.message {
        Some(m) => m.clone(),
        None => default_message(a, &prefix, &plan.edits),
    };
    let Some(id) = commit::record(
        &repo,
        head.as_ref(),
        &prefix,
        &plan.edits,
        &message,
        &signatures,
    )?
    else {
        say(format_args!(
            "confdrift: nothing to accept: the baseline already holds the live state of the selection"
        ));
        return Ok(());
    };
    commit::sync_worktree(&repo, &prefix, &plan.edits).map_err(|e| {
        anyhow!(
            "the commit {} is recorded, but the work tree could not be updated: {e:#}\n\
             hint: `git checkout HEAD -- {}` brings the baseline directory to it",
            short(&id.to_string()),
            shown_dir(&prefix)
        )
    })?;
    let summary = message.lines().next().unwrap_or("");
    say(format_args!(
        "confdrift: accepted {} change{} to the baseline as {} \"{summary}\"",
        plan.edits.len(),
        if plan.edits.len() == 1 { "" } else { "s" },
        short(&id.to_string())
    ));
    for (rel, content) in &plan.edits {
        let verb = if content.is_some() {
            "write "
        } else {
            "remove"
        };
        say(format_args!(
            "  {verb} {}",
            Path::new(&shown_dir(&prefix)).join(rel).display()
        ));
    }
    Ok(())
}

/// `Accept the live state of host app-2` and the files written and removed, when no `-m`.
fn default_message(
    a: &Request,
    prefix: &Path,
    edits: &BTreeMap<String, Option<Vec<u8>>>,
) -> String {
    let mut whom: Vec<String> = a.groups.iter().map(|g| format!("group {g}")).collect();
    whom.extend(a.hosts.iter().map(|h| format!("host {h}")));
    let whom = if whom.is_empty() {
        "every host".to_string()
    } else {
        whom.join(", ")
    };
    let mut text = format!("Accept the live state of {whom}\n\n");
    for (rel, content) in edits {
        let verb = if content.is_some() {
            "write "
        } else {
            "remove"
        };
        let path = Path::new(&shown_dir(prefix)).join(rel);
        text.push_str(&format!("{verb} {}\n", path.display()));
    }
    text
}

/// The baseline paths the committed baseline has for `host` in `group` (those no file entry
/// selects are kept by the collection when an include names them).
fn expected_paths(current: &plan::Files, group: &Group, host: &str) -> BTreeSet<String> {
    let owned = |prefix: String| {
        current
            .keys()
            .filter_map(move |rel| rel.strip_prefix(&prefix).map(|p| format!("/{p}")))
            .collect::<Vec<_>>()
    };
    owned(format!("groups/{}/", group.name))
        .into_iter()
        .chain(owned(format!("hosts/{host}/")))
        .collect()
}

/// Refuses when the baseline directory has uncommitted changes: they would be lost or mixed in.
fn refuse_uncommitted(repo: &git2::Repository, prefix: &Path) -> Result<()> {
    let dirty = worktree::uncommitted(repo, prefix)?;
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = dirty
        .iter()
        .take(10)
        .map(|(path, what)| format!("{path} ({what})"))
        .collect();
    let more = match dirty.len() - shown.len() {
        0 => String::new(),
        n => format!("\n  ... and {n} more"),
    };
    let paths: Vec<String> = dirty.into_iter().map(|(p, _)| p).collect();
    let interrupted = worktree::between_parent_and_head(repo, &paths);
    let hint = if interrupted {
        format!(
            "hint: these files hold their content from before HEAD's commit: an accept was \
             interrupted after recording it; `git checkout HEAD -- {}` finishes it",
            shown_dir(prefix)
        )
    } else {
        "hint: commit them (or discard them) first, then accept".to_string()
    };
    bail!(
        "accept: the baseline directory has uncommitted changes:\n  {}{more}\n{hint}",
        shown.join("\n  ")
    )
}

/// Says so when the config compares against something other than HEAD: the new commit goes
/// on HEAD's branch, and a check against the configured ref will not see it.
fn warn_if_ref_elsewhere(repo: &git2::Repository, cfg: &Config, head: Option<&git2::Commit>) {
    let Some(head) = head else { return };
    let configured = repo
        .revparse_single(&cfg.baseline.reference)
        .and_then(|o| o.peel_to_commit());
    if let Ok(c) = configured
        && c.id() != head.id()
    {
        warn(format_args!(
            "warning: [baseline] ref = {:?} is {}, not HEAD ({}); this accept commits on HEAD",
            cfg.baseline.reference,
            short(&c.id().to_string()),
            short(&head.id().to_string())
        ));
    }
}

/// A line on stdout; a closed pipe is the reader's choice, never a panic.
pub(crate) fn say(args: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{args}");
}

pub(crate) use crate::progress::warn;

fn short(id: &str) -> &str {
    &id[..id.len().min(7)]
}

fn shown_dir(prefix: &Path) -> String {
    if prefix.as_os_str().is_empty() {
        ".".to_string()
    } else {
        prefix.display().to_string()
    }
}

//! `confdrift init`: start a baseline. Two steps, because hosts cannot be guessed:
//!
//! 1. `confdrift init [--git-init]` writes a commented `confdrift.toml` and creates
//!    `baselines/groups/` and `baselines/hosts/` (the git repository too with `--git-init`).
//! 2. After listing groups, hosts and files in it, `confdrift init --from-live` seeds the
//!    baseline from what the hosts have now: the majority content of each group becomes the
//!    group file, the hosts that differ get host files. Secrets are written as fingerprints.
//!
//! Never overwrites a file, so it can be run again after hosts were left out (unreachable, no
//! secret key): it writes what is still missing ([`fill`]), lists the files that exist with
//! other content, and says what to do next. The seeded baseline is linted and each broken
//! rule is a warning. Nothing is committed: the operator reviews, then commits.

mod fill;
mod next;

use crate::accept::{live, plan, say, warn};
use crate::baseline::{self, worktree};
use crate::config::Config;
use crate::pipeline::select::{self, Selection};
use crate::secret;
use anyhow::{Context, Result, anyhow, bail};
use next::{commit_command, conflicts, plural, warn_broken_rules};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = r#"# confdrift: configuration drift detection. See the README ("Starting a baseline: init").
#
# The intended state lives in git, under the baseline directory:
#   baselines/groups/<group>/<absolute path>   for every host of the group
#   baselines/hosts/<host>/<absolute path>     one host's own file; wins over its group's
[baseline]
dir = "baselines"
ref = "HEAD"

# One [[group]] per role. List the hosts and the files to watch, then run
#   confdrift init --from-live
# to seed the baseline from what the hosts have now, review it, and commit it.
#
# [[group]]
# name = "app"
# hosts = ["app-1", "app-2", "app-3"]
# transport = "ssh"        # ssh | dir | local | command
# files = ["/etc/myapp/database.yml", "/etc/pgbouncer/pgbouncer.ini"]
"#;

/// What `init` was asked to do.
#[derive(Debug, Default)]
pub struct Request {
    /// `--config`: where confdrift.toml is (or goes); `./confdrift.toml` when not given.
    pub config: Option<std::path::PathBuf>,
    /// `--from-live`: fill the baseline from the hosts of an existing config.
    pub from_live: bool,
    /// `--git-init`: create the git repository when there is none.
    pub git_init: bool,
    /// `-j`.
    pub jobs: Option<usize>,
}

pub fn run(a: &Request) -> Result<()> {
    let config = std::path::absolute(a.config.as_deref().unwrap_or(Path::new("confdrift.toml")))
        .context("cannot resolve the config path")?;
    let dir = config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if a.from_live {
        from_live(a, &config, &dir)
    } else {
        scaffold(a, &config, &dir)
    }
}

/// The git repository holding `dir`, created when `--git-init` asks for it.
fn ensure_repo(dir: &Path, create: bool) -> Result<git2::Repository> {
    match git2::Repository::discover(dir) {
        Ok(repo) => Ok(repo),
        Err(_) if create => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let repo = git2::Repository::init(dir).map_err(|e| {
                anyhow!(
                    "cannot create a git repository in {}: {}",
                    dir.display(),
                    e.message()
                )
            })?;
            say(format_args!(
                "created a git repository in {}",
                dir.display()
            ));
            Ok(repo)
        }
        Err(_) => bail!(
            "{} is not inside a git repository; the baseline is versioned in git\n\
             hint: pass --git-init to create one there, or run `git init` first",
            dir.display()
        ),
    }
}

fn scaffold(a: &Request, config: &Path, dir: &Path) -> Result<()> {
    ensure_repo(dir, a.git_init)?;
    if config.exists() {
        bail!(
            "{} already exists; init never overwrites a file\n\
             hint: to seed the baseline from the hosts it lists, run `confdrift init --from-live`",
            config.display()
        );
    }
    write_new(config, TEMPLATE.as_bytes())?;
    let baselines = dir.join("baselines");
    for sub in ["groups", "hosts"] {
        std::fs::create_dir_all(baselines.join(sub))
            .with_context(|| format!("cannot create {}", baselines.join(sub).display()))?;
    }
    say(format_args!("wrote {}", config.display()));
    say(format_args!(
        "created {}/groups and {}/hosts",
        baselines.display(),
        baselines.display()
    ));
    say(format_args!(
        "next: list your groups, hosts and files in {}, then run `confdrift init --from-live`",
        config.display()
    ));
    Ok(())
}

fn from_live(a: &Request, config: &Path, dir: &Path) -> Result<()> {
    if !config.exists() {
        bail!(
            "init --from-live reads the groups, hosts and files to seed from {}, which does not exist\n\
             hint: run `confdrift init` first, list your groups in it, then `confdrift init --from-live`",
            config.display()
        );
    }
    let repo = ensure_repo(dir, a.git_init)?;
    let cfg = Config::load(config)?;
    if cfg.groups.is_empty() {
        bail!(
            "{} has no [[group]]: list the hosts and files to seed the baseline from",
            config.display()
        );
    }
    let key = secret::key::load().map_err(|e| anyhow!(e))?;
    if let (Some(k), Some(workdir)) = (&key, repo.workdir()) {
        k.check_outside(workdir).map_err(|e| anyhow!(e))?;
    }
    let targets = select::select(&cfg, &Selection::default())?;
    let jobs = a
        .jobs
        .unwrap_or_else(|| select::default_jobs(targets.iter().map(|(g, _)| *g)))
        .max(1);
    let none = |_: &crate::config::Group, _: &str| Default::default();
    let (live, problems) = live::gather(&targets, &none, &[], key.as_ref(), jobs);
    let fresh = plan::plan(&cfg.groups, &live, &plan::Files::new());
    let root = &cfg.baseline.dir;
    let fill = fill::fill(&fresh, &live, &|rel| std::fs::read(root.join(rel)).ok());

    let writes = fill
        .writes
        .iter()
        .map(|(rel, bytes)| (rel.clone(), Some(bytes.clone())))
        .collect();
    live::refuse_leaks(&live, &writes).map_err(|e| anyhow!(e))?;
    for (rel, bytes) in &fill.writes {
        write_new(&root.join(rel), bytes)?;
    }
    for w in &fill.warnings {
        warn(format_args!("warning: {w}"));
    }
    let hosts = |complete: bool| -> BTreeSet<&str> {
        live.iter()
            .filter(|t| t.complete == complete)
            .map(|t| t.host)
            .collect()
    };
    let left_out = hosts(false);
    let seeded: BTreeSet<&str> = hosts(true).difference(&left_out).copied().collect();
    let from = if left_out.is_empty() {
        plural(seeded.len(), "host")
    } else {
        let all = seeded.len() + left_out.len();
        format!("{} of {}", seeded.len(), plural(all, "host"))
    };
    let already = match fill.already.len() {
        0 => String::new(),
        n => format!(
            "; {n} already there, left as {}",
            if n == 1 { "it was" } else { "they were" }
        ),
    };
    say(format_args!(
        "seeded {} in {} from {from}{already}",
        plural(fill.writes.len(), "baseline file"),
        root.display(),
    ));
    for rel in fill.writes.keys() {
        say(format_args!("  {}", root.join(rel).display()));
    }
    warn_broken_rules(&cfg);

    let located = baseline::locate(&cfg.baseline).ok();
    let commit = commit_command(located.as_ref().map(|(r, _)| r), root);
    if problems.is_empty() && fill.conflicts.is_empty() {
        let dirty = located
            .as_ref()
            .and_then(|(repo, prefix)| worktree::uncommitted(repo, prefix).ok())
            .is_none_or(|d| !d.is_empty());
        if dirty {
            say(format_args!(
                "next: review the files, then commit them: {commit}"
            ));
        } else {
            say(format_args!(
                "next: nothing to commit; `confdrift check` compares the hosts with the baseline"
            ));
        }
        return Ok(());
    }
    let mut text = Vec::new();
    if !problems.is_empty() {
        let names: Vec<&str> = left_out.iter().copied().collect();
        text.push(format!(
            "{} (the hosts named were left out):\n  {}\n\
             next: fix {}, then run `confdrift init --from-live` again: it writes only what is \
             still missing and never overwrites a file. Or commit what is there now \
             ({commit}) and record the hosts left out later with `confdrift accept --host {}`",
            plural(problems.len(), "problem"),
            live::explain(&problems),
            if problems.len() == 1 { "it" } else { "them" },
            names.join(" --host ")
        ));
    }
    if !fill.conflicts.is_empty() {
        text.push(conflicts(&fill.conflicts, root, &commit));
    }
    bail!("{}", text.join("\n"))
}

/// Creates `path` with `bytes`, failing if it exists (never overwrites, even in a race).
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create {} (init never overwrites a file)",
                path.display()
            )
        })?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

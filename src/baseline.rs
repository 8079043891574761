//! The intended state, read from git objects at a ref: `groups/<group>/<path>` for every host
//! of a group, `hosts/<host>/<path>` winning over it. Only `lint` also reads it from the work
//! tree ([`Baseline::open_worktree`]), to check edits before they are committed.

pub mod in_tree;
pub mod worktree;

use crate::config::BaselineConfig;
use crate::report::BaselineInfo;
use anyhow::{Context, Result, anyhow, bail};
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One intended file: its blob and where in the baseline directory it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineFile {
    pub oid: Oid,
    /// `baselines/groups/app/etc/myapp/database.yml`, relative to the repository root.
    pub source: String,
}

pub struct Baseline {
    /// The commit compared against; `None` when the repository has no commit yet.
    pub info: Option<BaselineInfo>,
    /// Worth saying in the report: the baseline is empty, and why.
    pub notes: Vec<String>,
    repo: Repository,
    /// The baseline directory relative to the repository root (`baselines`), for sources.
    prefix: String,
    /// group or host name -> absolute path on the host -> blob
    groups: HashMap<String, BTreeMap<String, Oid>>,
    hosts: HashMap<String, BTreeMap<String, Oid>>,
    /// Blobs read from the work tree rather than git ([`Baseline::from_work_tree`]).
    memory: HashMap<Oid, Vec<u8>>,
}

impl Baseline {
    /// Opens the repository holding `cfg.dir` and reads the baseline tree at `reference`.
    pub fn open(cfg: &BaselineConfig, reference: &str) -> Result<Baseline> {
        let (repo, prefix) = locate(cfg)?;
        let workdir = repo.workdir().unwrap_or(Path::new("."));
        let mut notes = Vec::new();
        let (info, groups, hosts) = if unborn(&repo, reference) {
            notes.push(format!(
                "the baseline is empty: the repository has no commit yet ({reference}); {EMPTY}"
            ));
            (None, Owners::new(), Owners::new())
        } else {
            let (info, owners) = read_tree(&repo, workdir, &prefix, reference)?;
            let (groups, hosts) = owners.unwrap_or_else(|| {
                notes.push(format!(
                    "the baseline is empty: {:?} is not in {reference} ({} {:?}): nothing is \
                     committed under it yet; {EMPTY} (or check [baseline] dir)",
                    prefix.display().to_string(),
                    info.short_id(),
                    info.summary
                ));
                (Owners::new(), Owners::new())
            });
            (Some(info), groups, hosts)
        };
        let prefix = prefix
            .to_str()
            .map(|p| p.trim_end_matches('/').to_string())
            .unwrap_or_default();
        Ok(Baseline {
            info,
            notes,
            repo,
            prefix,
            groups,
            hosts,
            memory: HashMap::new(),
        })
    }
}

/// The repository holding the baseline (with a work tree) and the baseline directory relative
/// to its root (`baselines`; empty when it is the root itself).
pub fn locate(cfg: &BaselineConfig) -> Result<(Repository, PathBuf)> {
    let repo = Repository::discover(&cfg.repo).map_err(|e| {
        anyhow!(
            "baseline: {} is not inside a git repository ({})\n\
             hint: the baseline is read from git history; run `git init` and commit it, or set [baseline] repo",
            cfg.repo.display(),
            e.message()
        )
    })?;
    let workdir = repo.workdir().ok_or_else(|| {
        anyhow!(
            "baseline: {} is a bare repository; expected a work tree",
            repo.path().display()
        )
    })?;
    let prefix = relative_inside(&cfg.dir, workdir)?;
    Ok((repo, prefix))
}

type Owners = HashMap<String, BTreeMap<String, Oid>>;

/// What an empty baseline means, and what to do about it.
const EMPTY: &str = "every live file is unexpected_file until one is recorded: seed it with \
                     `confdrift init --from-live`, then commit it";

/// Whether `reference` is HEAD, or the branch HEAD names, before that branch's first commit
/// (`git init`, or `confdrift init --git-init`, and nothing committed yet).
fn unborn(repo: &Repository, reference: &str) -> bool {
    let Err(e) = repo.head() else {
        return false;
    };
    if e.code() != git2::ErrorCode::UnbornBranch {
        return false;
    }
    let branch = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
    reference == "HEAD"
        || branch
            .is_some_and(|b| b == reference || b.strip_prefix("refs/heads/") == Some(reference))
}

/// The commit at `reference` and every blob under the baseline directory, by owner (groups,
/// hosts); `None` when the directory is not in that commit.
fn read_tree(
    repo: &Repository,
    workdir: &Path,
    prefix: &Path,
    reference: &str,
) -> Result<(BaselineInfo, Option<(Owners, Owners)>)> {
    {
        let commit = repo
            .revparse_single(reference)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                anyhow!(
                    "baseline: ref {reference:?} does not name a commit in {} ({})",
                    workdir.display(),
                    e.message()
                )
            })?;
        let info = BaselineInfo {
            reference: reference.to_string(),
            commit: commit.id().to_string(),
            summary: commit.summary().ok().flatten().unwrap_or("").to_string(),
        };
        let root = commit.tree()?;
        let dir_tree = if prefix.as_os_str().is_empty() {
            root
        } else {
            let Ok(entry) = root.get_path(prefix) else {
                return Ok((info, None));
            };
            entry
                .to_object(repo)?
                .peel_to_tree()
                .with_context(|| format!("baseline: {:?} is not a directory", prefix.display()))?
        };
        let mut groups: HashMap<String, BTreeMap<String, Oid>> = HashMap::new();
        let mut hosts: HashMap<String, BTreeMap<String, Oid>> = HashMap::new();
        dir_tree.walk(TreeWalkMode::PreOrder, |parent, entry| {
            if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
                return TreeWalkResult::Ok;
            }
            let Ok(name) = entry.name() else {
                return TreeWalkResult::Ok;
            };
            // parent is like "groups/app/etc/myapp/"
            let mut parts = parent.splitn(3, '/');
            let (Some(kind), Some(owner)) = (parts.next(), parts.next()) else {
                return TreeWalkResult::Ok;
            };
            let rest = parts.next().unwrap_or("");
            let path = format!("/{rest}{name}");
            let map = match kind {
                "groups" => &mut groups,
                "hosts" => &mut hosts,
                _ => return TreeWalkResult::Ok,
            };
            map.entry(owner.to_string())
                .or_default()
                .insert(path, entry.id());
            TreeWalkResult::Ok
        })?;
        Ok((info, Some((groups, hosts))))
    }
}

impl Baseline {
    /// The intended files of `host` in `group`, by absolute path; host files win.
    pub fn files_for(&self, group: &str, host: &str) -> BTreeMap<String, BaselineFile> {
        let mut out = BTreeMap::new();
        for (kind, owner, map) in [
            ("groups", group, self.groups.get(group)),
            ("hosts", host, self.hosts.get(host)),
        ] {
            for (path, oid) in map.into_iter().flatten() {
                out.insert(
                    path.clone(),
                    BaselineFile {
                        oid: *oid,
                        source: if self.prefix.is_empty() {
                            format!("{kind}/{owner}{path}")
                        } else {
                            format!("{}/{kind}/{owner}{path}", self.prefix)
                        },
                    },
                );
            }
        }
        out
    }

    /// The content of a baseline blob.
    pub fn read(&self, oid: Oid) -> Result<Vec<u8>> {
        if let Some(bytes) = self.memory.get(&oid) {
            return Ok(bytes.clone());
        }
        Ok(self.repo.find_blob(oid)?.content().to_vec())
    }
}

/// `dir` relative to the repository's work tree, resolving symlinks where the path exists.
fn relative_inside(dir: &Path, workdir: &Path) -> Result<PathBuf> {
    let workdir = workdir
        .canonicalize()
        .unwrap_or_else(|_| workdir.to_path_buf());
    let dir = canonical_prefix(dir);
    match dir.strip_prefix(&workdir) {
        Ok(rel) => Ok(rel.to_path_buf()),
        Err(_) => bail!(
            "baseline: directory {} is outside the git repository at {}",
            dir.display(),
            workdir.display()
        ),
    }
}

/// Canonicalizes the longest existing ancestor of `path` and appends the rest: the baseline
/// directory may exist only in git, not in the work tree.
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut cur = path.to_path_buf();
    loop {
        if let Ok(c) = cur.canonicalize() {
            return missing.iter().rev().fold(c, |acc, part| acc.join(part));
        }
        match (cur.file_name().map(|n| n.to_os_string()), cur.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name);
                cur = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

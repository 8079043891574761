//! The intended state, read from git objects at a ref: `groups/<group>/<path>` for every host
//! of a group, `hosts/<host>/<path>` winning over it. Only `lint` also reads it from the work
//! tree ([`Baseline::open_worktree`]), to check edits before they are committed.

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
    pub info: BaselineInfo,
    repo: Repository,
    /// The baseline directory relative to the repository root (`baselines`), for sources.
    prefix: String,
    /// group or host name -> absolute path on the host -> blob
    groups: HashMap<String, BTreeMap<String, Oid>>,
    hosts: HashMap<String, BTreeMap<String, Oid>>,
    /// The contents of a work-tree baseline, by the blob id they would have.
    worktree: HashMap<Oid, Vec<u8>>,
}

impl Baseline {
    /// Opens the repository holding `cfg.dir` and reads the baseline tree at `reference`.
    pub fn open(cfg: &BaselineConfig, reference: &str) -> Result<Baseline> {
        let (repo, prefix) = locate(cfg)?;
        let workdir = repo.workdir().unwrap_or(Path::new("."));
        let (info, groups, hosts) = read_tree(&repo, workdir, &prefix, reference)?;
        let prefix = prefix
            .to_str()
            .map(|p| p.trim_end_matches('/').to_string())
            .unwrap_or_default();
        Ok(Baseline {
            info,
            repo,
            prefix,
            groups,
            hosts,
            worktree: HashMap::new(),
        })
    }

    /// The baseline as the work tree holds it (uncommitted edits and untracked files
    /// included, ignored files and symlinks not), described as the work tree on top of HEAD.
    pub fn open_worktree(cfg: &BaselineConfig) -> Result<Baseline> {
        let (repo, prefix) = locate(cfg)?;
        let workdir = repo.workdir().unwrap_or(Path::new(".")).to_path_buf();
        let head = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .map(|c| c.id().to_string());
        let info = BaselineInfo {
            reference: "work tree".to_string(),
            commit: head.unwrap_or_default(),
            summary: "uncommitted edits on top of HEAD".to_string(),
        };
        let mut owners: [Owners; 2] = Default::default();
        let mut worktree = HashMap::new();
        for (i, kind) in ["groups", "hosts"].iter().enumerate() {
            let root = workdir.join(&prefix).join(kind);
            if !root.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&root)
                .min_depth(2)
                .sort_by_file_name()
            {
                let entry =
                    entry.with_context(|| format!("baseline: cannot read {}", root.display()))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(&workdir) else {
                    continue;
                };
                if repo.status_should_ignore(rel).unwrap_or(false) {
                    continue;
                }
                let Ok(inside) = entry.path().strip_prefix(&root) else {
                    continue;
                };
                let mut parts = inside.iter();
                let Some(owner) = parts.next().and_then(|o| o.to_str()) else {
                    continue;
                };
                let path: PathBuf = parts.collect();
                let bytes = std::fs::read(entry.path())
                    .with_context(|| format!("baseline: cannot read {}", entry.path().display()))?;
                let oid = Oid::hash_object(ObjectType::Blob, &bytes)?;
                owners[i]
                    .entry(owner.to_string())
                    .or_default()
                    .insert(format!("/{}", path.to_string_lossy()), oid);
                worktree.insert(oid, bytes);
            }
        }
        let [groups, hosts] = owners;
        let prefix = prefix
            .to_str()
            .map(|p| p.trim_end_matches('/').to_string())
            .unwrap_or_default();
        Ok(Baseline {
            info,
            repo,
            prefix,
            groups,
            hosts,
            worktree,
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

/// The commit at `reference` and every blob under the baseline directory, by owner.
fn read_tree(
    repo: &Repository,
    workdir: &Path,
    prefix: &Path,
    reference: &str,
) -> Result<(BaselineInfo, Owners, Owners)> {
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
            let entry = root.get_path(prefix).map_err(|_| {
                anyhow!(
                    "baseline: directory {:?} does not exist at {reference} ({} {:?})\n\
                     hint: commit the baseline files, or check [baseline] dir",
                    prefix.display().to_string(),
                    info.short_id(),
                    info.summary
                )
            })?;
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
        Ok((info, groups, hosts))
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
        if let Some(bytes) = self.worktree.get(&oid) {
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

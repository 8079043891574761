//! The one commit of an accept, through git2: blobs, then trees (a tree update of HEAD's tree),
//! then the commit object, then HEAD's branch moved once, checked against the parent. A crash
//! before the move leaves only unreferenced objects (the repository as it was); after it,
//! the commit is whole. The work tree and index of the changed paths follow last.

use super::plan::Files;
use anyhow::{Context, Result, anyhow, bail};
use git2::build::TreeUpdateBuilder;
use git2::{Commit, ErrorCode, FileMode, ObjectType, Oid, Repository, Signature, TreeWalkMode};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The commit HEAD points at; `None` in a repository without commits yet.
pub fn head_commit(repo: &Repository) -> Result<Option<Commit<'_>>> {
    match repo.head() {
        Ok(r) => Ok(Some(
            r.peel_to_commit()
                .context("HEAD does not point at a commit")?,
        )),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(anyhow!("cannot read HEAD: {}", e.message())),
    }
}

/// The baseline files in `head` (under `<prefix>/groups` and `<prefix>/hosts`), by path inside
/// the baseline directory.
pub fn current_files(repo: &Repository, head: Option<&Commit>, prefix: &Path) -> Result<Files> {
    let mut out = Files::new();
    let Some(head) = head else {
        return Ok(out);
    };
    let root = head.tree()?;
    for sub in ["groups", "hosts"] {
        let Ok(entry) = root.get_path(&prefix.join(sub)) else {
            continue;
        };
        let Ok(tree) = entry.to_object(repo).and_then(|o| o.peel_to_tree()) else {
            continue;
        };
        let mut blobs = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |parent, e| {
            if e.kind() == Some(ObjectType::Blob)
                && e.filemode() != i32::from(FileMode::Link)
                && let Ok(name) = e.name()
            {
                blobs.push((format!("{sub}/{parent}{name}"), e.id()));
            }
            git2::TreeWalkResult::Ok
        })?;
        for (rel, id) in blobs {
            out.insert(rel, repo.find_blob(id)?.content().to_vec());
        }
    }
    Ok(out)
}

/// The author (`--author "Name <email>"`, else `$GIT_AUTHOR_NAME`/`$GIT_AUTHOR_EMAIL`, else
/// git config `user.name`/`user.email`) and the committer (`$GIT_COMMITTER_*`, else git config,
/// else the author).
pub fn signatures(
    repo: &Repository,
    author: Option<&str>,
) -> Result<(Signature<'static>, Signature<'static>)> {
    let from_env = |name: &str, email: &str| -> Option<Result<Signature<'static>>> {
        let (n, e) = (std::env::var(name).ok()?, std::env::var(email).ok()?);
        Some(Signature::now(&n, &e).map_err(|err| anyhow!("{name}/{email}: {}", err.message())))
    };
    let configured = repo.signature();
    let author = match author {
        Some(text) => parse_author(text)?,
        None => match from_env("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL") {
            Some(sig) => sig?,
            None => match &configured {
                Ok(sig) => sig.to_owned(),
                Err(_) => bail!(
                    "no author for the commit: pass --author \"Name <email>\", or set git config user.name and user.email"
                ),
            },
        },
    };
    let committer = match from_env("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL") {
        Some(sig) => sig?,
        None => configured
            .map(|s| s.to_owned())
            .unwrap_or_else(|_| author.clone()),
    };
    Ok((author, committer))
}

/// `Name <email>`.
fn parse_author(text: &str) -> Result<Signature<'static>> {
    let bad = || {
        anyhow!(
            "--author {text:?}: expected \"Name <email>\", e.g. \"Alice Example <alice@example.com>\""
        )
    };
    let (name, rest) = text.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?.trim();
    let name = name.trim();
    if name.is_empty() || email.is_empty() || email.contains(['<', '>']) {
        return Err(bad());
    }
    Signature::now(name, email).map_err(|e| anyhow!("--author {text:?}: {}", e.message()))
}

/// Writes the objects and moves HEAD's branch once; returns the new commit's id. `None` when
/// the edits leave the tree as it was.
pub fn record(
    repo: &Repository,
    head: Option<&Commit>,
    prefix: &Path,
    edits: &BTreeMap<String, Option<Vec<u8>>>,
    message: &str,
    (author, committer): &(Signature<'static>, Signature<'static>),
) -> Result<Option<Oid>> {
    let base = match head {
        Some(c) => c.tree()?,
        None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
    };
    let mut update = TreeUpdateBuilder::new();
    for (rel, content) in edits {
        let path = git_path(prefix, rel);
        match content {
            Some(bytes) => {
                let id = repo.blob(bytes)?;
                let mode = match base.get_path(Path::new(&path)) {
                    Ok(e) if e.filemode() == i32::from(FileMode::BlobExecutable) => {
                        FileMode::BlobExecutable
                    }
                    _ => FileMode::Blob,
                };
                update.upsert(path.as_str(), id, mode);
            }
            None => {
                update.remove(path.as_str());
            }
        }
    }
    let tree_id = update.create_updated(repo, &base)?;
    if tree_id == base.id() {
        return Ok(None);
    }
    let tree = repo.find_tree(tree_id)?;
    let parents: Vec<&Commit> = head.into_iter().collect();
    let message = if message.ends_with('\n') {
        message.to_string()
    } else {
        format!("{message}\n")
    };
    let id = repo
        .commit(Some("HEAD"), author, committer, &message, &tree, &parents)
        .map_err(|e| anyhow!("cannot record the commit: {}", e.message()))?;
    Ok(Some(id))
}

/// `<prefix>/<rel>` with `/` separators, as git names it.
fn git_path(prefix: &Path, rel: &str) -> String {
    let p = prefix.to_string_lossy().replace('\\', "/");
    let p = p.trim_end_matches('/');
    if p.is_empty() {
        rel.to_string()
    } else {
        format!("{p}/{rel}")
    }
}

/// Brings the work tree and the index of the edited paths to the new commit: each file
/// written beside its place and renamed over it, each removed one deleted (with directories
/// left empty), the index entries updated, the index written once.
pub fn sync_worktree(
    repo: &Repository,
    prefix: &Path,
    edits: &BTreeMap<String, Option<Vec<u8>>>,
) -> Result<()> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the repository has no work tree"))?;
    let mut index = repo.index()?;
    for (rel, content) in edits {
        let in_repo = git_path(prefix, rel);
        let abs = workdir.join(&in_repo);
        match content {
            Some(bytes) => {
                write_file(repo.path(), &abs, bytes)
                    .with_context(|| format!("cannot write {}", abs.display()))?;
                index.add_path(Path::new(&in_repo))?;
            }
            None => {
                match std::fs::remove_file(&abs) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(e).with_context(|| format!("cannot remove {}", abs.display()));
                    }
                    _ => {}
                }
                remove_empty_parents(&abs, &workdir.join(prefix));
                index.remove_path(Path::new(&in_repo))?;
            }
        }
    }
    index.write()?;
    Ok(())
}

/// Writes `path` whole: a temporary file in the git directory (so a crash never leaves a
/// stray file in the baseline directory), renamed over it; beside it when the git directory
/// is on another filesystem.
fn write_file(git_dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = git_dir.join(format!("confdrift-write-{}", std::process::id()));
    let beside = || {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        dir.join(format!(".{name}.confdrift-{}", std::process::id()))
    };
    match write_then_rename(&tmp, path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            write_then_rename(&beside(), path, bytes)
        }
        other => other,
    }
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let result = (|| {
        let mut f = std::fs::File::create(tmp)?;
        f.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.sync_all()?;
        std::fs::rename(tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    result
}

fn remove_empty_parents(file: &Path, stop: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == stop || !d.starts_with(stop) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

//! The baseline as the work tree holds it, uncommitted files included: what
//! `init --from-live` has just written, or the edits `lint` checks before they are committed.
//! Blob ids are computed as `git hash-object` would and the bytes kept in memory; nothing is
//! written to git. Ignored files and symbolic links are skipped, as git skips them.

use super::{Baseline, Owners, locate};
use crate::config::BaselineConfig;
use crate::report::BaselineInfo;
use anyhow::{Context, Result};
use git2::{ObjectType, Oid};
use std::collections::HashMap;
use std::path::Component;

impl Baseline {
    /// Every regular file under `<dir>/groups/<group>/` and `<dir>/hosts/<host>/` in the work
    /// tree (symbolic links are skipped, as the git baseline skips them).
    pub fn from_work_tree(cfg: &BaselineConfig) -> Result<Baseline> {
        let (repo, prefix) = locate(cfg)?;
        let root = repo
            .workdir()
            .context("the baseline repository has no work tree")?
            .join(&prefix);
        let mut groups = Owners::new();
        let mut hosts = Owners::new();
        let mut memory = HashMap::new();
        for (kind, owners) in [("groups", &mut groups), ("hosts", &mut hosts)] {
            let dir = root.join(kind);
            for entry in walkdir::WalkDir::new(&dir).min_depth(2) {
                let Ok(entry) = entry else { continue };
                if !entry.file_type().is_file() {
                    continue;
                }
                let ignored = entry
                    .path()
                    .strip_prefix(repo.workdir().unwrap_or(&root))
                    .is_ok_and(|r| repo.status_should_ignore(r).unwrap_or(false));
                if ignored {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(&dir) else {
                    continue;
                };
                let parts: Vec<&str> = rel
                    .components()
                    .filter_map(|c| match c {
                        Component::Normal(p) => p.to_str(),
                        _ => None,
                    })
                    .collect();
                let Some((owner, rest)) = parts.split_first() else {
                    continue;
                };
                let bytes = std::fs::read(entry.path())
                    .with_context(|| format!("cannot read {}", entry.path().display()))?;
                let oid = Oid::hash_object(ObjectType::Blob, &bytes)?;
                owners
                    .entry((*owner).to_string())
                    .or_default()
                    .insert(format!("/{}", rest.join("/")), oid);
                memory.insert(oid, bytes);
            }
        }
        let prefix = prefix
            .to_str()
            .map(|p| p.trim_end_matches('/').to_string())
            .unwrap_or_default();
        // Described as the work tree on top of HEAD (none before the first commit).
        let info = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .map(|c| BaselineInfo {
                reference: "work tree".to_string(),
                commit: c.id().to_string(),
                summary: "uncommitted edits on top of HEAD".to_string(),
            });
        Ok(Baseline {
            info,
            notes: Vec::new(),
            repo,
            prefix,
            groups,
            hosts,
            memory,
        })
    }
}

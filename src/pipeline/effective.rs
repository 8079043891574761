//! Includes: the compared files in the order they are judged, each with the trees read
//! through its includes when it has any (postgresql.conf's `include`, `include_dir`,
//! `include_if_exists`, followed among the host's own files); and the changes that leave what
//! the server runs with as it was (a setting moved between files, or set again where an include
//! overrides it), which are no drift.

use super::compare::Compared;
use super::program::default_entry;
use super::{HostResult, Target};
use crate::diff::Change;
use crate::normalize::Format;
use crate::normalize::includes::{self, Effective, ReadThrough};
use crate::report::Kind;
use crate::secret;
use crate::tree::{Entry, Tree};
use std::collections::BTreeSet;

/// A file's trees read with its includes: (baseline, live); none when it has no includes.
pub(super) type Views = Option<(Option<Effective>, Option<Effective>)>;

/// The files in the order they are judged: other formats first, in path order; then the
/// postgresql.conf-format files, those without includes first, so that a finding on an
/// included file is its own.
pub(super) fn views(files: Vec<Compared<'_>>) -> Vec<(Compared<'_>, Views)> {
    let (pg, other): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| f.format.name() == "pgconf");
    let mut out: Vec<(Compared, Views)> = other.into_iter().map(|f| (f, None)).collect();
    out.extend(pg_views(pg));
    out
}

/// The postgresql.conf-format files of one host, each read with the files it includes (both
/// sides).
fn pg_views(files: Vec<Compared<'_>>) -> Vec<(Compared<'_>, Views)> {
    let find = |path: &str| files.iter().find(|f| f.path == path);
    let base_paths: Vec<&str> = files
        .iter()
        .filter(|f| f.base.is_some())
        .map(|f| f.path.as_str())
        .collect();
    let live_paths: Vec<&str> = files
        .iter()
        .filter(|f| f.live_tree().is_some())
        .map(|f| f.path.as_str())
        .collect();
    let mut resolved = Vec::with_capacity(files.len());
    for f in &files {
        resolved.push((
            follow(
                f.path,
                f.base,
                &|p| find(p).and_then(|g| g.base),
                &base_paths,
            ),
            follow(
                f.path,
                f.live_tree(),
                &|p| find(p).and_then(Compared::live_tree),
                &live_paths,
            ),
        ));
    }
    let mut order: Vec<(Compared, Views)> = files
        .into_iter()
        .zip(resolved)
        .map(|(f, (base, live))| {
            let views = (base.is_some() || live.is_some()).then_some((base, live));
            (f, views)
        })
        .collect();
    order.sort_by_key(|(_, v)| v.is_some());
    order
}

/// The effective settings of `path` when it has includes that change something.
fn follow<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> Option<Effective> {
    tree.filter(|t| includes::reads_others(path, t))
        .and_then(|tree| includes::resolve(path, tree, lookup, paths))
}

/// One side of a postgresql.conf-format file read through its includes: the settings the
/// server runs with, and the files read.
type Read = Option<ReadThrough>;

/// Drops the changes of the host's postgresql.conf-format files that leave what the server
/// runs with as it was. A change of setting `k` in file F goes when at least one file the
/// server reads first (a file no other includes) reads F on either side, and every such file
/// runs with the same `k` on both sides. A change of an include directive itself stays: a file
/// it names may not have been collected. Each dropped change leaves a notice.
pub(super) fn drop_without_effect(
    t: &Target,
    asked: &BTreeSet<String>,
    files: &mut [Compared],
    out: &mut HostResult,
) {
    let pg: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].format.name() == "pgconf")
        .collect();
    if pg.len() < 2 && !pg.iter().any(|&i| has_any_includes(&files[i])) {
        return;
    }
    let sides: Vec<(Read, Read)> = {
        let find = |path: &str| pg.iter().map(|&i| &files[i]).find(|f| f.path == path);
        let paths = |live: bool| -> Vec<&str> {
            pg.iter()
                .map(|&i| &files[i])
                .filter(|f| {
                    if live {
                        f.live_tree().is_some()
                    } else {
                        f.base.is_some()
                    }
                })
                .map(|f| f.path.as_str())
                .collect()
        };
        let (base_paths, live_paths) = (paths(false), paths(true));
        pg.iter()
            .map(|&i| {
                let f = &files[i];
                let base = f.base.map(|t| {
                    includes::read_through(
                        f.path,
                        t,
                        &|p| find(p).and_then(|g| g.base),
                        &base_paths,
                    )
                });
                let live = f.live_tree().map(|t| {
                    includes::read_through(
                        f.path,
                        t,
                        &|p| find(p).and_then(Compared::live_tree),
                        &live_paths,
                    )
                });
                (base, live)
            })
            .collect()
    };
    let reads = |s: &(Read, Read), path: &str| {
        [&s.0, &s.1]
            .into_iter()
            .flatten()
            .any(|r| r.read.contains(path))
    };
    // The files the server reads first: read by no other.
    let roots: Vec<usize> = (0..pg.len())
        .filter(|&r| {
            let path = files[pg[r]].path.as_str();
            (0..pg.len()).all(|o| o == r || !reads(&sides[o], path))
        })
        .collect();
    // An absent setting has the server's default, when its version's table is known and no
    // other file the server reads first (postgresql.auto.conf) sets it on either side.
    let set_elsewhere = |r: usize, key: &str| {
        roots.iter().any(|&o| {
            o != r
                && [&sides[o].0, &sides[o].1]
                    .into_iter()
                    .flatten()
                    .any(|s| s.tree.get(key).is_some())
        })
    };
    let who: Vec<(Format, String)> = pg
        .iter()
        .map(|&i| (files[i].format, files[i].path.clone()))
        .collect();
    let with_defaults = |r: usize, key: &str, b: Option<&Entry>, l: Option<&Entry>| {
        let (format, path) = &who[r];
        let default = || {
            (!set_elsewhere(r, key))
                .then(|| default_entry(*format, path, t.group.version_of(path), key))
                .flatten()
        };
        match (b, l) {
            (Some(b), None) => (Some(b.clone()), default()),
            (None, Some(l)) => (default(), Some(l.clone())),
            (b, l) => (b.cloned(), l.cloned()),
        }
    };
    // A file the server reads first whose includes name only what the group collects or the
    // collection followed (so what was not collected does not exist on the host): only then
    // is what it runs with known.
    let collected = |target: &str, dir: bool| {
        let probe = if dir {
            format!("{target}/confdrift-probe.conf")
        } else {
            target.to_string()
        };
        t.group.files.iter().any(|s| s.matches(&probe))
            || asked.contains(target)
            || (dir && asked.contains(&format!("{target}/*.conf")))
    };
    let complete: Vec<bool> = (0..pg.len())
        .map(|r| {
            let (base, live) = &sides[r];
            [base, live].into_iter().flatten().all(|side| {
                side.read.iter().all(|p| {
                    let Some(f) = pg.iter().map(|&i| &files[i]).find(|f| f.path == p) else {
                        return true;
                    };
                    [f.base, f.live_tree()]
                        .into_iter()
                        .flatten()
                        .flat_map(|tree| includes::targets(p, tree))
                        .all(|(dir, target)| collected(&target, dir))
                })
            })
        })
        .collect();
    for (n, &i) in pg.iter().enumerate() {
        let path = files[i].path.clone();
        let format = files[i].format;
        let covering: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|&r| r == n || reads(&sides[r], &path))
            .collect();
        if covering.is_empty() || covering.iter().any(|&r| !complete[r]) {
            continue;
        }
        let same = |key: &str| {
            covering.iter().all(|&r| {
                let (base, live) = &sides[r];
                let base = base.as_ref().and_then(|r| r.tree.get(key));
                let live = live.as_ref().and_then(|r| r.tree.get(key));
                let (base, live) = with_defaults(r, key, base, live);
                same_entry(base.as_ref(), live.as_ref(), || {
                    secret::is_secret_key(format, key)
                })
            })
        };
        let before = files[i].changes.len();
        files[i]
            .changes
            .retain(|c| includes::is_include_directive(&c.key) || !same(&c.key));
        if files[i].changes.len() < before {
            let notice = format!(
                "{path}: {} setting{} changed in the file without changing what the server runs with (read through its includes)",
                before - files[i].changes.len(),
                if before - files[i].changes.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            if !out.notices.contains(&notice) {
                out.notices.push(notice);
            }
        }
    }
    // What no file's own change explains: the server runs with another value because an
    // include moved, or a file's name changed its place in `include_dir`'s order. Reported on
    // the file that sets the value the server now runs with (or set the old one).
    for &r in roots.iter().filter(|&&r| complete[r]) {
        let (Some(base), Some(live)) = (&sides[r].0, &sides[r].1) else {
            continue;
        };
        let mut keys: BTreeSet<&str> = base.tree.iter().map(|(k, _)| k).collect();
        keys.extend(live.tree.iter().map(|(k, _)| k));
        for key in keys {
            let (b, l) = (base.tree.get(key), live.tree.get(key));
            let format = files[pg[r]].format;
            let (db, dl) = with_defaults(r, key, b, l);
            if includes::is_include_directive(key)
                || same_entry(db.as_ref(), dl.as_ref(), || {
                    secret::is_secret_key(format, key)
                })
            {
                continue;
            }
            let explained = pg.iter().any(|&i| {
                (base.read.contains(files[i].path.as_str())
                    || live.read.contains(files[i].path.as_str()))
                    && files[i].changes.iter().any(|c| c.key == key)
            });
            if explained {
                continue;
            }
            let setter = live.from.get(key).or_else(|| base.from.get(key));
            let Some(&at) = pg.iter().find(|&&i| Some(files[i].path) == setter) else {
                continue;
            };
            let kind = match (b, l) {
                (Some(_), Some(_)) => Kind::Changed,
                (None, _) => Kind::Added,
                (_, None) => Kind::Removed,
            };
            // A secret the baseline holds as its fingerprint is compared as the file's own
            // change would be.
            let change = Change {
                key: key.to_string(),
                kind,
                baseline: b.cloned(),
                live: l.cloned(),
            };
            files[at]
                .changes
                .extend(secret::match_fingerprints(format, vec![change]));
        }
    }
}

fn has_any_includes(f: &Compared) -> bool {
    [f.base, f.live_tree()]
        .into_iter()
        .flatten()
        .any(|t| includes::reads_others(f.path, t))
}

/// The same setting on both sides: both absent, or values the server reads alike (a secret's
/// as written).
fn same_entry(a: Option<&Entry>, b: Option<&Entry>, as_text: impl Fn() -> bool) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.value == b.value
                || (a.value.same(&b.value)
                    && (!as_text() || a.value.to_string() == b.value.to_string()))
        }
        _ => false,
    }
}

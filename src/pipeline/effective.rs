//! Includes: the compared files in the order they are judged, each with the trees read
//! through its includes when it has any (postgresql.conf's `include`, `include_dir`,
//! `include_if_exists`, followed among the host's own files).

use super::compare::Compared;
use crate::normalize::includes::{self, Effective};
use crate::tree::Tree;

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
    tree.filter(|t| includes::has_includes(t))
        .and_then(|tree| includes::resolve(path, tree, lookup, paths))
}

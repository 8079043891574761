//! The baseline's own includes: the files of a host's baseline that no file entry selects but
//! that a selected one includes (as its program resolves the directive), so that they are
//! compared like listed ones, also on a host that no longer includes them.

use crate::baseline::{Baseline, BaselineFile};
use crate::collect::FileSpec;
use crate::config::Group;
use crate::normalize::Format;
use crate::normalize::follow::{self, Include};
use git2::Oid;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a baseline blob at a path includes, read once per run whatever number of hosts
/// share it.
/// What a baseline blob includes, by (blob, path, the entry file it was reached from, format).
pub(super) type Cache = HashMap<(Oid, String, String, &'static str), Vec<(Include, FileSpec)>>;

/// Moves from `all` (a host's baseline files) into `expected` every file a file of
/// `expected` includes, level after level (as far as collection follows, see
/// [`crate::collect::collect_following`]); returns them with their formats, and every path or
/// glob the includes named (what the baseline has there is all it has).
pub(super) fn follow(
    baseline: &Baseline,
    group: &Group,
    all: &BTreeMap<String, BaselineFile>,
    expected: &mut BTreeMap<String, BaselineFile>,
    cache: &mut Cache,
) -> (Vec<(String, Format, String)>, BTreeSet<String>) {
    let mut followed: Vec<(String, Format, String)> = Vec::new();
    let mut asked = BTreeSet::new();
    let mut frontier: Vec<(String, Format)> = expected
        .keys()
        .map(|p| (p.clone(), group.format_of(p)))
        .filter(|(_, f)| follow::can_include(*f))
        .collect();
    // The area each file's includes stay within: its entry file's (see follow::area).
    // The entry file each file was reached from (see follow::includes_in).
    let mut entries: BTreeMap<String, String> = BTreeMap::new();
    let mut areas: BTreeMap<String, String> = frontier
        .iter()
        .map(|(p, _)| (p.clone(), follow::area(p)))
        .collect();
    for _ in 0..crate::collect::follow_limits::MAX_ROUNDS {
        let mut next = Vec::new();
        for (path, format) in frontier.drain(..) {
            let Some(file) = expected.get(&path) else {
                continue;
            };
            let entry = entries.get(&path).unwrap_or(&path).clone();
            let includes = cache
                .entry((file.oid, path.clone(), entry.clone(), format.label()))
                .or_insert_with(|| read(baseline, file.oid, format, &path, &entry));
            let area = areas
                .get(&path)
                .cloned()
                .unwrap_or_else(|| follow::area(&path));
            for (inc, spec) in includes.iter() {
                if !follow::within(&area, inc) {
                    continue;
                }
                if asked.len() < crate::collect::follow_limits::MAX_FOLLOWED {
                    asked.insert(inc.pattern.clone());
                }
                for (p, f) in all {
                    let name = &p[p.rfind('/').map_or(0, |i| i + 1)..];
                    if expected.contains_key(p)
                        || !spec.matches(p)
                        || !inc.admits(p)
                        || (inc.skip_dot_files && name.starts_with('.'))
                        || followed.len() >= crate::collect::follow_limits::MAX_FOLLOWED
                    {
                        continue;
                    }
                    expected.insert(p.clone(), f.clone());
                    areas.insert(p.clone(), area.clone());
                    entries.insert(p.clone(), entry.clone());
                    let format = inc.format.unwrap_or(format);
                    followed.push((p.clone(), format, entry.clone()));
                    next.push((p.clone(), format));
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    (followed, asked)
}

/// What one baseline blob includes, each with its path or glob compiled (nothing when it
/// cannot be read or parsed: the comparison reports that).
fn read(
    baseline: &Baseline,
    oid: Oid,
    format: Format,
    path: &str,
    entry: &str,
) -> Vec<(Include, FileSpec)> {
    let Ok(bytes) = baseline.read(oid) else {
        return Vec::new();
    };
    follow::includes_in(format, path, entry, &bytes)
        .into_iter()
        .filter_map(|inc| {
            let spec = FileSpec::new(&inc.pattern, None).ok()?;
            Some((inc, spec))
        })
        .collect()
}

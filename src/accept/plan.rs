//! Where accepted live files go in the baseline layout. Pure: current files and live files in,
//! edits out.
//!
//! - A group whose hosts are all selected gets its majority content as the group file
//!   (`groups/<group>/<path>`); when more hosts lack the file than share any one content, the
//!   group file is removed instead.
//! - Every selected host whose live file differs from what its groups' files now say gets a
//!   host file (`hosts/<host>/<path>`); a host file made redundant is removed.
//! - Contents are compared by meaning (the check's own normalization), so a reformatted file
//!   that means the same leaves the baseline untouched.

use super::live::{LiveFile, TargetLive};
use crate::config::Group;
use crate::normalize::Format;
use std::collections::BTreeMap;

/// Baseline files by path inside the baseline directory (`groups/app/etc/x.yml`).
pub type Files = BTreeMap<String, Vec<u8>>;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Path inside the baseline directory → new content, or `None` to remove it.
    pub edits: BTreeMap<String, Option<Vec<u8>>>,
    /// What the layout cannot say (one host lacking a file its group has), for stderr.
    pub warnings: Vec<String>,
}

pub fn group_path(group: &str, path: &str) -> String {
    format!("groups/{group}{path}")
}

pub fn host_path(host: &str, path: &str) -> String {
    format!("hosts/{host}{path}")
}

/// Whether two versions of a file mean the same (equal bytes, or no finding between them).
pub fn same(format: Format, a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (format.parse(a), format.parse(b)) {
        (Ok(x), Ok(y)) => crate::diff::diff(&x, &y).is_empty(),
        _ => false,
    }
}

/// The edits that make `current` hold the live state of `live` (the selected targets).
pub fn plan(groups: &[Group], live: &[TargetLive], current: &Files) -> Plan {
    let mut new = current.clone();
    let mut warnings = Vec::new();
    let selected = |g: &Group, h: &str| live.iter().any(|t| t.group.name == g.name && t.host == h);
    // An uncomplete host says nothing about its files (only `init` goes on without it).
    let live: Vec<&TargetLive> = live.iter().filter(|t| t.complete).collect();

    // Groups whose every host is selected: their group files follow the majority.
    for g in groups {
        if g.hosts.is_empty() || !g.hosts.iter().all(|h| selected(g, h)) {
            continue;
        }
        let of_group: Vec<&TargetLive> = live
            .iter()
            .copied()
            .filter(|t| t.group.name == g.name)
            .collect();
        let mut paths: Vec<&String> = of_group.iter().flat_map(|t| t.files.keys()).collect();
        paths.sort();
        paths.dedup();
        for path in paths {
            let rel = group_path(&g.name, path);
            let per_host: Vec<Option<&LiveFile>> = of_group
                .iter()
                .map(|t| t.files.get(path).filter(|f| f.content.is_some()))
                .collect();
            // Hosts lacking the file count as a content of their own; step two warns about
            // the ones the group file still applies to.
            let absent = per_host.iter().filter(|f| f.is_none()).count();
            match majority(&per_host) {
                Some((format, content, count)) if count > absent => {
                    if !new.get(&rel).is_some_and(|cur| same(format, cur, content)) {
                        new.insert(rel, content.to_vec());
                    }
                }
                _ => {
                    new.remove(&rel);
                }
            }
        }
    }

    // Each selected host: its own file only where its groups' files do not say the same.
    for t in &live {
        for (path, file) in &t.files {
            let rel = host_path(t.host, path);
            let groups_of_host: Vec<&Group> = groups
                .iter()
                .filter(|g| g.hosts.iter().any(|h| h == t.host))
                .filter(|g| g.files.iter().any(|s| s.matches(path)))
                .collect();
            match &file.content {
                Some(content) => {
                    let covered = groups_of_host.iter().all(|g| {
                        new.get(&group_path(&g.name, path))
                            .is_some_and(|gf| same(file.format, gf, content))
                    });
                    if covered {
                        new.remove(&rel);
                    } else if !new
                        .get(&rel)
                        .is_some_and(|cur| same(file.format, cur, content))
                    {
                        new.insert(rel, content.clone());
                    }
                }
                None => {
                    let group_file = groups_of_host
                        .iter()
                        .map(|g| group_path(&g.name, path))
                        .find(|gp| new.contains_key(gp));
                    match group_file {
                        None => {
                            new.remove(&rel);
                        }
                        Some(gp) => {
                            let w = format!(
                                "{}: {path} is absent on the host but {gp} still applies to it: \
                                 the baseline layout cannot mark one host's file absent",
                                t.host
                            );
                            if !warnings.contains(&w) {
                                warnings.push(w);
                            }
                        }
                    }
                }
            }
        }
    }

    let mut edits = BTreeMap::new();
    for (rel, content) in &new {
        if current.get(rel) != Some(content) {
            edits.insert(rel.clone(), Some(content.clone()));
        }
    }
    for rel in current.keys() {
        if !new.contains_key(rel) {
            edits.insert(rel.clone(), None);
        }
    }
    Plan { edits, warnings }
}

/// The content most hosts share (ties: the first host's, in config order), and how many.
fn majority<'a>(per_host: &[Option<&'a LiveFile>]) -> Option<(Format, &'a [u8], usize)> {
    let mut classes: Vec<(Format, &'a [u8], usize)> = Vec::new();
    for file in per_host {
        let Some(f) = file else { continue };
        let Some(content) = f.content.as_deref() else {
            continue;
        };
        match classes
            .iter_mut()
            .find(|(fmt, rep, _)| same(*fmt, rep, content))
        {
            Some(class) => class.2 += 1,
            None => classes.push((f.format, content, 1)),
        }
    }
    let mut best: Option<(Format, &[u8], usize)> = None;
    for c in classes {
        if best.is_none_or(|b| c.2 > b.2) {
            best = Some(c);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{FileSpec, Transport};

    fn group(name: &str, hosts: &[&str]) -> Group {
        Group {
            name: name.into(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            vars: BTreeMap::new(),
            transport: Transport::Local,
            files: vec![FileSpec::new("/etc/a.yml", None).unwrap()],
            running: Vec::new(),
        }
    }

    fn target<'a>(g: &'a Group, host: &'a str, content: Option<&str>) -> TargetLive<'a> {
        let mut files = BTreeMap::new();
        files.insert(
            "/etc/a.yml".to_string(),
            LiveFile {
                format: Format::detect("/etc/a.yml"),
                content: content.map(|c| c.as_bytes().to_vec()),
            },
        );
        TargetLive {
            group: g,
            host,
            complete: true,
            files,
            secrets: Default::default(),
        }
    }

    fn edits(p: &Plan) -> Vec<(String, Option<String>)> {
        p.edits
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_ref().map(|b| String::from_utf8(b.clone()).unwrap()),
                )
            })
            .collect()
    }

    fn files(items: &[(&str, &str)]) -> Files {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn whole_group_majority_becomes_the_group_file_and_drops_redundant_overrides() {
        let g = group("app", &["a1", "a2", "a3"]);
        let current = files(&[
            ("groups/app/etc/a.yml", "pool: 50\n"),
            ("hosts/a2/etc/a.yml", "pool: 7\n"),
        ]);
        let live = [
            target(&g, "a1", Some("pool: 5\n")),
            target(&g, "a2", Some("pool:   5 # same meaning\n")),
            target(&g, "a3", Some("pool: 9\n")),
        ];
        let p = plan(std::slice::from_ref(&g), &live, &current);
        assert_eq!(
            edits(&p),
            [
                ("groups/app/etc/a.yml".into(), Some("pool: 5\n".into())),
                ("hosts/a2/etc/a.yml".into(), None),
                ("hosts/a3/etc/a.yml".into(), Some("pool: 9\n".into())),
            ]
        );
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn some_hosts_get_overrides_and_equal_ones_change_nothing() {
        let g = group("app", &["a1", "a2", "a3"]);
        let current = files(&[("groups/app/etc/a.yml", "pool: 50\n")]);
        let live = [
            target(&g, "a1", Some("pool: 50.0\n")),
            target(&g, "a2", Some("pool: 5\n")),
        ];
        let p = plan(std::slice::from_ref(&g), &live, &current);
        assert_eq!(
            edits(&p),
            [("hosts/a2/etc/a.yml".into(), Some("pool: 5\n".into()))]
        );
        // Accepting it again is a no-op.
        let mut after = current.clone();
        after.insert("hosts/a2/etc/a.yml".into(), b"pool: 5\n".to_vec());
        assert!(
            plan(std::slice::from_ref(&g), &live, &after)
                .edits
                .is_empty()
        );
    }

    #[test]
    fn absence_is_a_majority_too() {
        let g = group("app", &["a1", "a2", "a3"]);
        let current = files(&[("groups/app/etc/a.yml", "pool: 50\n")]);
        let live = [
            target(&g, "a1", None),
            target(&g, "a2", None),
            target(&g, "a3", Some("pool: 50\n")),
        ];
        let p = plan(std::slice::from_ref(&g), &live, &current);
        assert_eq!(
            edits(&p),
            [
                ("groups/app/etc/a.yml".into(), None),
                ("hosts/a3/etc/a.yml".into(), Some("pool: 50\n".into())),
            ]
        );
        let live = [
            target(&g, "a1", None),
            target(&g, "a2", Some("pool: 50\n")),
            target(&g, "a3", Some("pool: 50\n")),
        ];
        let p = plan(std::slice::from_ref(&g), &live, &current);
        assert!(p.edits.is_empty());
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].starts_with("a1: /etc/a.yml is absent"));
    }
}

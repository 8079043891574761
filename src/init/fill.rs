//! What `init --from-live` writes when baseline files may exist already (a run that left hosts
//! out, run again): the layout of a first run ([`plan::plan`] on an empty baseline), except
//! that a file already there is never touched. Pure: the existing files come in through a
//! lookup, the files to create go out.
//!
//! - A group file the first run would write is written only where none exists; an existing
//!   one stays what the group's hosts are compared with.
//! - Each reachable host is then compared with what the baseline says for it (its own file,
//!   else its group's): the same meaning is fine; a host with no file of its own that differs
//!   from its group's gets its own; a host file that exists and differs is a conflict, listed
//!   and left alone.
//!
//! On a first run (nothing exists) this is exactly the first-run layout.

use crate::accept::live::TargetLive;
use crate::accept::plan::{self, group_path, host_path};
use std::collections::{BTreeMap, BTreeSet};

/// A baseline file that exists and says something else than a host's live file.
#[derive(Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Inside the baseline directory (`hosts/app-3/etc/app/db.yml`).
    pub rel: String,
    pub host: String,
    /// The file's absolute path on the host.
    pub path: String,
    /// The host has no such file any more.
    pub absent: bool,
}

#[derive(Debug, Default)]
pub struct Fill {
    /// Files to create, by path inside the baseline directory.
    pub writes: BTreeMap<String, Vec<u8>>,
    /// Existing files that already say what the hosts have (left as they are).
    pub already: BTreeSet<String>,
    pub conflicts: Vec<Conflict>,
    /// What the layout cannot say (a host lacking a file its group has), for stderr.
    pub warnings: Vec<String>,
}

/// The files to create so that the baseline holds the live state of every complete target;
/// `existing(rel)` reads a file already in the baseline directory.
pub fn fill(
    fresh: &plan::Plan,
    live: &[TargetLive],
    existing: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Fill {
    let mut out = Fill::default();
    for (rel, content) in &fresh.edits {
        if let (true, Some(bytes)) = (rel.starts_with("groups/"), content)
            && existing(rel).is_none()
        {
            out.writes.insert(rel.clone(), bytes.clone());
        }
    }
    for t in live.iter().filter(|t| t.complete) {
        for (path, file) in &t.files {
            let host_rel = host_path(t.host, path);
            let group_rel = group_path(&t.group.name, path);
            let on_disk = existing(&host_rel);
            let host_file = out.writes.get(&host_rel).cloned().or(on_disk.clone());
            let (rel, says) = match host_file {
                Some(h) => (host_rel.clone(), Some(h)),
                None => {
                    let g = out.writes.get(&group_rel).cloned().or(existing(&group_rel));
                    (group_rel.clone(), g)
                }
            };
            let existed = !out.writes.contains_key(&rel);
            let same = match (&file.content, &says) {
                (Some(c), Some(s)) => plan::same(file.format, s, c),
                _ => false,
            };
            match (&file.content, says) {
                // Said already: by a file there before this run, or by one it writes.
                _ if same && existed => {
                    out.already.insert(rel);
                }
                _ if same => {}
                (Some(c), _) if on_disk.is_none() => {
                    out.writes.insert(host_rel, c.clone());
                }
                (content, _) if on_disk.is_some() => out.conflicts.push(Conflict {
                    rel: host_rel,
                    host: t.host.to_string(),
                    path: path.clone(),
                    absent: content.is_none(),
                }),
                (None, Some(_)) => out.warnings.push(format!(
                    "{}: {path} is absent on the host but {rel} applies to it: the baseline \
                     layout cannot mark one host's file absent",
                    t.host
                )),
                _ => {}
            }
        }
    }
    out.warnings.sort();
    out.warnings.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::live::LiveFile;
    use crate::collect::{FileSpec, Transport};
    use crate::config::Group;
    use crate::normalize::Format;

    const PATH: &str = "/etc/a.yml";

    fn group(hosts: &[&str]) -> Group {
        Group {
            name: "app".into(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            vars: BTreeMap::new(),
            transport: Transport::Local,
            files: vec![FileSpec::new(PATH, None).unwrap()],
            running: Vec::new(),
        }
    }

    fn target<'a>(g: &'a Group, host: &'a str, content: Option<&str>) -> TargetLive<'a> {
        let file = LiveFile {
            format: Format::detect(PATH),
            content: content.map(|c| c.as_bytes().to_vec()),
        };
        TargetLive {
            group: g,
            host,
            complete: true,
            files: [(PATH.to_string(), file)].into(),
            secrets: Default::default(),
        }
    }

    #[test]
    fn existing_files_are_kept_and_only_what_is_missing_is_written() {
        let g = group(&["a1", "a2", "a3", "a4", "a5"]);
        let live = [
            target(&g, "a1", Some("pool: 9\n")),
            target(&g, "a2", Some("pool: 9\n")),
            target(&g, "a3", Some("pool: 1\n")),
            target(&g, "a4", None),
            target(&g, "a5", None),
        ];
        let existing: BTreeMap<String, &str> = [
            ("groups/app/etc/a.yml", "pool:  1 # the old majority\n"),
            ("hosts/a2/etc/a.yml", "pool: 7\n"),
            ("hosts/a4/etc/a.yml", "pool: 1\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let fresh = plan::plan(std::slice::from_ref(&g), &live, &plan::Files::new());
        let out = fill(&fresh, &live, &|rel| {
            existing.get(rel).map(|v| v.as_bytes().to_vec())
        });
        // a1 differs from the group file there: its own file; a3 says the same: nothing.
        assert_eq!(
            out.writes.keys().collect::<Vec<_>>(),
            ["hosts/a1/etc/a.yml"]
        );
        assert_eq!(
            out.already.iter().collect::<Vec<_>>(),
            ["groups/app/etc/a.yml"]
        );
        let conflicts: Vec<(&str, bool)> = out
            .conflicts
            .iter()
            .map(|c| (c.rel.as_str(), c.absent))
            .collect();
        assert_eq!(
            conflicts,
            [("hosts/a2/etc/a.yml", false), ("hosts/a4/etc/a.yml", true)]
        );
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        assert!(out.warnings[0].starts_with("a5: /etc/a.yml is absent"));
    }

    #[test]
    fn on_an_empty_baseline_it_is_the_first_run_layout() {
        let g = group(&["a1", "a2", "a3"]);
        let live = [
            target(&g, "a1", Some("pool: 9\n")),
            target(&g, "a2", Some("pool: 9\n")),
            target(&g, "a3", Some("pool: 1\n")),
        ];
        let fresh = plan::plan(std::slice::from_ref(&g), &live, &plan::Files::new());
        let out = fill(&fresh, &live, &|_| None);
        let first: BTreeMap<String, Vec<u8>> = fresh
            .edits
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        assert_eq!(out.writes, first);
        assert!(out.already.is_empty() && out.conflicts.is_empty());
    }
}

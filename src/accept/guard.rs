//! The guard of `accept`: a baseline that would break a critical rule is refused (unless
//! `--force`), naming the file, line, key, value and rule.
//!
//! It judges the baseline as it would be after the accept (the committed files with the
//! planned edits applied):
//! - every file the accept writes, on its own values;
//! - a postgresql.conf with includes, on the values the server would run with (see
//!   [`crate::normalize::includes`]), for every host whose files an edit touches: a too-low
//!   `max_connections` written into `conf.d/` is refused as it would be in postgresql.conf
//!   itself, and a postgresql.conf value that a later include overrides is not. Refused there:
//!   what an edited file sets, and what the accept newly breaks (an override removed, an include
//!   added). A rule the untouched files already broke is left to `check` and `lint`.

use super::plan::Files;
use crate::config::{Config, Group};
use crate::normalize::includes;
use crate::normalize::{Document, Format};
use crate::report::{Finding, Severity};
use crate::rules::{FileCtx, Included};
use crate::tree::Tree;
use anyhow::{Result, bail};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Path inside the baseline directory → new content, or `None` to remove it.
type Edits = BTreeMap<String, Option<Vec<u8>>>;

pub fn refuse_critical(
    cfg: &Config,
    prefix: &Path,
    current: &Files,
    edits: &Edits,
    force: bool,
) -> Result<()> {
    let mut broken = Vec::new();
    own_values(cfg, prefix, edits, &mut broken);
    through_includes(cfg, prefix, current, edits, &mut broken);
    if broken.is_empty() {
        return Ok(());
    }
    if force {
        super::warn(format_args!(
            "warning: --force: recording a baseline that breaks critical rules:\n  {}",
            broken.join("\n  ")
        ));
        return Ok(());
    }
    bail!(
        "accept: the new baseline would break critical rules, so nothing was recorded:\n  {}\n\
         hint: fix the hosts first, or pass --force to record this state anyway",
        broken.join("\n  ")
    )
}

/// Every written file on its own values, except a postgresql.conf with includes (judged per
/// host by [`through_includes`]).
fn own_values(cfg: &Config, prefix: &Path, edits: &Edits, broken: &mut Vec<String>) {
    for (rel, content) in edits {
        let Some(bytes) = content else { continue };
        // `groups/<group>/<path>` or `hosts/<host>/<path>`: the groups the file applies to.
        let mut parts = rel.splitn(3, '/');
        let (Some(kind), Some(owner), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = format!("/{rest}");
        let owners: Vec<(&Group, Option<&str>)> = cfg
            .groups
            .iter()
            .filter_map(|g| match kind {
                "groups" if g.name == owner => Some((g, None)),
                "hosts" if g.hosts.iter().any(|h| h == owner) => Some((g, Some(owner))),
                _ => None,
            })
            .collect();
        for (group, host) in owners {
            let format = group.format_of(&path);
            let Ok(doc) = format.parse(bytes) else {
                continue;
            };
            if is_pgconf(format) && doc.tree().is_some_and(includes::has_includes) {
                continue;
            }
            let shown = prefix.join(rel).display().to_string();
            let ctx = FileCtx {
                group: &group.name,
                host,
                file: &path,
                format,
                baseline_source: Some(&shown),
                included: Included::default(),
            };
            for f in cfg.rules.apply_file(&ctx, doc.tree(), None, Vec::new()) {
                if f.severity == Severity::Critical {
                    push_new(broken, describe(&shown, &f));
                }
            }
        }
    }
}

/// Each postgresql.conf with includes of every host an edit touches, on its effective values.
fn through_includes(
    cfg: &Config,
    prefix: &Path,
    current: &Files,
    edits: &Edits,
    broken: &mut Vec<String>,
) {
    let mut parsed: HashMap<(bool, String), Option<Document>> = HashMap::new();
    for (i, host) in touched(cfg, edits) {
        let group = &cfg.groups[i];
        let after = view(group, current, Some(edits), host);
        if after.is_empty() {
            continue;
        }
        let text = |rel: &str, after: bool| -> Option<&[u8]> {
            match edits.get(rel).filter(|_| after) {
                Some(content) => content.as_deref(),
                None => current.get(rel).map(Vec::as_slice),
            }
        };
        let before = view(group, current, None, host);
        for (side, files) in [(true, &after), (false, &before)] {
            for (path, rel) in files {
                parsed.entry((side, rel.clone())).or_insert_with(|| {
                    let bytes = text(rel, side)?;
                    group.format_of(path).parse(bytes).ok()
                });
            }
        }
        let findings = |side: bool, files: &BTreeMap<String, String>| {
            let tree_of = |rel: &String| {
                parsed
                    .get(&(side, rel.clone()))
                    .and_then(|d| d.as_ref())
                    .and_then(Document::tree)
            };
            effective_findings(cfg, prefix, group, host, files, &tree_of)
        };
        let now = findings(true, &after);
        let mut was: Option<BTreeSet<String>> = None;
        for (rel, item) in now {
            let new = edits.contains_key(&rel)
                || !was
                    .get_or_insert_with(|| findings(false, &before).into_values().collect())
                    .contains(&item);
            if new {
                push_new(broken, item);
            }
        }
    }
}

/// Critical findings on the effective values of each postgresql.conf with includes in `files`
/// (path → baseline path), as (baseline path of the file that sets the value → described).
fn effective_findings<'t>(
    cfg: &Config,
    prefix: &Path,
    group: &Group,
    host: &str,
    files: &BTreeMap<String, String>,
    tree_of: &dyn Fn(&String) -> Option<&'t Tree>,
) -> BTreeMap<String, String> {
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    let lookup = |p: &str| files.get(p).and_then(tree_of);
    let mut out = BTreeMap::new();
    for (path, rel) in files {
        let Some(own) = tree_of(rel).filter(|t| includes::has_includes(t)) else {
            continue;
        };
        let effective = includes::resolve(path, own, &lookup, &paths);
        let shown = prefix.join(rel).display().to_string();
        let ctx = FileCtx {
            group: &group.name,
            host: Some(host),
            file: path,
            format: group.format_of(path),
            baseline_source: Some(&shown),
            included: Included {
                live: None,
                base: effective.as_ref().map(|e| &e.from),
            },
        };
        let tree = effective.as_ref().map_or(own, |e| &e.tree);
        for f in cfg.rules.apply_file(&ctx, Some(tree), None, Vec::new()) {
            if f.severity != Severity::Critical {
                continue;
            }
            // A value an included file set is named at that file.
            let setter = files.get(&f.file).unwrap_or(rel);
            let shown = prefix.join(setter).display().to_string();
            out.insert(setter.clone(), describe(&shown, &f));
        }
    }
    out
}

/// The hosts (with their group's index) whose baseline an edit changes: all hosts of an
/// edited group file's group, and the host of an edited host file in each of its groups.
fn touched<'c>(cfg: &'c Config, edits: &Edits) -> BTreeSet<(usize, &'c str)> {
    let mut out = BTreeSet::new();
    for rel in edits.keys() {
        let mut parts = rel.splitn(3, '/');
        match (parts.next(), parts.next()) {
            (Some("groups"), Some(name)) => {
                for (i, g) in cfg
                    .groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.name == name)
                {
                    out.extend(g.hosts.iter().map(|h| (i, h.as_str())));
                }
            }
            (Some("hosts"), Some(name)) => {
                for (i, g) in cfg.groups.iter().enumerate() {
                    out.extend(
                        g.hosts
                            .iter()
                            .filter(|h| *h == name)
                            .map(|h| (i, h.as_str())),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// The postgresql.conf-format files `host` of `group` has in the baseline, before (`edits` is
/// `None`) or after the accept: absolute path → baseline path; a host file wins.
fn view(
    group: &Group,
    current: &Files,
    edits: Option<&Edits>,
    host: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for dir in [format!("groups/{}/", group.name), format!("hosts/{host}/")] {
        let under = |rel: &&String| rel.starts_with(&dir);
        let mut rels: BTreeSet<&String> = current
            .range(dir.clone()..)
            .map(|(rel, _)| rel)
            .take_while(under)
            .collect();
        if let Some(edits) = edits {
            for (rel, content) in edits.range(dir.clone()..).take_while(|(r, _)| under(r)) {
                match content {
                    Some(_) => rels.insert(rel),
                    None => rels.remove(rel),
                };
            }
        }
        for rel in rels {
            let path = format!("/{}", &rel[dir.len()..]);
            if group.files.iter().any(|s| s.matches(&path)) && is_pgconf(group.format_of(&path)) {
                out.insert(path, rel.clone());
            }
        }
    }
    out
}

fn is_pgconf(format: Format) -> bool {
    format.name() == "pgconf"
}

/// `baselines/hosts/db-1/etc/x.conf:3: max_connections: ... (rule)`.
fn describe(shown: &str, f: &Finding) -> String {
    let line = f.baseline_line.map(|l| format!(":{l}")).unwrap_or_default();
    format!(
        "{shown}{line}: {}: {} ({})",
        f.key.as_deref().unwrap_or(""),
        f.message,
        f.rule.as_deref().unwrap_or("rule")
    )
}

fn push_new(broken: &mut Vec<String>, item: String) {
    if !broken.contains(&item) {
        broken.push(item);
    }
}

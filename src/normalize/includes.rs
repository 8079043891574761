//! postgresql.conf's `include`, `include_if_exists` and `include_dir`, followed across the
//! files of one host, as the server reads them.
//!
//! Each file is still compared with its own baseline file on its own; this module gives the
//! rules and the capacity checks the values the server actually runs with. A file's
//! *effective* settings are its own, overlaid in order by those of every file it includes that
//! was collected too (on the same side: live with live, baseline with baseline):
//!
//! - an include applies at its line: a setting the file assigns again after the include wins
//!   over the included one, one assigned before it loses (PostgreSQL's last-one-wins, kept
//!   across files);
//! - a relative path is relative to the directory of the file holding the directive;
//! - `include_dir` reads the collected files directly in that directory whose names end in
//!   `.conf` and do not start with `.`, in byte order of their names, as PostgreSQL does;
//! - includes nest up to 10 levels (PostgreSQL's own limit); a file including itself, directly
//!   or not, is not read again in that chain, and at most [`MAX_READS`] files are read for one;
//! - an included file that was not collected (or is not read as `pgconf`) is skipped: what
//!   was not collected cannot be known, and the directives themselves are compared as keys;
//! - a file named `postgresql.conf` is followed by `postgresql.auto.conf` (what `ALTER SYSTEM`
//!   writes) in the data directory its `data_directory` names, else beside it: the server reads
//!   that file after the whole of postgresql.conf, so its settings win.

use crate::tree::Map;
use crate::tree::{Entry, Tree};
use std::collections::{BTreeSet, HashMap};

/// PostgreSQL refuses configuration files nested deeper than this.
const MAX_DEPTH: usize = 10;

/// Included files read for one file at most: a hostile file including another thousands of
/// times, each including another thousands of times, must not cost millions of reads.
const MAX_READS: usize = 256;

/// The include directives, as the pgconf reader records them (`include[0]`, ...).
const DIRECTIVES: &[&str] = &["include", "include_if_exists", "include_dir"];

/// The settings one file makes the server run with.
#[derive(Debug)]
pub struct Effective {
    pub tree: Tree,
    /// The keys an included file set: key → that file's path. The entry's line is a line of
    /// that file.
    pub from: HashMap<String, String>,
}

/// Whether the server reads another file when it reads `path` (whose tree is `tree`): an
/// include directive, or `postgresql.auto.conf` after a `postgresql.conf`.
pub fn reads_others(path: &str, tree: &Tree) -> bool {
    has_includes(tree) || auto_conf(path, tree).is_some()
}

/// Whether a pgconf tree holds an include directive.
pub fn has_includes(tree: &Tree) -> bool {
    ["include[0]", "include_if_exists[0]", "include_dir[0]"]
        .iter()
        .any(|k| tree.get(k).is_some())
}

/// The effective settings of `root` (whose tree is `tree`), or `None` when no included file
/// changes anything. `lookup` gives the tree of another collected pgconf file on the same
/// side; `paths` lists every collected path on that side (for `include_dir`).
pub fn resolve<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> Option<Effective> {
    // Most includes name files that were not collected: then nothing is copied.
    let dir = parent(root);
    let reachable = directives(root, tree, true)
        .iter()
        .any(|(directive, target, _)| {
            let target = join(dir, target);
            if *directive == "include_dir" {
                !in_dir(&target, paths).is_empty()
            } else {
                lookup(&target).is_some()
            }
        });
    if !reachable {
        return None;
    }
    let mut walk = Walk {
        stack: vec![root.to_string()],
        reads: 0,
        read: BTreeSet::new(),
        refused: Vec::new(),
    };
    let merged = overlay(root, tree, lookup, paths, &mut walk);
    if merged.values().all(|(_, from)| from.is_none()) {
        return None;
    }
    let mut out = Effective {
        tree: Tree::new(),
        from: HashMap::new(),
    };
    for (key, (entry, from)) in merged {
        if let Some(file) = from {
            out.from.insert(key.clone(), file);
        }
        out.tree.insert(key, entry.value, entry.line);
    }
    Some(out)
}

/// What the server runs with when it reads one file through its includes.
#[derive(Debug)]
pub struct ReadThrough {
    /// The settings, each with its line in the file that set it.
    pub tree: Tree,
    /// The file that set each setting.
    pub from: HashMap<String, String>,
    /// Every file read, the root too.
    pub read: BTreeSet<String>,
    /// A setting's key in the file that set it, where that is another (nginx: an included
    /// file's `server.listen` is `http.server[1].listen` here); empty when keys are the same.
    pub own: HashMap<String, String>,
    /// Include directives the program refuses to start with (a file that includes itself,
    /// nesting past the program's limit): (file, line, what the program does).
    pub refused: Vec<(String, u32, String)>,
}

/// What the server runs with when it reads `root` (whose tree is `tree`): its settings
/// overlaid by those of every collected file it includes, whether or not they change
/// anything; and every file read, `root` included.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let mut walk = Walk {
        stack: vec![root.to_string()],
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        refused: Vec::new(),
    };
    let merged = overlay(root, tree, lookup, paths, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::with_capacity(merged.len()),
        read: walk.read,
        own: HashMap::new(),
        refused: walk.refused,
    };
    for (key, (entry, from)) in merged {
        out.from
            .insert(key.clone(), from.unwrap_or_else(|| root.to_string()));
        out.tree.insert(key, entry.value, entry.line);
    }
    out
}

/// What the include directives of `path` (whose tree is `tree`) name, absolute: (whether it
/// is an `include_dir`, the path).
pub fn targets(path: &str, tree: &Tree) -> Vec<(bool, String)> {
    let dir = parent(path);
    directives(path, tree, true)
        .into_iter()
        .map(|(d, target, _)| (d == "include_dir", join(dir, &target)))
        .collect()
}

/// The include directives of `path` (whose tree is `tree`), absolute, in line order: (the
/// directive, the path it names, its line). `postgresql.auto.conf` comes last for a file named
/// `postgresql.conf`, as an `include_if_exists` at line `u32::MAX` (no line of the file
/// names it).
pub fn directives_of(path: &str, tree: &Tree) -> Vec<(&'static str, String, u32)> {
    let dir = parent(path);
    directives(path, tree, true)
        .into_iter()
        .map(|(d, target, line)| (d, join(dir, &target), line))
        .collect()
}

/// Where the server finds `postgresql.auto.conf` when it reads `path` (whose tree is `tree`)
/// as its main file: in the directory `data_directory` names (absolute only: a relative one is
/// relative to the server's working directory), else beside it. None for another file name.
pub fn auto_conf(path: &str, tree: &Tree) -> Option<String> {
    if !path.ends_with("/postgresql.conf") {
        return None;
    }
    let dir = match tree.get("data_directory").map(|e| &e.value) {
        Some(crate::tree::Value::Str(d)) if d.starts_with('/') => d.trim_end_matches('/'),
        Some(_) => return None,
        None => parent(path),
    };
    Some(join(dir, "postgresql.auto.conf"))
}

/// Whether `key` is an include directive (`include_dir[0]`).
pub fn is_include_directive(key: &str) -> bool {
    is_directive(key)
}

/// Key → (entry, the included file that set it), for one file and what it includes.
type Merged = Map<String, (Entry, Option<String>)>;

/// Where the walk through includes is: the chain of files, and how many were read.
struct Walk {
    stack: Vec<String>,
    reads: usize,
    /// Every file read, the root too.
    read: BTreeSet<String>,
    refused: Vec<(String, u32, String)>,
}

fn overlay<'t>(
    path: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    walk: &mut Walk,
) -> Merged {
    // Where each key was last set in this file: an include at a later line overrides it.
    let mut at: HashMap<String, u32> = HashMap::new();
    let mut merged: Merged = Map::with_capacity_and_hasher(tree.len(), Default::default());
    for (key, e) in tree.iter() {
        at.insert(key.to_string(), e.line);
        merged.insert(key.to_string(), (e.clone(), None));
    }
    let dir = parent(path);
    for (directive, target, line) in directives(path, tree, walk.stack.len() == 1) {
        let target = join(dir, &target);
        let files: Vec<String> = if directive == "include_dir" {
            in_dir(&target, paths)
        } else {
            vec![target]
        };
        for file in files {
            let circle = walk.stack.contains(&file);
            // The depth is checked before the file is opened: a missing one too.
            let opened = directive == "include" || lookup(&file).is_some();
            if opened && (circle || walk.stack.len() > MAX_DEPTH) {
                let why = if file == path {
                    // Checked before the depth (ParseConfigFile's `calling_file`).
                    "itself, which is being read already: PostgreSQL refuses to start (\"configuration file recursion\")".to_string()
                } else {
                    format!(
                        "{file} {}: PostgreSQL refuses to start (\"maximum nesting depth exceeded\", more than {MAX_DEPTH} levels)",
                        if circle {
                            "which is being read already"
                        } else {
                            "past the nesting limit"
                        }
                    )
                };
                walk.refused
                    .push((path.to_string(), line, format!("includes {why}")));
                break;
            }
            if circle || walk.reads >= MAX_READS {
                continue;
            }
            let Some(sub) = lookup(&file) else { continue };
            walk.reads += 1;
            walk.read.insert(file.clone());
            walk.stack.push(file.clone());
            let inner = overlay(&file, sub, lookup, paths, walk);
            walk.stack.pop();
            for (key, (entry, from)) in inner {
                if is_directive(&key) || at.get(&key).is_some_and(|&l| l > line) {
                    continue;
                }
                at.insert(key.clone(), line);
                let from = from.unwrap_or_else(|| file.clone());
                merged.insert(key, (entry, Some(from)));
            }
        }
    }
    merged
}

/// The directives of a tree in line order: (directive, path as written, line); for the file
/// the server reads first (`root`), `postgresql.auto.conf` after them all.
fn directives(path: &str, tree: &Tree, root: bool) -> Vec<(&'static str, String, u32)> {
    let mut out = Vec::new();
    for d in DIRECTIVES {
        for i in 0.. {
            let Some(e) = tree.get(&format!("{d}[{i}]")) else {
                break;
            };
            if let crate::tree::Value::Str(p) = &e.value {
                out.push((*d, p.clone(), e.line));
            }
        }
    }
    out.sort_by_key(|&(_, _, line)| line);
    if root && let Some(auto) = auto_conf(path, tree) {
        out.push(("include_if_exists", auto, u32::MAX));
    }
    out
}

fn is_directive(key: &str) -> bool {
    key.split_once('[')
        .is_some_and(|(name, _)| DIRECTIVES.contains(&name))
}

/// The directory of an absolute path (`/` for a file at the root).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `target` read from a file in `dir`: absolute as is, else relative to `dir`; `.` and `..`
/// resolved by name (a symlink on the host is not followed; what was collected is by name).
pub(crate) fn join(dir: &str, target: &str) -> String {
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{dir}/{target}")
    };
    if is_clean(joined.as_bytes()) {
        return joined;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` is already what [`join`] makes of it: absolute, and no empty, `.` or `..`
/// part (most paths are: they skip the rebuilding).
fn is_clean(path: &[u8]) -> bool {
    if path.len() < 2 || path[0] != b'/' {
        return false;
    }
    path[1..]
        .split(|&b| b == b'/')
        .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// The collected files `include_dir` reads from `dir`, in the order the server reads them.
pub(crate) fn in_dir(dir: &str, paths: &[&str]) -> Vec<String> {
    let mut out: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| {
            let name = &p[p.rfind('/').map_or(0, |i| i + 1)..];
            parent(p) == dir && name.ends_with(".conf") && !name.starts_with('.')
        })
        .collect();
    out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    out.dedup();
    out.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Format;
    use crate::tree::Value;

    fn pg(text: &str) -> Tree {
        let doc = Format::from_name("pgconf").unwrap().parse(text.as_bytes());
        doc.unwrap().tree().unwrap().clone()
    }

    fn effective(files: &[(&str, &str)]) -> Option<Effective> {
        let trees: HashMap<&str, Tree> = files.iter().map(|(p, t)| (*p, pg(t))).collect();
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        let lookup = |p: &str| trees.get(p);
        resolve(files[0].0, &trees[files[0].0], &lookup, &paths)
    }

    fn get<'e>(e: &'e Effective, key: &str) -> (String, u32, Option<&'e str>) {
        let entry = e.tree.get(key).unwrap();
        (
            entry.value.to_string(),
            entry.line,
            e.from.get(key).map(String::as_str),
        )
    }

    #[test]
    fn an_include_wins_over_what_comes_before_it_and_loses_to_what_comes_after() {
        let e = effective(&[
            (
                "/etc/pg/postgresql.conf",
                "max_connections = 100\nwork_mem = 4MB\ninclude 'tuning.conf'\nwork_mem = 8MB\n",
            ),
            (
                "/etc/pg/tuning.conf",
                "# tuned\nmax_connections = 500\nwork_mem = 64MB\nshared_buffers = 1GB\n",
            ),
        ])
        .unwrap();
        assert_eq!(
            get(&e, "max_connections"),
            ("500".into(), 2, Some("/etc/pg/tuning.conf"))
        );
        assert_eq!(get(&e, "work_mem"), ("8MB".into(), 4, None));
        assert_eq!(
            get(&e, "shared_buffers"),
            ("1GB".into(), 4, Some("/etc/pg/tuning.conf"))
        );
        assert_eq!(
            e.tree.get("include[0]").unwrap().value,
            Value::text("tuning.conf")
        );
    }

    #[test]
    fn include_dir_reads_conf_files_in_name_order_and_nested_includes_follow() {
        let e = effective(&[
            (
                "/etc/pg/postgresql.conf",
                "max_connections = 100\ninclude_dir = 'conf.d'\n",
            ),
            ("/etc/pg/conf.d/20-late.conf", "max_connections = 300\n"),
            (
                "/etc/pg/conf.d/10-early.conf",
                "max_connections = 200\ninclude '../extra/more.conf'\n",
            ),
            ("/etc/pg/conf.d/.hidden.conf", "max_connections = 1\n"),
            ("/etc/pg/conf.d/notes.txt", "max_connections = 2\n"),
            ("/etc/pg/extra/more.conf", "\n\nwork_mem = 16MB\n"),
        ])
        .unwrap();
        assert_eq!(
            get(&e, "max_connections"),
            ("300".into(), 1, Some("/etc/pg/conf.d/20-late.conf"))
        );
        assert_eq!(
            get(&e, "work_mem"),
            ("16MB".into(), 3, Some("/etc/pg/extra/more.conf"))
        );
    }

    #[test]
    fn missing_files_cycles_and_overridden_includes_change_nothing() {
        assert!(
            effective(&[("/a/postgresql.conf", "include 'gone.conf'\nport = 5432\n")]).is_none()
        );
        assert!(
            effective(&[
                ("/a/postgresql.conf", "include 'b.conf'\nport = 5432\n"),
                ("/a/b.conf", "port = 6543\n"),
            ])
            .is_none(),
            "the file sets port again after the include"
        );
        let e = effective(&[
            ("/a/postgresql.conf", "include '/a/b.conf'\n"),
            (
                "/a/b.conf",
                "include 'postgresql.conf'\nport = 1\ninclude 'b.conf'\n",
            ),
        ])
        .unwrap();
        assert_eq!(get(&e, "port"), ("1".into(), 2, Some("/a/b.conf")));
    }

    #[test]
    fn nesting_stops_at_postgresql_s_limit() {
        let mut files: Vec<(String, String)> = (0..15)
            .map(|i| {
                (
                    format!("/c/{i}.conf"),
                    format!("include '{}.conf'\nk{i} = 1\n", i + 1),
                )
            })
            .collect();
        files[0].0 = "/c/postgresql.conf".into();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let e = effective(&refs).unwrap();
        assert!(e.tree.get("k10").is_some());
        assert!(e.tree.get("k11").is_none());
    }

    #[test]
    fn a_file_included_over_and_over_is_read_a_bounded_number_of_times() {
        let many = |target: &str| format!("include '{target}'\n").repeat(2000);
        let root = format!("{}port = 1\n", many("b.conf"));
        let b = format!("{}k = 1\n", many("c.conf"));
        let c = "j = 2\n".to_string();
        let e = effective(&[
            ("/x/postgresql.conf", &root),
            ("/x/b.conf", &b),
            ("/x/c.conf", &c),
        ])
        .unwrap();
        assert_eq!(get(&e, "j"), ("2".into(), 1, Some("/x/c.conf")));
        assert_eq!(get(&e, "port"), ("1".into(), 2001, None));
    }

    #[test]
    fn paths_join_by_name() {
        assert_eq!(join("/etc/pg", "conf.d/x.conf"), "/etc/pg/conf.d/x.conf");
        assert_eq!(join("/etc/pg", "../x.conf"), "/etc/x.conf");
        assert_eq!(join("/etc/pg", "/opt/./y.conf"), "/opt/y.conf");
        assert_eq!(join("/", "../../z"), "/z");
        // The clean paths skip the rebuilding; the others do not.
        assert_eq!(join("/etc/pg/", "x.conf"), "/etc/pg/x.conf");
        assert_eq!(join("/etc", "conf.d/"), "/etc/conf.d");
        assert_eq!(join("/etc", "."), "/etc");
        assert_eq!(join("/etc", ".."), "/");
        assert_eq!(join("/etc", "..x/.y"), "/etc/..x/.y");
        assert_eq!(join("etc", "x"), "/etc/x");
        assert_eq!(join("/", ""), "/");
        assert_eq!(parent("/postgresql.conf"), "/");
    }
}

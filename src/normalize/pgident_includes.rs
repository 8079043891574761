//! pg_ident.conf's `include`, `include_if_exists` and `include_dir` (PostgreSQL 16), followed
//! across the files of one host as `tokenize_auth_file` in src/backend/libpq/hba.c reads them
//! (the same reading as pg_hba.conf's: relative to the naming file's directory, `include_dir`'s
//! `*.conf` not starting with `.` in byte order of their names, 10 levels of nesting at most, the
//! line that would open the 11th refused). A user map matches when any of its lines does, so
//! what the server reads is each map's lines of all the files together: `omicron.bryanh` is the
//! PostgreSQL users every file gives it, sorted, at the line of the file that first names it.

use super::includes::{ReadThrough, in_dir, join, parent};
use super::pghba::fields;
use crate::tree::{Tree, Value};
use std::collections::{BTreeSet, HashMap};

/// PostgreSQL's `CONF_FILE_MAX_DEPTH`.
const MAX_DEPTH: usize = 10;

/// Files read for one main file at most.
const MAX_READS: usize = 256;

/// The include lines of a pg_ident.conf tree, absolute: (directive, path, line), in line order.
pub fn directives(path: &str, tree: &Tree) -> Vec<(&'static str, String, u32)> {
    let dir = parent(path);
    let mut out: Vec<(&'static str, String, u32)> = tree
        .iter()
        .filter_map(|(key, e)| {
            let (d, target) = directive(key)?;
            Some((d, join(dir, &target), e.line))
        })
        .collect();
    out.sort_by_key(|(_, _, line)| *line);
    out
}

/// The directive and the file of an include line's key (`"include pg_ident.d/a.conf"`).
fn directive(key: &str) -> Option<(&'static str, String)> {
    let seg = key.strip_prefix('"')?.strip_suffix('"')?;
    let seg = seg.replace("\\\"", "\"").replace("\\\\", "\\");
    ["include_if_exists", "include_dir", "include"]
        .into_iter()
        .find_map(|d| Some((d, seg.strip_prefix(d)?.strip_prefix(' ')?.to_string())))
}

/// Whether `key` is an include line's.
pub fn is_directive(key: &str) -> bool {
    directive(key).is_some()
}

pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| is_directive(k))
}

/// The maps the server reads when it reads `root` (whose tree is `tree`) as its pg_ident.conf.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let mut walk = Walk {
        lookup,
        paths,
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        refused: Vec::new(),
        maps: Vec::new(),
    };
    file(root, tree, 0, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: walk.read,
        own: HashMap::new(),
        refused: walk.refused,
    };
    for (key, users, file, line) in walk.maps {
        out.tree
            .insert(key.clone(), Value::Str(users.join(" ")), line);
        out.from.insert(key, file);
    }
    out
}

struct Walk<'a, 't> {
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
    reads: usize,
    read: BTreeSet<String>,
    refused: Vec<(String, u32, String)>,
    /// Each map key: its users (sorted), the file and line that first named it.
    maps: Vec<(String, Vec<String>, String, u32)>,
}

fn file<'t>(path: &str, tree: &'t Tree, depth: usize, walk: &mut Walk<'_, 't>) {
    let dir = parent(path);
    let mut lines: Vec<(&str, &crate::tree::Entry)> = tree.iter().collect();
    lines.sort_by_key(|(_, e)| e.line);
    for (key, e) in lines {
        let Some((d, target)) = directive(key) else {
            let users: Vec<String> = fields(&e.value.to_string())
                .iter()
                .flatten()
                .map(|t| super::pgnames::written(&t.text, t.quoted))
                .collect();
            match walk.maps.iter_mut().find(|(k, _, _, _)| k == key) {
                Some((_, have, _, _)) => {
                    for u in users {
                        if !have.contains(&u) {
                            have.push(u);
                        }
                    }
                    have.sort();
                }
                None => walk
                    .maps
                    .push((key.to_string(), users, path.to_string(), e.line)),
            }
            continue;
        };
        let target = join(dir, &target);
        let files = if d == "include_dir" {
            in_dir(&target, walk.paths)
        } else {
            vec![target]
        };
        for f in files {
            if depth + 1 > MAX_DEPTH {
                let r = (
                    path.to_string(),
                    e.line,
                    format!("could not open file \"{f}\": maximum nesting depth exceeded"),
                );
                if !walk.refused.contains(&r) {
                    walk.refused.push(r);
                }
                continue;
            }
            if walk.reads >= MAX_READS {
                continue;
            }
            let Some(sub) = (walk.lookup)(&f) else {
                continue;
            };
            walk.reads += 1;
            walk.read.insert(f.clone());
            file(&f, sub, depth + 1, walk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(text: &str) -> Tree {
        super::super::pgident::parse(text).unwrap()
    }

    #[test]
    fn maps_of_included_files_join_the_main_files() {
        let root = ident("omicron bryanh bryanh\ninclude_dir pg_ident.d\n");
        let a = ident("omicron bryanh admin\nops deploy postgres\n");
        let files: HashMap<&str, &Tree> = HashMap::from([("/etc/pg/pg_ident.d/a.conf", &a)]);
        let paths: Vec<&str> = files.keys().copied().collect();
        let r = read_through(
            "/etc/pg/pg_ident.conf",
            &root,
            &|p| files.get(p).copied(),
            &paths,
        );
        let got: Vec<(String, String)> = r
            .tree
            .iter()
            .map(|(k, e)| (k.to_string(), e.value.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("omicron.bryanh".to_string(), "admin bryanh".to_string()),
                ("ops.deploy".to_string(), "postgres".to_string()),
            ]
        );
        assert_eq!(r.from["ops.deploy"], "/etc/pg/pg_ident.d/a.conf");
        let looped = ident("include pg_ident.conf\n");
        let r = read_through("/etc/pg/pg_ident.conf", &looped, &|_| Some(&looped), &[]);
        assert_eq!(r.refused.len(), 1);
    }
}

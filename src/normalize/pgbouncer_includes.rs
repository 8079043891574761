//! pgbouncer.ini's `%include`, followed across the collected files of one host as PgBouncer
//! 1.18 reads it (libusual `usual/cfparser.c`, `parse_ini_file_internal` and `load_handler`):
//!
//! - `%include FILE` reads the file then and there, as if its text stood in place of the line:
//!   the section the include stands in goes on in the included file (its keys before any
//!   header are in it), and the section the included file ends in goes on in the including file
//!   after the line (an include does not restore its includer's section);
//! - every `[pgbouncer]` header, in any file, sets each key with a default back to it
//!   (`fill_defaults`), so a file included after the main file's settings that opens with
//!   `[pgbouncer]` sets them back (not `auth_file`, `user`, ... which have none);
//! - the path is opened as written (`load_file`): a relative one is relative to pgbouncer's
//!   working directory, which no file says, so only absolute paths are followed; no globs; a
//!   missing file stops pgbouncer;
//! - includes nest 10 levels (`MAX_INCLUDE`): an `%include` in a file 10 levels down stops
//!   pgbouncer, and so does a file including itself; here such a file is not read, and at most
//!   [`MAX_READS`] files are read for one.
//!
//! The directives (`%include`, the headers' `%section` records) are replaced by what they do.

use super::includes::ReadThrough;
use super::pgbouncer::{kept_by_header, typed};
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeSet, HashMap};

/// libusual's nesting limit (MAX_INCLUDE).
const MAX_DEPTH: usize = 10;

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// Whether a key is a directive: `%include[0]`, or a header's `%section[0]`.
pub fn is_directive(key: &str) -> bool {
    key.split_once('[')
        .is_some_and(|(name, _)| name == "%include" || name == "%section")
}

/// Whether pgbouncer reads another file when it reads this tree: it has an `%include`.
pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| k.starts_with("%include["))
}

/// One line of a file, in the order pgbouncer meets them.
enum Line<'t> {
    Header(&'t str),
    Include(&'t str),
    /// A key (as the file keys it) and its entry.
    Key(&'t str, &'t Entry),
}

struct Walk<'a, 't> {
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    stack: Vec<String>,
    reads: usize,
    read: BTreeSet<String>,
    section: Option<&'t str>,
    out: ReadThrough,
}

/// What PgBouncer runs with when it reads `root` (whose tree is `tree`) with every collected
/// pgbouncer-format file its `%include`s name (`lookup` gives another one's tree on the same
/// side). A key no section takes (before any header, in the file read first) stays as written.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    _paths: &[&str],
) -> ReadThrough {
    let mut walk = Walk {
        lookup,
        stack: vec![root.to_string()],
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        section: None,
        out: ReadThrough {
            tree: Tree::new(),
            from: HashMap::new(),
            read: BTreeSet::new(),
            own: HashMap::new(),
            refused: Vec::new(),
        },
    };
    file(root, tree, &mut walk);
    let mut out = walk.out;
    out.read = walk.read;
    out
}

/// Reads one file's lines into `walk.out`, its includes where they stand.
fn file<'t>(path: &str, tree: &'t Tree, walk: &mut Walk<'_, 't>) {
    let mut lines: Vec<(u32, u8, usize, Line<'t>)> = Vec::with_capacity(tree.len());
    for (key, e) in tree.iter() {
        let index = || {
            key.split_once('[')
                .and_then(|(_, i)| i.trim_end_matches(']').parse().ok())
                .unwrap_or(0)
        };
        // On one line a header comes first (`[databases] %include x`).
        let line = match (key.split_once('['), &e.value) {
            (Some(("%section", _)), Value::Str(name)) => (0, index(), Line::Header(name)),
            (Some(("%include", _)), Value::Str(target)) => (1, index(), Line::Include(target)),
            _ => (2, 0, Line::Key(key, e)),
        };
        lines.push((e.line, line.0, line.1, line.2));
    }
    lines.sort_by_key(|(line, rank, index, _)| (*line, *rank, *index));
    for (line_of_include, _, _, line) in lines {
        match line {
            Line::Header(name) => {
                walk.section = Some(name);
                if name == "pgbouncer" {
                    let out = &mut walk.out;
                    out.tree = std::mem::take(&mut out.tree)
                        .iter()
                        .filter(|(k, _)| kept_by_header(k))
                        .map(|(k, e)| (k.to_string(), e.clone()))
                        .fold(Tree::new(), |mut t, (k, e)| {
                            t.insert(k, e.value, e.line);
                            t
                        });
                    out.from.retain(|k, _| kept_by_header(k));
                    out.own.retain(|k, _| kept_by_header(k));
                }
            }
            Line::Include(target) => {
                if target.starts_with('/')
                    && (walk.stack.len() > MAX_DEPTH || walk.stack.iter().any(|p| p == target))
                {
                    walk.out.refused.push((
                        path.to_string(),
                        line_of_include,
                        format!(
                            "includes {target} {}: PgBouncer stops (\"nesting level too deep\", more than {MAX_DEPTH} levels)",
                            if walk.stack.iter().any(|p| p == target) {
                                "which is being read already"
                            } else {
                                "past the nesting limit"
                            }
                        ),
                    ));
                    continue;
                }
                if !target.starts_with('/') || walk.reads >= MAX_READS {
                    continue;
                }
                let Some(sub) = (walk.lookup)(target) else {
                    continue;
                };
                walk.reads += 1;
                walk.read.insert(target.to_string());
                walk.stack.push(target.to_string());
                file(target, sub, walk);
                walk.stack.pop();
            }
            Line::Key(key, e) => {
                // The section the file itself puts the key in (none before its first header),
                // and the key's own name.
                let (own, name) = match key.split_once('.') {
                    Some((section, name)) if !key.starts_with('"') => (Some(section), name),
                    _ => (None, key),
                };
                let (effective, entry) = match walk.section {
                    // In the section the lines read so far left, which an include may change.
                    Some(section) if own != Some(section) => {
                        let value = typed(section, name.trim_matches('"'), &e.value.to_string());
                        let line = e.line;
                        (format!("{section}.{name}"), Entry { value, line })
                    }
                    _ => (key.to_string(), e.clone()),
                };
                if effective != key {
                    walk.out.own.insert(effective.clone(), key.to_string());
                } else {
                    walk.out.own.remove(&effective);
                }
                walk.out.from.insert(effective.clone(), path.to_string());
                walk.out.tree.insert(effective, entry.value, entry.line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), super::super::pgbouncer::parse(t).unwrap()))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths)
    }

    fn get(r: &ReadThrough, key: &str) -> Option<(String, u32, String)> {
        let e = r.tree.get(key)?;
        Some((e.value.to_string(), e.line, r.from[key].clone()))
    }

    fn v(value: &str, line: u32, file: &str) -> Option<(String, u32, String)> {
        Some((value.to_string(), line, file.to_string()))
    }

    const MAIN: &str = "/etc/pgbouncer/pgbouncer.ini";

    #[test]
    fn an_included_file_goes_on_in_the_section_the_include_stands_in_and_leaves_its_own() {
        let r = through(&[
            (
                MAIN,
                "[databases]\n%include /etc/pgbouncer/db.ini\n[pgbouncer]\nauth_file = a\nlisten_port = 1\n%include /etc/pgbouncer/users.ini\nmax_client_conn = 7\n",
            ),
            (
                "/etc/pgbouncer/db.ini",
                "app = port=05432 host=db\n\n[pgbouncer]\npool_mode = Transaction\n",
            ),
            (
                "/etc/pgbouncer/users.ini",
                "[users]\nbob = pool_mode=session\n",
            ),
        ]);
        assert_eq!(
            get(&r, "databases.app"),
            v("host=db", 1, "/etc/pgbouncer/db.ini")
        );
        assert_eq!(r.own["databases.app"], "app");
        // The main file's own [pgbouncer] header sets pool_mode back.
        assert_eq!(get(&r, "pgbouncer.pool_mode"), None);
        assert_eq!(get(&r, "pgbouncer.listen_port"), v("1", 5, MAIN));
        // users.ini leaves the main file in [users].
        assert_eq!(get(&r, "users.max_client_conn"), v("7", 7, MAIN));
        assert_eq!(
            get(&r, "users.bob"),
            v("pool_mode=session", 2, "/etc/pgbouncer/users.ini")
        );
        assert_eq!(r.read.len(), 3);
    }

    #[test]
    fn a_pgbouncer_header_in_an_included_file_sets_the_keys_before_it_back() {
        let r = through(&[
            (
                MAIN,
                "[pgbouncer]\nauth_file = a\nlisten_port = 1\nmax_client_conn = 5\n%include /etc/pgbouncer/local.ini\nmax_client_conn = 9\n",
            ),
            (
                "/etc/pgbouncer/local.ini",
                "[pgbouncer]\npool_mode = session\n",
            ),
        ]);
        assert_eq!(get(&r, "pgbouncer.auth_file"), v("a", 2, MAIN));
        assert_eq!(get(&r, "pgbouncer.listen_port"), None);
        assert_eq!(get(&r, "pgbouncer.max_client_conn"), v("9", 6, MAIN));
        assert_eq!(
            get(&r, "pgbouncer.pool_mode"),
            v("session", 2, "/etc/pgbouncer/local.ini")
        );
    }

    #[test]
    fn cycles_depth_and_relative_paths_stop() {
        let r = through(&[
            (
                MAIN,
                "[pgbouncer]\n%include /etc/pgbouncer/pgbouncer.ini\n%include x.ini\nlisten_port = 2\n",
            ),
            ("/x.ini", "listen_port = 3\n"),
        ]);
        assert_eq!(get(&r, "pgbouncer.listen_port"), v("2", 4, MAIN));
        let mut files: Vec<(String, String)> = (0..13)
            .map(|i| {
                (
                    format!("/c/{i}.ini"),
                    format!("k{i} = 1\n%include /c/{}.ini\n", i + 1),
                )
            })
            .collect();
        files[0].1 = format!("[pgbouncer]\n{}", files[0].1);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let r = through(&refs);
        assert!(r.tree.get("pgbouncer.k10").is_some());
        assert!(r.tree.get("pgbouncer.k11").is_none());
        // Keys no section takes stay as written.
        let r = through(&[(MAIN, "x = 1\n")]);
        assert_eq!(get(&r, "x"), v("1", 1, MAIN));
    }
}

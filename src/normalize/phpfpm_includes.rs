//! php-fpm.conf's `include`, followed across the collected files of one host as php-fpm 8.2
//! reads it (php-src sapi/fpm/fpm/fpm_conf.c, `fpm_conf_load_ini_file` and
//! `fpm_conf_ini_parser_include`):
//!
//! - each line is read on its own, and an `include = GLOB` line reads the glob's files then
//!   and there, before the next line: `glob(3)` with `GLOB_ERR | GLOB_MARK`, its matches in
//!   byte order of their paths (the C locale's collation), a wildcard never matching a leading
//!   `.`, directories skipped; a path without a wildcard is a glob of itself. A glob matching
//!   nothing is a warning ("Nothing matches the include pattern"), not an error;
//! - the path goes through `fpm_evaluate_full_path`: a relative one is relative to php-fpm's
//!   prefix (`-p`, else the compiled-in one), which no file says, so only absolute paths are
//!   followed (as collection does);
//! - the section goes on: an included file's keys before its first header are in the section
//!   the include stands in (`[global]` at the start of the file php-fpm reads first), and the
//!   includer goes on after the line in the section the included files left (`current_wp` is
//!   not restored);
//! - options: the last value read wins; array entries (`php_value[x]`, `php_admin_value[x]`,
//!   `env[X]`) keep every line read, in order (`www.php_value.x[0]`, `[1]`), as FPM applies
//!   them all;
//! - nesting: php-fpm opens at most 5 files in one chain (`ini_recursion++ > 4`: "failed to
//!   include more than 5 files recursively") and refuses to start past it; a file including
//!   itself recurses into that limit. Here such an include is refused, and at most
//!   [`MAX_READS`] files are read for one.
//!
//! The directives (`%include`, the headers' `%section` records) are replaced by what they do.

use super::includes::ReadThrough;
use super::phpfpm::in_section;
use crate::tree::{Entry, Tree, Value, push_index, push_key};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Files php-fpm opens in one chain at most (`ini_recursion`).
const MAX_DEPTH: usize = 5;

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// The arrays whose every line php-fpm keeps (flags are stored as values).
const ARRAYS: &[&str] = &["php_value", "php_admin_value", "env"];

/// Whether a key is a directive: `%include[0]`, or a header's `%section[0]`.
pub fn is_directive(key: &str) -> bool {
    key.split_once('[')
        .is_some_and(|(name, _)| name == "%include" || name == "%section")
}

/// Whether php-fpm reads another file when it reads this tree: it has an `include`.
pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| k.starts_with("%include["))
}

/// One line of a file, in the order php-fpm meets them.
enum Line<'t> {
    Header(&'t str),
    Include(&'t str),
    /// A key (as the file keys it) and its entry.
    Key(&'t str, &'t Entry),
}

/// One setting read: its key in what php-fpm runs with, the entry, the file, its key there.
struct Read {
    entry: Entry,
    file: String,
    own: String,
}

struct Walk<'a, 't> {
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
    stack: Vec<String>,
    reads: usize,
    read: BTreeSet<String>,
    /// The section php-fpm sets options in now (its key segment).
    section: String,
    /// Options, the last read winning; arrays, every line.
    options: BTreeMap<String, Read>,
    arrays: BTreeMap<String, Vec<Read>>,
    refused: Vec<(String, u32, String)>,
}

/// What php-fpm runs with when it reads `root` (whose tree is `tree`) with every collected
/// php-fpm file its includes name: `lookup` gives another collected file's tree on the same
/// side, `paths` lists them all (for the globs).
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let mut walk = Walk {
        lookup,
        paths,
        stack: vec![root.to_string()],
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        section: "global".to_string(),
        options: BTreeMap::new(),
        arrays: BTreeMap::new(),
        refused: Vec::new(),
    };
    file(root, tree, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: walk.read,
        own: HashMap::new(),
        refused: walk.refused,
    };
    let mut put = |key: String, r: Read| {
        if r.own != key {
            out.own.insert(key.clone(), r.own);
        }
        out.from.insert(key.clone(), r.file);
        out.tree.insert(key, r.entry.value, r.entry.line);
    };
    for (key, r) in walk.options {
        put(key, r);
    }
    for (key, reads) in walk.arrays {
        let many = reads.len() > 1;
        for (i, r) in reads.into_iter().enumerate() {
            let mut k = key.clone();
            if many {
                push_index(&mut k, i);
            }
            put(k, r);
        }
    }
    out
}

/// The key segment a section header's record names (`%section[0] = www`), quoted as keys are.
fn segment(name: &str) -> String {
    let mut s = String::new();
    push_key(&mut s, name);
    s
}

/// Reads one file's lines into `walk`, its includes where they stand.
fn file<'t>(path: &str, tree: &'t Tree, walk: &mut Walk<'_, 't>) {
    let mut lines: Vec<(u32, Line<'t>)> = Vec::with_capacity(tree.len());
    for (key, e) in tree.iter() {
        let line = match (key.split_once('['), &e.value) {
            (Some(("%section", _)), Value::Str(name)) => Line::Header(name),
            (Some(("%include", _)), Value::Str(target)) => Line::Include(target),
            _ => Line::Key(key, e),
        };
        lines.push((e.line, line));
    }
    lines.sort_by_key(|(line, _)| *line);
    // The section this file's own header put its keys in (none before its first).
    let mut own: Option<String> = None;
    for (at, line) in lines {
        match line {
            Line::Header(name) => {
                own = Some(segment(name));
                walk.section = name.to_string();
            }
            Line::Include(target) => include(path, at, target, walk),
            Line::Key(key, e) => {
                let (rest, entry) = match &own {
                    Some(s) => match key
                        .strip_prefix(s.as_str())
                        .and_then(|r| r.strip_prefix('.'))
                    {
                        Some(rest) => (rest, e.clone()),
                        None => continue,
                    },
                    // Before the file's first header: in the section the include stands in.
                    None => {
                        let value = if is_array(key) {
                            e.value.clone()
                        } else {
                            in_section(&walk.section, key, &e.value)
                        };
                        (
                            key,
                            Entry {
                                value,
                                line: e.line,
                            },
                        )
                    }
                };
                let mut effective = segment(&walk.section);
                effective.push('.');
                // An array line given twice in its file is `x[0]`, `x[1]`: one list here.
                let (base, _) = split_index(rest);
                let read = Read {
                    entry,
                    file: path.to_string(),
                    own: key.to_string(),
                };
                if is_array(rest) {
                    effective.push_str(base);
                    walk.arrays.entry(effective).or_default().push(read);
                } else {
                    effective.push_str(rest);
                    walk.options.insert(effective, read);
                }
            }
        }
    }
}

/// The key without a last `[n]`, and the index.
fn split_index(key: &str) -> (&str, Option<&str>) {
    match key.strip_suffix(']').and_then(|k| k.rsplit_once('[')) {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (base, Some(n))
        }
        _ => (key, None),
    }
}

/// Whether a key (within its section) is an array line: `php_value.x`, `env.X`.
fn is_array(key: &str) -> bool {
    key.split_once('.')
        .is_some_and(|(first, _)| ARRAYS.contains(&first))
}

/// Reads the files an include line of `path` (at line `at`) names, as php-fpm does.
fn include(path: &str, at: u32, target: &str, walk: &mut Walk<'_, '_>) {
    for f in named(target, walk.paths) {
        // A path not on the host matches nothing: a warning, no file opened.
        let Some(sub) = (walk.lookup)(&f) else {
            continue;
        };
        let again = walk.stack.contains(&f);
        if again || walk.stack.len() >= MAX_DEPTH {
            walk.refused.push((
                path.to_string(),
                at,
                format!(
                    "includes {f}{}: php-fpm refuses to start (\"failed to include more than {MAX_DEPTH} files recursively\")",
                    if again {
                        ", which is being read already"
                    } else {
                        ", past the nesting limit"
                    }
                ),
            ));
            return;
        }
        if walk.reads >= MAX_READS {
            return;
        }
        walk.reads += 1;
        walk.read.insert(f.clone());
        walk.stack.push(f.clone());
        file(&f, sub, walk);
        walk.stack.pop();
    }
}

/// The files an include's path names, in the order php-fpm reads them: a glob's matches among
/// `paths` (byte order; a wildcard never matches a leading `.`), else the path itself; nothing
/// for a relative path.
fn named(target: &str, paths: &[&str]) -> Vec<String> {
    if !target.starts_with('/') {
        return Vec::new();
    }
    if !target.contains(['*', '?', '[']) {
        return vec![target.to_string()];
    }
    let mut m: Vec<String> = paths
        .iter()
        .filter(|p| super::glob3::matches(target, p))
        .map(|p| p.to_string())
        .collect();
    m.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    m.dedup();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), super::super::phpfpm::parse(t).unwrap()))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths)
    }

    fn get(r: &ReadThrough, key: &str) -> Option<(String, u32, String)> {
        let e = r.tree.get(key)?;
        Some((e.value.to_string(), e.line, r.from[key].clone()))
    }

    #[test]
    fn pools_from_the_glob_in_byte_order_sections_going_on() {
        let r = through(&[
            (
                "/etc/php/fpm/php-fpm.conf",
                "[global]\npid = /run/x.pid\ninclude = /etc/php/fpm/pool.d/*.conf\npm.max_children = 9\n",
            ),
            (
                "/etc/php/fpm/pool.d/b.conf",
                "[www]\npm.max_children = 7\nphp_value[x] = 2\n",
            ),
            (
                "/etc/php/fpm/pool.d/B.conf",
                "log_level = warn\n[www]\npm = static\npm.max_children = 5\nphp_value[x] = 1\n",
            ),
            ("/etc/php/fpm/pool.d/.hidden.conf", "[www]\npm = ondemand\n"),
        ]);
        assert_eq!(
            get(&r, "global.pid"),
            Some(("/run/x.pid".into(), 2, "/etc/php/fpm/php-fpm.conf".into()))
        );
        // B.conf before b.conf; its first line in [global], where the include stands.
        assert_eq!(
            get(&r, "global.log_level"),
            Some(("warning".into(), 1, "/etc/php/fpm/pool.d/B.conf".into()))
        );
        assert_eq!(r.own["global.log_level"], "log_level");
        assert_eq!(get(&r, "www.pm").unwrap().0, "static");
        // After the include, php-fpm.conf's line is in the pool b.conf left open.
        assert_eq!(
            get(&r, "www.pm.max_children"),
            Some(("9".into(), 4, "/etc/php/fpm/php-fpm.conf".into()))
        );
        assert_eq!(get(&r, "www.php_value.x[0]").unwrap().0, "1");
        assert_eq!(get(&r, "www.php_value.x[1]").unwrap().0, "2");
        assert!(!r.read.contains("/etc/php/fpm/pool.d/.hidden.conf"));
        assert_eq!(r.read.len(), 3);
        assert!(r.refused.is_empty());
    }

    #[test]
    fn five_files_in_a_chain_at_most_and_no_circle() {
        let chain: Vec<(String, String)> = (0..6)
            .map(|i| {
                (
                    format!("/etc/php/{i}.conf"),
                    format!(
                        "[global]\nlog_limit = {i}\ninclude = /etc/php/{}.conf\n",
                        i + 1
                    ),
                )
            })
            .collect();
        let files: Vec<(&str, &str)> = chain
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let r = through(&files[..5]);
        assert!(r.refused.is_empty(), "{:?}", r.refused);
        assert_eq!(get(&r, "global.log_limit").unwrap().0, "4");
        let r = through(&files);
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].0, "/etc/php/4.conf");
        let r = through(&[("/etc/php/a.conf", "include = /etc/php/a.conf\n")]);
        assert_eq!(r.refused.len(), 1);
        assert!(r.refused[0].2.contains("being read already"));
    }
}

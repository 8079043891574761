//! redis.conf's `include`, followed across the collected files of one host as Redis 7.0 reads
//! it (`src/config.c`, `loadServerConfig` and `loadServerConfigFromString`, 7.0.15):
//!
//! - an `include` is read where it stands: the server reads the named file's text then and
//!   there, before the next line of the including file, so a setting before the `include` is
//!   overridden by the included file and one after it wins (the last line read wins);
//! - the path is opened as written: a relative one is relative to the server's working
//!   directory, which no file says, so only absolute paths are followed (as collection does);
//! - a path with `*`, `?` or `[` is a glob (`glob(3)` without flags): its matches are read
//!   one after the other, in byte order of their paths (`glob` sorts them; Redis sets
//!   `LC_COLLATE` from the environment, the C locale's order is byte order), as one text; a
//!   glob matching nothing reads nothing and is no error;
//! - `save` accumulates: the first `save` line of the configuration drops the compiled-in
//!   points, each line adds its points, `save ""` drops them all. But each text the server
//!   reads (the main file, an included file, a glob's files) clears, when it ends, the flag
//!   that says a file is being read (`reading_config_file`), so a `save` line after an
//!   `include` replaces the points instead of adding to them, as `CONFIG SET save` does. The
//!   effective `save` is one key, the points as `CONFIG GET save` prints them (`3600 1 300
//!   100`), from the file and line of the last `save` line read;
//! - the other lists (`loadmodule`, `user`, `sentinel`) gather in the order read, renumbered;
//!   keyed lines (`client-output-buffer-limit` per class, `rename-command` per command) and
//!   every other setting: the last line read wins;
//! - Redis does not limit nesting (a file that includes itself recurses until the server
//!   dies); here a file is not read again in its own chain, and at most [`MAX_READS`] files
//!   are read for one.
//!
//! The include directives themselves are replaced by what they read.

use super::includes::ReadThrough;
use crate::tree::{Entry, Tree, Value, push_index};
use std::collections::{BTreeSet, HashMap};

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// The keywords whose every line adds to a list (the redis reader's lists, `include` and
/// `save` aside).
const LISTS: &[&str] = &["loadmodule", "user", "sentinel"];

/// Whether a key is an `include` directive (`include[0]`).
pub fn is_directive(key: &str) -> bool {
    key.split_once('[')
        .is_some_and(|(name, _)| name == "include")
}

/// Whether the server reads another file when it reads this tree: it has an `include`.
pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| is_directive(k))
}

/// One thing the server meets, in order.
enum Step<'t> {
    /// A line: its key in its file, the entry, the file.
    Line(&'t str, &'t Entry, String),
    /// The end of one text the server read (`reading_config_file = 0`).
    End,
}

struct Walk<'a, 't> {
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
    stack: Vec<String>,
    reads: usize,
    read: BTreeSet<String>,
    steps: Vec<Step<'t>>,
    refused: Vec<(String, u32, String)>,
}

/// What Redis runs with when it reads `root` (whose tree is `tree`) with every collected
/// redis-format file its includes name: `lookup` gives another collected file's tree on the
/// same side, `paths` lists them all (for the globs).
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
        steps: Vec::new(),
        refused: Vec::new(),
    };
    text(root, tree, &mut walk);
    walk.steps.push(Step::End);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: std::mem::take(&mut walk.read),
        own: HashMap::new(),
        refused: std::mem::take(&mut walk.refused),
    };
    let mut counters: HashMap<&str, usize> = HashMap::new();
    let mut save = Save {
        reading: true,
        loaded: false,
        points: None,
    };
    for step in walk.steps {
        let (key, entry, file) = match step {
            Step::End => {
                save.reading = false;
                continue;
            }
            Step::Line(key, entry, file) => (key, entry, file),
        };
        let bare = key.split_once('[').map_or(key, |(name, _)| name);
        let effective = if bare == "save" {
            save.line(&entry.value.to_string());
            let value = Value::text(save.points.clone().unwrap_or_default());
            out.tree.insert("save", value, entry.line);
            "save".to_string()
        } else if LISTS.contains(&bare) && key != bare {
            let n = counters.entry(bare).or_insert(0);
            let mut k = bare.to_string();
            push_index(&mut k, *n);
            *n += 1;
            out.tree.insert(k.clone(), entry.value.clone(), entry.line);
            k
        } else {
            out.tree.insert(key, entry.value.clone(), entry.line);
            key.to_string()
        };
        if effective != key {
            out.own.insert(effective.clone(), key.to_string());
        }
        out.from.insert(effective, file);
    }
    out
}

/// The lines of one file in the order the server reads them, each include replaced by the
/// texts it names.
fn text<'t>(path: &str, tree: &'t Tree, walk: &mut Walk<'_, 't>) {
    let mut lines: Vec<(&'t str, &'t Entry)> = tree.iter().collect();
    // Keys of one line (two client classes) keep their order.
    lines.sort_by_key(|(_, e)| e.line);
    for (key, entry) in lines {
        if !is_directive(key) {
            walk.steps.push(Step::Line(key, entry, path.to_string()));
            continue;
        }
        let Value::Str(target) = &entry.value else {
            continue;
        };
        for file in named(target, walk.paths) {
            if walk.stack.contains(&file) {
                walk.refused.push((
                    path.to_string(),
                    entry.line,
                    format!(
                        "includes {file}, which is being read already: Redis reads the circle until it crashes (it does not start)"
                    ),
                ));
                continue;
            }
            if walk.reads >= MAX_READS {
                continue;
            }
            let Some(sub) = (walk.lookup)(&file) else {
                continue;
            };
            walk.reads += 1;
            walk.read.insert(file.clone());
            walk.stack.push(file.clone());
            text(&file, sub, walk);
            walk.stack.pop();
        }
        // One text per include, even a glob of several files or of none.
        walk.steps.push(Step::End);
    }
}

/// The files an include's path names, in the order the server reads them: a glob's matches
/// among `paths`, else the path itself; nothing for a relative path.
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

/// The `save` points as the server keeps them while it reads (`setConfigSaveOption`).
struct Save {
    /// `reading_config_file`: cleared when any text read ends.
    reading: bool,
    /// The first `save` line read in a file dropped the compiled-in points.
    loaded: bool,
    /// None: no `save` line yet (the compiled-in points).
    points: Option<String>,
}

impl Save {
    fn line(&mut self, words: &str) {
        let mut points: Vec<String> = match &self.points {
            Some(p) if !p.is_empty() => p.split(' ').map(str::to_string).collect(),
            _ => Vec::new(),
        };
        // `save ""` drops every point (the reader keeps it as an empty value); outside a
        // file's reading every line replaces them; in it, the first line read does.
        let mut reset = words.is_empty();
        if !self.reading {
            reset = true;
        } else if !self.loaded {
            self.loaded = true;
            reset = true;
        }
        if reset {
            points.clear();
        }
        // As strtoll reads each number (`0100` is 100); anything else the server refuses.
        points.extend(words.split_whitespace().map(|w| match w.parse::<i64>() {
            Ok(n) => n.to_string(),
            Err(_) => w.to_string(),
        }));
        self.points = Some(points.join(" "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redis(text: &str) -> Tree {
        super::super::keyvalue::parse_redis(text).unwrap()
    }

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), redis(t)))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths)
    }

    fn get(r: &ReadThrough, key: &str) -> (String, u32, String) {
        let e = r.tree.get(key).unwrap_or_else(|| panic!("no {key}"));
        (e.value.to_string(), e.line, r.from[key].clone())
    }

    fn v(value: &str, line: u32, file: &str) -> (String, u32, String) {
        (value.to_string(), line, file.to_string())
    }

    #[test]
    fn an_include_stands_where_it_is_and_globs_read_in_byte_order() {
        let r = through(&[
            (
                "/etc/redis/redis.conf",
                "maxmemory 1gb\ninclude /etc/redis/conf.d/*.conf\nport 6380\ninclude rel.conf\n",
            ),
            (
                "/etc/redis/conf.d/b.conf",
                "maxmemory 3gb\nloglevel debug\n",
            ),
            ("/etc/redis/conf.d/a.conf", "maxmemory 2gb\nport 1\n"),
            ("/etc/redis/conf.d/.x.conf", "loglevel warning\n"),
            ("/etc/redis/rel.conf", "port 2\n"),
        ]);
        assert_eq!(
            get(&r, "maxmemory"),
            v("3gb", 1, "/etc/redis/conf.d/b.conf")
        );
        assert_eq!(get(&r, "port"), v("6380", 3, "/etc/redis/redis.conf"));
        assert_eq!(
            get(&r, "loglevel"),
            v("debug", 2, "/etc/redis/conf.d/b.conf")
        );
        assert!(r.tree.get("include[0]").is_none());
        assert_eq!(r.read.len(), 3);
    }

    #[test]
    fn save_accumulates_resets_and_is_replaced_after_an_include() {
        // One file: the lines add up; `save ""` starts again.
        let r = through(&[(
            "/r/redis.conf",
            "save 3600 1\nsave 300 0100\nsave \"\"\nsave 60 1\nsave 10 2\ninclude /r/x\n",
        )]);
        assert_eq!(get(&r, "save"), v("60 1 10 2", 5, "/r/redis.conf"));
        // An included file adds to what came before it.
        let r = through(&[
            ("/r/redis.conf", "save 3600 1\ninclude /r/x\n"),
            ("/r/x", "save 300 10\n"),
        ]);
        assert_eq!(get(&r, "save"), v("3600 1 300 10", 1, "/r/x"));
        // After an include ends, each `save` line replaces the points.
        let r = through(&[
            (
                "/r/redis.conf",
                "save 3600 1\ninclude /r/x\nsave 60 1\nsave 10 2\n",
            ),
            ("/r/x", "save 300 10\n"),
        ]);
        assert_eq!(get(&r, "save"), v("10 2", 4, "/r/redis.conf"));
        // Even when the include read nothing.
        let r = through(&[(
            "/r/redis.conf",
            "include /r/none/*.conf\nsave 60 1\nsave 10 2\n",
        )]);
        assert_eq!(get(&r, "save"), v("10 2", 3, "/r/redis.conf"));
        // No line: the compiled-in points (no key).
        assert!(
            through(&[("/r/redis.conf", "port 1\n")])
                .tree
                .get("save")
                .is_none()
        );
    }

    #[test]
    fn lists_gather_keyed_lines_win_by_key_and_cycles_stop() {
        let r = through(&[
            (
                "/r/redis.conf",
                "user a on\nclient-output-buffer-limit replica 1 1 1\ninclude /r/x\nuser c on\n",
            ),
            (
                "/r/x",
                "user b on\nclient-output-buffer-limit slave 2 2 2\ninclude /r/redis.conf\n",
            ),
        ]);
        assert_eq!(get(&r, "user[1]"), v("b on", 1, "/r/x"));
        assert_eq!(r.own["user[1]"], "user[0]");
        assert_eq!(get(&r, "user[2]"), v("c on", 4, "/r/redis.conf"));
        assert_eq!(
            get(&r, "client-output-buffer-limit.replica"),
            v("2 2 2", 2, "/r/x")
        );
    }
}

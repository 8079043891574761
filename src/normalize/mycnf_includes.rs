//! MariaDB option files read through `!include` and `!includedir`, across the collected files
//! of one host, as the server reads them (MariaDB 10.11 `mysys/my_default.c`,
//! `search_default_file_with_ext`; each point checked with `my_print_defaults` and mariadbd):
//!
//! - a directive is read where it stands: the lines of the file it names come there, so an
//!   option in the including file after it wins over the included one (the last assignment
//!   wins), and one before it loses; the including file's group goes on after it;
//! - `!include FILE` reads one file (none, silently, when it is missing); `!includedir DIR`
//!   reads the files directly in DIR whose names end in `.cnf` (case counts; dot files too:
//!   `.x.cnf`, `.cnf`), in byte order of their names (`my_dir` with `MY_WANT_SORT`); on Windows
//!   `.ini` too, not followed here. Only absolute paths are followed (the server resolves a
//!   relative one against its working directory, which no file says);
//! - includes nest 10 levels (a directive in a file read at level 10 is skipped); a file is
//!   read again each time it is named (no cycle check), up to [`MAX_READS`] reads here;
//! - an included file stops at an option before any group ("Found option without preceding
//!   group"): the server says so and reads nothing more of that file, and starts.
//!
//! What the server runs with is keyed by the option it sets (`max_connections`, whatever the
//! group, spelling or prefix: [`super::mycnf_values::read`]), with the value it reads, and
//! `collation_server` given by `character_set_server` where no line sets it. What each client
//! of [`CLIENTS`] runs with is keyed `CLIENT:option` (`mariadb-dump:max_allowed_packet`): the
//! options of the groups it reads (checked with each client's `--print-defaults`), merged in
//! the order they are read, the last winning, names in any case, values as written (no table
//! of the clients' options says more). Everything else (other groups such as `[mysqld_safe]`,
//! list options, `maximum-` lines, a name the server does not take, and every option when no
//! table of the server's version is known) is compared as written, file by file: keyed
//! `FILE#KEY`, so it never counts as moved.

use super::defaults::{self, Table};
use super::includes::{ReadThrough, join, parent};
use super::mycnf_values::{Reading, default_collation, is_server_group, read, split_key};
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeSet, HashMap};

/// The server skips a directive in a file read at this level of includes.
const MAX_LEVEL: usize = 10;

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// The clients of MariaDB 10.11 and the groups each reads besides `[client]`,
/// `[client-server]` and `[client-mariadb]` (`load_default_groups` in `client/*.cc`).
pub const CLIENTS: &[(&str, [&str; 2])] = &[
    ("mariadb", ["mysql", "mariadb-client"]),
    ("mariadb-dump", ["mysqldump", "mariadb-dump"]),
    ("mariadb-admin", ["mysqladmin", "mariadb-admin"]),
    ("mariadb-check", ["mysqlcheck", "mariadb-check"]),
    ("mariadb-import", ["mysqlimport", "mariadb-import"]),
    ("mariadb-show", ["mysqlshow", "mariadb-show"]),
    ("mariadb-binlog", ["mysqlbinlog", "mariadb-binlog"]),
    ("mariadb-slap", ["mysqlslap", "mariadb-slap"]),
    ("mariadb-upgrade", ["mysql_upgrade", "mariadb-upgrade"]),
];

/// The groups every client reads.
const CLIENT_GROUPS: [&str; 3] = ["client", "client-server", "client-mariadb"];

/// The clients that read `group` (as the reader wrote it: lower case).
pub fn clients_of(group: &str) -> impl Iterator<Item = &'static str> + '_ {
    let all = CLIENT_GROUPS.contains(&group);
    CLIENTS
        .iter()
        .filter(move |(_, own)| all || own.contains(&group))
        .map(|(client, _)| *client)
}

/// Whether a mycnf tree holds an `!include` or `!includedir`.
pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| is_directive(k))
}

/// Whether `key` is an include directive (`!include[0]`, `!includedir[1]`).
pub fn is_directive(key: &str) -> bool {
    key.starts_with("!include")
}

/// One assignment as the server meets it.
struct Item {
    key: String,
    own: String,
    value: Value,
    line: u32,
    file: String,
}

struct Walk<'a> {
    table: Option<&'static Table>,
    reads: usize,
    read: BTreeSet<String>,
    items: Vec<Item>,
    paths: &'a [&'a str],
}

/// What mariadbd (of `version`, for its option table) runs with when it reads `root` (whose
/// tree is `tree`) and every collected file its directives name: `lookup` gives another
/// collected mycnf file's tree on the same side, `paths` lists them all (for `!includedir`).
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    version: Option<&str>,
) -> ReadThrough {
    let mut walk = Walk {
        table: version.and_then(defaults::mariadb),
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        items: Vec::new(),
        paths,
    };
    sequence(root, tree, 0, lookup, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: walk.read,
        own: HashMap::new(),
        refused: Vec::new(),
    };
    // The last assignment wins.
    for item in walk.items {
        out.from.insert(item.key.clone(), item.file);
        out.own.insert(item.key.clone(), item.own);
        out.tree.insert(item.key, item.value, item.line);
    }
    // The server's collation is its character set's own, where no line names one.
    if let Some(t) = walk.table
        && out.tree.get("collation_server").is_none()
        && let Some(cs) = out.tree.get("character_set_server")
        && let Some(collation) = default_collation(t, &cs.value.to_string())
    {
        let line = cs.line;
        for map in [&mut out.from, &mut out.own] {
            if let Some(v) = map.get("character_set_server").cloned() {
                map.insert("collation_server".into(), v);
            }
        }
        out.tree
            .insert("collation_server", Value::text(collation), line);
    }
    out
}

/// Appends the assignments of `path` (read at `level`) to `walk.items` in the order the
/// server meets them, each included file's at its directive.
fn sequence<'t>(
    path: &str,
    tree: &'t Tree,
    level: usize,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    walk: &mut Walk,
) {
    let mut lines: Vec<(&str, &Entry)> = tree.iter().collect();
    lines.sort_by_key(|(_, e)| e.line);
    for (key, entry) in lines {
        if is_directive(key) {
            if level >= MAX_LEVEL {
                continue;
            }
            let Value::Str(target) = &entry.value else {
                continue;
            };
            if !target.starts_with('/') {
                continue;
            }
            let target = join(parent(path), target);
            let files = if key.starts_with("!includedir[") {
                in_dir(target.trim_end_matches('/'), walk.paths)
            } else {
                vec![target]
            };
            for file in files {
                if walk.reads >= MAX_READS {
                    return;
                }
                let Some(sub) = lookup(&file) else { continue };
                walk.reads += 1;
                walk.read.insert(file.clone());
                sequence(&file, sub, level + 1, lookup, walk);
            }
            continue;
        }
        // An option before any group: the server reads no more of this file.
        if !key.starts_with('"') && !key.contains('.') {
            return;
        }
        walk.items.extend(items(walk.table, path, key, entry));
    }
}

/// One assignment keyed for comparing: by the option the server sets, by the option of each
/// client that reads its group, or (none of these) as written in its file.
fn items(table: Option<&'static Table>, path: &str, key: &str, entry: &Entry) -> Vec<Item> {
    let item = |key_here: String, value: Value| Item {
        key: key_here,
        own: key.to_string(),
        value,
        line: entry.line,
        file: path.to_string(),
    };
    let mut out = Vec::new();
    if let (Some(t), Some((group, name))) = (table, split_key(key)) {
        if is_server_group(t, &group)
            && let Reading::Sets(option, value) = read(t, name, &entry.value)
        {
            out.push(item(option.to_string(), Value::text(value)));
        }
        let name = name.to_lowercase();
        for client in clients_of(&group) {
            out.push(item(format!("{client}:{name}"), entry.value.clone()));
        }
    }
    if out.is_empty() {
        out.push(item(format!("{path}#{key}"), entry.value.clone()));
    }
    out
}

/// The collected files directly in `dir` whose names end in `.cnf`, in byte order.
fn in_dir(dir: &str, paths: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .filter(|p| {
            p.strip_prefix(dir)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| !name.contains('/') && name.ends_with(".cnf"))
        })
        .map(|p| p.to_string())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Format;

    fn tree(text: &str) -> Tree {
        Format::from_name("mycnf")
            .unwrap()
            .parse(text.as_bytes())
            .unwrap()
            .tree()
            .unwrap()
            .clone()
    }

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), tree(t)))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths, Some("10.11"))
    }

    #[test]
    fn includes_are_read_where_they_stand_in_byte_order() {
        let r = through(&[
            (
                "/etc/mysql/my.cnf",
                "[mysqld]\nmax_connections = 11\n!includedir /etc/mysql/conf.d/\nwait_timeout = 9\n[client]\nport = 1\n",
            ),
            (
                "/etc/mysql/conf.d/b.cnf",
                "[mariadb]\nmax-connections = 22\nwait_timeout = 3\n",
            ),
            (
                "/etc/mysql/conf.d/B.cnf",
                "[server]\nmax_connections = 33\n",
            ),
            (
                "/etc/mysql/conf.d/.h.cnf",
                "[mysqld]\nmax_connections = 44\n",
            ),
            (
                "/etc/mysql/conf.d/x.conf",
                "[mysqld]\nmax_connections = 5\n",
            ),
            (
                "/etc/mysql/conf.d/sub/y.cnf",
                "[mysqld]\nmax_connections = 6\n",
            ),
        ]);
        let get = |k: &str| r.tree.get(k).map(|e| (e.value.to_string(), e.line));
        assert_eq!(get("max_connections"), Some(("22".into(), 2)));
        assert_eq!(r.from["max_connections"], "/etc/mysql/conf.d/b.cnf");
        assert_eq!(r.own["max_connections"], "mariadb.max_connections");
        assert_eq!(get("wait_timeout"), Some(("9".into(), 4)));
        assert_eq!(get("mariadb:port"), Some(("1".into(), 6)));
        assert_eq!(r.own["mariadb-dump:port"], "client.port");
        assert!(r.read.contains("/etc/mysql/conf.d/.h.cnf"));
        assert!(!r.read.contains("/etc/mysql/conf.d/x.conf"));
        assert!(!r.read.contains("/etc/mysql/conf.d/sub/y.cnf"));
    }

    #[test]
    fn an_option_before_any_group_ends_an_included_file() {
        let r = through(&[
            ("/etc/mysql/my.cnf", "[mysqld]\n!include /etc/mysql/a.cnf\n"),
            (
                "/etc/mysql/a.cnf",
                "max_connections = 3\n[mysqld]\nwait_timeout = 5\n",
            ),
        ]);
        assert!(r.tree.get("wait_timeout").is_none());
        assert!(r.read.contains("/etc/mysql/a.cnf"));
    }

    #[test]
    fn a_file_including_itself_stops_at_the_servers_depth() {
        let r = through(&[(
            "/etc/mysql/my.cnf",
            "[mysqld]\nmax_connections = 1\n!include /etc/mysql/my.cnf\n",
        )]);
        assert_eq!(r.tree.get("max_connections").unwrap().line, 2);
    }

    #[test]
    fn the_character_sets_collation_where_none_is_named() {
        let r = through(&[
            ("/etc/mysql/my.cnf", "!include /etc/mysql/a.cnf\n"),
            (
                "/etc/mysql/a.cnf",
                "[mysqld]\ncharacter-set-server = utf8mb4\n",
            ),
        ]);
        assert_eq!(
            r.tree.get("collation_server").unwrap().value.to_string(),
            "utf8mb4_general_ci"
        );
        assert_eq!(r.own["collation_server"], "mysqld.character_set_server");
    }
}

//! MariaDB option files as the server reads them, with the version's table
//! (`--program-version 10.11`, `version = "10.11"`): the options of every group `mariadbd`
//! reads, merged in file order (the last assignment wins, whatever group it is in), each read
//! as the server reads it ([`crate::normalize::mycnf_values`]). A change that leaves what the
//! server runs with as it was (an option moved between the server's groups, another spelling,
//! case or unit, an explicit default) is no drift; a change of what it runs with that no
//! line's change shows (groups swapped, a later group overriding) is added, named after the
//! line that now sets it. `character_set_server` gives `collation_server` its default
//! collation. What the server refuses (an unknown option without `loose-`, a value it cannot
//! read, an option before any group, a character set or collation it does not know, a
//! collation not of the server's character set) is trouble with its line.
//!
//! An explicit default is no drift only in the files mariadbd reads first (`my.cnf`, Debian's
//! `mariadb.cnf`), before any `!include`: a file read later (`conf.d/*.cnf`) may set an
//! earlier file's option back to the default. An `!include` is a place in the file: an option
//! on the other side of it on each side is a change (the included file is read there). Other
//! groups (`[client]`, `[mysqldump]`, ...) are compared as written, and so are list options
//! (`replicate_do_db`), `key_cache.option` and `maximum-` lines.

use crate::diff::Change;
use crate::normalize::defaults::{self, Table};
use crate::normalize::mycnf_values::{
    Reading, default_collation, is_server_group, option_name, read, split_key, utf8mb3,
};
use crate::report::Kind;
use crate::tree::{Entry, Tree};
use std::collections::{BTreeMap, HashMap};

/// What one side runs with: option → (value, the key and entry that set it, how many
/// includes come before that line).
struct Side {
    options: HashMap<&'static str, (String, String, Entry, usize)>,
    includes: bool,
}

fn side(t: &'static Table, tree: Option<&Tree>) -> Side {
    let mut out = Side {
        options: HashMap::new(),
        includes: false,
    };
    let Some(tree) = tree else { return out };
    let include_lines: Vec<u32> = tree
        .iter()
        .filter(|(k, _)| k.starts_with("!include"))
        .map(|(_, e)| e.line)
        .collect();
    out.includes = !include_lines.is_empty();
    let mut lines: Vec<(&str, &Entry, &str)> = tree
        .iter()
        .filter_map(|(k, e)| {
            let (group, name) = split_key(k)?;
            is_server_group(t, &group).then_some((k, e, name))
        })
        .collect();
    lines.sort_by_key(|(_, e, _)| e.line);
    for (key, entry, name) in lines {
        if let Reading::Sets(option, value) = read(t, name, &entry.value) {
            let before = include_lines.iter().filter(|l| **l < entry.line).count();
            out.options
                .insert(option, (value, key.to_string(), entry.clone(), before));
        }
    }
    out
}

/// The option a change is of, when it is in a group the server reads.
fn option_of(t: &'static Table, key: &str) -> Option<&'static str> {
    let (group, name) = split_key(key)?;
    is_server_group(t, &group)
        .then(|| option_name(t, name))
        .flatten()
}

/// Drops the changes that leave what the server runs with as it was, and adds those no line's
/// change shows. With no version (or none shipped), nothing changes; a notice says so when the
/// table of the newest version would have dropped something.
pub(crate) fn settle(
    path: &str,
    version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    let Some(t) = version.and_then(defaults::mariadb) else {
        let mut probe = changes.clone();
        settle_with(defaults::mariadb_spellings(), path, base, live, &mut probe);
        let same = probe.len() == changes.len()
            && probe
                .iter()
                .zip(changes.iter())
                .all(|(a, b)| a.key == b.key);
        return (!same).then(|| match version {
            None => format!(
                "{path}: no MariaDB version known (`version = \"10.11\"` on its file or group, `--program-version 10.11` for diff), so options are compared as written, not as mariadbd reads them"
            ),
            Some(v) => format!(
                "{path}: no option table for MariaDB {v} (confdrift has {}), so options are compared as written",
                defaults::MARIADB_VERSIONS.join(", ")
            ),
        });
    };
    let before: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
    settle_with(t, path, base, live, changes);
    let same = changes.iter().map(|c| &c.key).eq(before.iter());
    (!same).then(|| {
        format!(
            "{path}: options compared as MariaDB {} reads them (confdrift's option table for MariaDB {}, from {})",
            t.version, t.version, t.source
        )
    })
}

fn settle_with(
    t: &'static Table,
    path: &str,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) {
    let (b, l) = (side(t, base), side(t, live));
    let includes = b.includes || l.includes;
    // The files mariadbd reads first (`/etc/my.cnf`, `/etc/mysql/my.cnf`, which Debian links
    // to `mariadb.cnf`): a file read later (`conf.d/*.cnf`) may override an earlier one's
    // value with the default.
    let first_read = read_first(path);
    let default = |option: &'static str| match t.default_text(option) {
        Some(text) => match read(t, option, &crate::tree::Value::text(text)) {
            Reading::Sets(_, v) => Some(v),
            _ => None,
        },
        None => None,
    };
    // An option no line sets, with a value another implies: the server's collation is its
    // character set's default collation (the table's `charset` rows).
    let implied = |s: &Side, option: &str| -> Option<String> {
        let cs = (option == "collation_server")
            .then(|| s.options.get("character_set_server"))
            .flatten()?;
        default_collation(t, &cs.0)
    };
    let value = |s: &Side, option: &'static str| {
        s.options
            .get(option)
            .map(|w| w.0.clone())
            .or_else(|| implied(s, option))
            .or_else(|| default(option))
    };
    let same = |option: &'static str| match (b.options.get(option), l.options.get(option)) {
        (Some(x), Some(y)) => x.0 == y.0 && (!includes || x.3 == y.3),
        (None, None) => implied(&b, option) == implied(&l, option),
        // An option at its default on one side only: no change where no other file can set
        // it otherwise, in the file mariadbd reads first, before any `!include` (a file
        // included later wins either way).
        (Some(x), None) | (None, Some(x)) => {
            first_read
                && x.3 == 0
                && value(&b, option).is_some()
                && value(&b, option) == value(&l, option)
        }
    };
    changes.retain(|c| option_of(t, &c.key).is_none_or(|o| !same(o)));
    let mut all: BTreeMap<&'static str, ()> = BTreeMap::new();
    all.extend(b.options.keys().map(|k| (*k, ())));
    all.extend(l.options.keys().map(|k| (*k, ())));
    all.insert("collation_server", ());
    for option in all.into_keys() {
        if same(option) || changes.iter().any(|c| option_of(t, &c.key) == Some(option)) {
            continue;
        }
        let (bw, lw) = (b.options.get(option), l.options.get(option));
        let Some(key) = lw.or(bw).map(|w| w.1.clone()) else {
            continue;
        };
        changes.push(Change {
            key,
            kind: match (bw, lw) {
                (Some(_), Some(_)) => Kind::Changed,
                (None, _) => Kind::Added,
                (_, None) => Kind::Removed,
            },
            baseline: bw.map(|w| w.2.clone()),
            live: lw.map(|w| w.2.clone()),
        });
    }
}

/// The value mariadbd `version` runs with when no line sets `option` (a key of what it runs
/// with through includes: the option's own name), as its lines are read.
pub(crate) fn default_entry(version: &str, option: &str) -> Option<Entry> {
    let t = defaults::mariadb(version)?;
    if option.contains(['#', '.', '[']) {
        return None;
    }
    match read(
        t,
        option,
        &crate::tree::Value::text(t.default_text(option)?),
    ) {
        Reading::Sets(_, value) => Some(Entry {
            value: crate::tree::Value::text(value),
            line: 0,
        }),
        _ => None,
    }
}

/// Whether mariadbd reads `path` first, not through an `!include` (`/etc/my.cnf`,
/// `/etc/mysql/my.cnf`, which Debian links to `mariadb.cnf`, `~/.my.cnf`).
fn read_first(path: &str) -> bool {
    matches!(
        path.rsplit('/').next(),
        Some("my.cnf" | ".my.cnf" | "mariadb.cnf")
    )
}

/// The lines of `tree` (the file `path`) mariadbd `version` refuses to start with, and why.
/// An option before any group stops it only in a file it reads first: in an included file it
/// ends that file (said, and read through includes so). So does a collation not of the
/// server's default character set: an included file's collation may go with a character set
/// another file sets.
pub(crate) fn refusals(path: &str, version: Option<&str>, tree: &Tree) -> Vec<(u32, String)> {
    let Some(t) = version.and_then(defaults::mariadb) else {
        return Vec::new();
    };
    let first = read_first(path);
    let who = format!(
        "mariadbd (MariaDB {}) refuses to start with this line",
        t.version
    );
    let mut out = Vec::new();
    for (key, e) in tree.iter() {
        if key.starts_with('!') {
            continue;
        }
        let Some((group, name)) = split_key(key) else {
            if !key.contains('.') && first {
                out.push((
                    e.line,
                    format!("{who}: an option before any [group] (\"Found option without preceding group in config file\")"),
                ));
            }
            continue;
        };
        if !is_server_group(t, &group) {
            continue;
        }
        if let Reading::Refused(why) = read(t, name, &e.value) {
            out.push((e.line, format!("{who}: {why}")));
        }
    }
    if out.is_empty() {
        out.extend(
            character_sets(t, tree, first)
                .into_iter()
                .map(|(line, why)| (line, format!("{who}: {why}"))),
        );
    }
    out
}

/// The server's character set and collation, as the file leaves them: a character set or
/// collation it does not know, or a collation not of the character set, stops it. Without
/// `!include` only for the pair (an included file may set the other).
fn character_sets(t: &'static Table, tree: &Tree, first: bool) -> Vec<(u32, String)> {
    let s = side(t, Some(tree));
    let mut out = Vec::new();
    let charset = s.options.get("character_set_server");
    let collation = s.options.get("collation_server");
    if let Some(cs) = charset
        && !t.rows("charset").any(|r| r[0] == utf8mb3(&cs.0))
    {
        out.push((cs.2.line, format!("unknown character set '{}'", cs.0)));
    }
    let Some(co) = collation else { return out };
    let Some(of) = t
        .rows("collation")
        .find(|r| r[0] == utf8mb3(&co.0))
        .and_then(|r| r.get(1))
    else {
        out.push((co.2.line, format!("unknown collation '{}'", co.0)));
        return out;
    };
    let server_charset = charset.map(|c| c.0.clone()).or_else(|| {
        (first && !s.includes)
            .then(|| t.default_text("character_set_server"))
            .flatten()
            .map(str::to_string)
    });
    if let Some(cs) = server_charset
        && out.is_empty()
        && utf8mb3(&cs) != *of
    {
        out.push((
            co.2.line,
            format!("COLLATION '{}' is not valid for CHARACTER SET '{cs}'", co.0),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::normalize::Format;

    fn verdict(a: &str, b: &str) -> Vec<String> {
        let f = Format::from_name("mycnf").unwrap();
        let (a, b) = (
            f.parse(a.as_bytes()).unwrap(),
            f.parse(b.as_bytes()).unwrap(),
        );
        let mut changes = diff(&a, &b);
        settle("my.cnf", Some("10.11"), a.tree(), b.tree(), &mut changes);
        changes.into_iter().map(|c| c.key).collect()
    }

    #[test]
    fn the_server_groups_merged_in_file_order() {
        let base = "[mysqld]\nmax_connections = 100\nskip-name-resolve\n[client]\nport = 3306\n";
        let moved = "[mariadb]\nmax-connections = 100\n[server]\nskip_name_resolve=ON\n[client]\nport = 3306\n";
        assert!(verdict(base, moved).is_empty());
        let default = "[mysqld]\nmax_connections = 100\nskip-name-resolve\nport=3306\n[client]\nport = 3306\n";
        assert!(verdict(base, default).is_empty());
        let client = "[mysqld]\nmax_connections = 100\nskip-name-resolve\n[client]\nport = 3307\n";
        assert_eq!(verdict(base, client), ["client.port"]);
        let later = format!("{base}[mariadb]\nmax_connections = 200\n");
        assert_eq!(verdict(base, &later), ["mariadb.max_connections"]);
        let a = "[mysqld]\nmax_connections = 100\n[mariadb]\nmax_connections = 200\n";
        let b = "[mariadb]\nmax_connections = 200\n[mysqld]\nmax_connections = 100\n";
        assert_eq!(verdict(a, b), ["mysqld.max_connections"]);
        let t = defaults::mariadb("10.11").unwrap();
        assert!(option_of(t, "client.max_connections").is_none());
    }

    #[test]
    fn refusals_name_the_line() {
        let f = Format::from_name("mycnf").unwrap();
        let doc = f
            .parse(b"port = 1\n[mysqld]\nmax_connections = 12x\nloose-nosuch = 1\nnosuch\n[client]\nnosuch = 2\n")
            .unwrap();
        let lines: Vec<u32> = refusals("/etc/mysql/my.cnf", Some("10.11"), doc.tree().unwrap())
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        assert_eq!(lines, [1, 3, 5]);
        assert!(refusals("/etc/mysql/my.cnf", None, doc.tree().unwrap()).is_empty());
        let lines = |text: &str| -> Vec<u32> {
            let doc = f.parse(text.as_bytes()).unwrap();
            refusals("/etc/mysql/my.cnf", Some("10.11"), doc.tree().unwrap())
                .into_iter()
                .map(|(l, _)| l)
                .collect()
        };
        assert_eq!(
            lines("[mysqld]\ncollation_server = utf8mb4_unicode_ci\n"),
            [2]
        );
        assert_eq!(lines("[mysqld]\ncharacter_set_server = utf8mb5\n"), [2]);
        assert!(
            lines("[server]\ncharacter-set-server = utf8\n[mariadb]\ncollation-server = UTF8_general_ci\n")
                .is_empty()
        );
    }
}

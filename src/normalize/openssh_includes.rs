//! sshd_config's `Include`, followed across the collected files of one host as sshd reads it
//! (OpenSSH 9.2 `servconf.c`, `process_server_config_line_depth`):
//!
//! - an `Include` is read where it stands: the lines of each file it names come there, so
//!   with the first value obtained winning, a keyword in a file included at the top of
//!   sshd_config wins over the same keyword further down, and accumulating keywords (`Port`,
//!   `AcceptEnv`, ...) gather in that order;
//! - each word is a glob; a relative one is in `/etc/ssh` (SSHDIR); the files a glob matches
//!   are read in name order (`glob(3)` sorts them; a wildcard matches no name starting with
//!   `.`, so an editor's `.50-x.conf.swp` or a `.hidden.conf` is not read), a word matching
//!   nothing is skipped;
//! - an `Include` inside a `Match` block puts the included lines in that block, until the
//!   included file starts a `Match` of its own; a `Match` started in an included file ends with
//!   that file ("don't let included files clobber the containing file's Match state");
//! - includes nest up to 16 levels (SERVCONF_MAX_DEPTH); deeper, and a file that includes
//!   itself, are not read (sshd refuses to start: "Too many recursive configuration
//!   includes"); at most [`MAX_READS`] files are read for one.

use super::follow::{self, Include};
use super::includes::ReadThrough;
use crate::tree::{Tree, Value, push_index};
use std::collections::{BTreeSet, HashMap};

/// sshd's own nesting limit (SERVCONF_MAX_DEPTH).
const MAX_DEPTH: usize = 16;

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// One keyword line as sshd meets it.
struct Item {
    /// `match."User x"` or empty for the global section.
    section: String,
    keyword: String,
    list: bool,
    value: Value,
    line: u32,
    file: String,
}

/// What sshd runs with when it reads `root` (whose tree is `tree`) with every collected file
/// its `Include`s name: `lookup` gives another collected sshd_config-format file's tree on the
/// same side, `paths` lists them all (for the globs).
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
        items: Vec::new(),
        refused: Vec::new(),
    };
    sequence(root, tree, None, lookup, paths, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: walk.read,
        own: HashMap::new(),
        refused: walk.refused,
    };
    let mut counters: HashMap<String, usize> = HashMap::new();
    for item in walk.items {
        let mut key = item.section.clone();
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(&item.keyword);
        if item.list {
            let n = counters.entry(key.clone()).or_insert(0);
            push_index(&mut key, *n);
            *n += 1;
        } else if out.tree.get(&key).is_some() {
            continue; // the first value obtained wins
        }
        out.from.insert(key.clone(), item.file);
        out.tree.insert(key, item.value, item.line);
    }
    out
}

/// Where the walk is: the chain of files, how many were read, and the lines met so far.
struct Walk {
    stack: Vec<String>,
    reads: usize,
    read: BTreeSet<String>,
    items: Vec<Item>,
    refused: Vec<(String, u32, String)>,
}

/// Appends the lines of `path` to `walk.items` in the order sshd meets them, each included
/// file's at its `Include`. `inside`: the `Match` block the including line stands in.
fn sequence<'t>(
    path: &str,
    tree: &'t Tree,
    inside: Option<&str>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    walk: &mut Walk,
) {
    let includes = match super::Format::from_name("sshd") {
        Some(format) => follow::includes(format, path, tree),
        None => Vec::new(),
    };
    let mut lines: Vec<(u32, usize, &str, &Value)> = tree
        .iter()
        .map(|(k, e)| (e.line, index_of(k), k, &e.value))
        .collect();
    lines.sort_by_key(|&(line, index, _, _)| (line, index));
    let mut done_lines = BTreeSet::new();
    for (line, _, key, value) in lines {
        let (own, rest) = split_section(key);
        let section = if own.is_empty() {
            inside.unwrap_or("").to_string()
        } else {
            own.to_string()
        };
        let (keyword, list) = match rest.split_once('[') {
            Some((kw, _)) => (kw, true),
            None => (rest, false),
        };
        if keyword != "include" {
            walk.items.push(Item {
                section,
                keyword: keyword.to_string(),
                list,
                value: value.clone(),
                line,
                file: path.to_string(),
            });
            continue;
        }
        if walk.stack.len() == 1 {
            // The root's own directives stay keys, so that a changed Include is seen.
            walk.items.push(Item {
                section: section.clone(),
                keyword: keyword.to_string(),
                list,
                value: value.clone(),
                line,
                file: path.to_string(),
            });
        }
        if !done_lines.insert(line) {
            continue;
        }
        let within = (!section.is_empty()).then_some(section.as_str());
        for inc in includes.iter().filter(|i| i.line == line) {
            for file in matches(inc, paths) {
                let circle = walk.stack.contains(&file);
                if circle || walk.stack.len() > MAX_DEPTH {
                    let why = if circle {
                        "which is being read already"
                    } else {
                        "past the nesting limit"
                    };
                    walk.refused.push((
                        path.to_string(),
                        line,
                        format!(
                            "includes {file} {why}: sshd refuses to start (\"Too many recursive configuration includes\", more than {MAX_DEPTH} levels)"
                        ),
                    ));
                    break;
                }
                if walk.reads >= MAX_READS {
                    continue;
                }
                let Some(sub) = lookup(&file) else { continue };
                walk.reads += 1;
                walk.read.insert(file.clone());
                walk.stack.push(file.clone());
                sequence(&file, sub, within, lookup, paths, walk);
                walk.stack.pop();
            }
        }
    }
}

/// The collected files a word of `Include` names, in the order sshd reads them (`glob(3)`: a
/// wildcard matches no leading `.`).
fn matches(inc: &Include, paths: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .filter(|p| super::glob3::matches(&inc.pattern, p))
        .map(|p| p.to_string())
        .collect();
    out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    out.dedup();
    out
}

/// A key's list index (`port[1]` is 1; none is 0).
fn index_of(key: &str) -> usize {
    key.rsplit_once('[')
        .and_then(|(_, i)| i.trim_end_matches(']').parse().ok())
        .unwrap_or(0)
}

/// `match."User x".port[0]` is (`match."User x"`, `port[0]`); a global key has no section.
fn split_section(key: &str) -> (&str, &str) {
    let Some(after) = key.strip_prefix("match.") else {
        return ("", key);
    };
    let end = if let Some(quoted) = after.strip_prefix('"') {
        let mut escaped = false;
        let mut close = None;
        for (i, c) in quoted.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = Some(i + 1);
                    break;
                }
                _ => {}
            }
        }
        match close {
            Some(i) => "match.".len() + 1 + i,
            None => return ("", key),
        }
    } else {
        match after.find('.') {
            Some(i) => "match.".len() + i,
            None => return ("", key),
        }
    };
    match key[end..].strip_prefix('.') {
        Some(rest) => (&key[..end], rest),
        None => ("", key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sshd(text: &str) -> Tree {
        super::super::keyvalue::parse_sshd(text).unwrap()
    }

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), sshd(t)))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths)
    }

    fn get(r: &ReadThrough, key: &str) -> Option<(String, u32, String)> {
        r.tree
            .get(key)
            .map(|e| (e.value.to_string(), e.line, r.from[key].clone()))
    }

    #[test]
    fn an_included_file_read_first_wins_and_lists_gather_in_order() {
        let r = through(&[
            (
                "/etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nPort 22\nX11Forwarding yes\n",
            ),
            (
                "/etc/ssh/sshd_config.d/50-cloud.conf",
                "PasswordAuthentication no\nPort 2222\n",
            ),
            ("/etc/ssh/sshd_config.d/10-first.conf", "X11Forwarding no\n"),
        ]);
        let d = "/etc/ssh/sshd_config.d";
        assert_eq!(
            get(&r, "passwordauthentication"),
            Some(("no".into(), 1, format!("{d}/50-cloud.conf")))
        );
        assert_eq!(
            get(&r, "x11forwarding"),
            Some(("no".into(), 1, format!("{d}/10-first.conf")))
        );
        assert_eq!(get(&r, "port[0]").unwrap().0, "2222");
        assert_eq!(get(&r, "port[1]").unwrap().0, "22");
        assert_eq!(r.read.len(), 3);
    }

    #[test]
    fn relative_words_match_blocks_and_cycles() {
        let r = through(&[
            (
                "/etc/ssh/sshd_config",
                "Match User git\n  Include sshd_config.d/git.conf\n",
            ),
            (
                "/etc/ssh/sshd_config.d/git.conf",
                "AllowTcpForwarding no\nInclude /etc/ssh/sshd_config\nMatch all\nX11Forwarding no\n",
            ),
        ]);
        assert_eq!(
            get(&r, "match.\"User git\".allowtcpforwarding").unwrap().0,
            "no"
        );
        assert_eq!(get(&r, "match.all.x11forwarding").unwrap().0, "no");
        assert!(get(&r, "allowtcpforwarding").is_none());
    }

    #[test]
    fn a_glob_reads_no_dot_file() {
        let files = [
            (
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf
",
            ),
            (
                "/etc/ssh/sshd_config.d/.hidden.conf",
                "PermitRootLogin yes
",
            ),
            (
                "/etc/ssh/sshd_config.d/50-a.conf",
                "X11Forwarding no
",
            ),
        ];
        let r = through(&files);
        assert!(get(&r, "permitrootlogin").is_none());
        assert_eq!(get(&r, "x11forwarding").unwrap().0, "no");
        let r = through(&[
            (
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/.*.conf
",
            ),
            files[1],
        ]);
        assert_eq!(get(&r, "permitrootlogin").unwrap().0, "yes");
    }

    #[test]
    fn keys_split_at_their_section() {
        assert_eq!(split_section("port[0]"), ("", "port[0]"));
        assert_eq!(
            split_section("match.\"Address 10.0.0.1\".x11forwarding"),
            ("match.\"Address 10.0.0.1\"", "x11forwarding")
        );
        assert_eq!(split_section("match.all.port[1]"), ("match.all", "port[1]"));
    }
}

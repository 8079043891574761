//! ssh_config's `Include` as ssh reads it (OpenSSH 9.2 `readconf.c`, `oInclude` and
//! `read_config_file_depth`), for [`super::sshclient`]'s host by host view:
//!
//! - the lines of each file an `Include` names come where it stands;
//! - an included file starts in the block its `Include` stands in and may open blocks of its
//!   own: ssh passes the includer's active flag down, so a line of the included file applies
//!   only where the `Host`/`Match` blocks of every `Include` that led to it apply (an `Include`
//!   in a block that does not apply reads the file with `SSHCONF_NEVERMATCH`: nothing in it
//!   applies), and where its own block does; after each included file the includer's block
//!   is as it was ("don't let Match in includes clobber the containing file's Match state");
//! - each word is a glob (`glob(3)`: `*`, `?`, `[...]`, a name starting with `.` only matched
//!   by a `.`; matches in byte order, ssh setting only `LC_CTYPE`); a word matching nothing is
//!   skipped; a relative word is in `/etc/ssh` for a system file, in `~/.ssh` for a user's
//!   (the directory of the file read first, when it is not under `/etc/ssh`); a word starting
//!   with `~` is refused in a system file and names a home directory confdrift does not know in
//!   a user's, so the file is not read host by host;
//! - includes nest to 16 levels (`READCONF_MAX_DEPTH`); deeper, or a file that includes itself,
//!   ssh refuses ("Too many recursive configuration includes"), whatever block they stand in.

use super::Format;
use super::follow;
use super::sshclient::{self, Block, Line};
use crate::tree::Tree;

/// ssh's nesting limit (READCONF_MAX_DEPTH).
const MAX_DEPTH: usize = 16;

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// One file read through its includes.
#[derive(Debug, Default)]
pub struct Reading {
    /// The lines in the order ssh reads them.
    pub lines: Vec<Line>,
    /// The files read, the first one first (what [`Line::file`] indexes).
    pub files: Vec<String>,
    /// Every path or glob an `Include` named (absolute), with the includer and its line.
    pub patterns: Vec<(String, String, u32)>,
    /// Why it cannot be read host by host; none when it can.
    pub trouble: Option<String>,
    /// The file and line of the trouble when it is what ssh refuses to run with.
    pub refused: Option<(String, u32)>,
}

/// The lines ssh reads for `root` (whose tree is `tree`), each included file's at its
/// `Include`: `lookup` gives another file's tree (none: not on this side), `paths` lists the
/// files there are (for the globs).
pub fn read<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> Reading {
    let mut walk = Walk {
        root: root.to_string(),
        reading: Reading {
            files: vec![root.to_string()],
            ..Reading::default()
        },
        scopes: 0,
        reads: 0,
        lookup,
        paths,
    };
    walk.file(0, tree, &[], 0);
    walk.reading
}

struct Walk<'a, 't> {
    root: String,
    reading: Reading,
    /// Block occurrences numbered so far.
    scopes: usize,
    reads: usize,
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
}

impl<'t> Walk<'_, 't> {
    /// Appends the lines of file `index` (its tree `tree`), read inside the blocks `within`,
    /// at include depth `depth`.
    fn file(&mut self, index: usize, tree: &'t Tree, within: &[(Block, usize)], depth: usize) {
        let path = self.reading.files[index].clone();
        let Some(format) = Format::from_name("ssh") else {
            return;
        };
        // Relative words as the file read first says (system or user), whatever file holds them.
        let includes = follow::includes(format, &self.root, tree);
        let offset = self.scopes;
        let lines = sshclient::lines(tree);
        self.scopes += lines.last().map_or(0, |l| l.scope + 1);
        let mut done = Vec::new();
        for mut l in lines {
            l.scope += offset;
            l.file = index;
            if l.keyword != "include" {
                l.within = within.to_vec();
                self.reading.lines.push(l);
                continue;
            }
            if self.reading.trouble.is_some() || done.contains(&l.line) {
                continue;
            }
            done.push(l.line);
            if l.value
                .to_string()
                .split_whitespace()
                .any(|w| w.starts_with('~'))
            {
                let system = self.root.starts_with("/etc/ssh/");
                self.reading.trouble = Some(if system {
                    format!(
                        "{path} line {}: ssh refuses an `Include` word starting with `~` in a system file (\"bad include path\")",
                        l.line
                    )
                } else {
                    format!(
                        "{path} line {}: an `Include` word starting with `~` names a home directory confdrift does not know",
                        l.line
                    )
                });
                self.reading.refused = system.then(|| (path.clone(), l.line));
                return;
            }
            let mut inner = within.to_vec();
            if l.block != Block::Top {
                inner.push((l.block.clone(), l.scope));
            }
            for inc in includes.iter().filter(|i| i.line == l.line) {
                self.reading
                    .patterns
                    .push((inc.pattern.clone(), path.clone(), l.line));
                for file in matches(&inc.pattern, self.paths) {
                    let Some(sub) = (self.lookup)(&file) else {
                        continue;
                    };
                    if depth + 1 > MAX_DEPTH {
                        self.reading.trouble = Some(format!(
                            "{path} line {}: includes nest deeper than ssh reads ({MAX_DEPTH} levels; ssh refuses: \"Too many recursive configuration includes\")",
                            l.line
                        ));
                        self.reading.refused = Some((path.clone(), l.line));
                        return;
                    }
                    self.reads += 1;
                    if self.reads > MAX_READS {
                        self.reading.trouble = Some(format!(
                            "{path} line {}: reads more than {MAX_READS} files through its includes",
                            l.line
                        ));
                        return;
                    }
                    let at = match self.reading.files.iter().position(|f| *f == file) {
                        Some(at) => at,
                        None => {
                            self.reading.files.push(file);
                            self.reading.files.len() - 1
                        }
                    };
                    self.file(at, sub, &inner, depth + 1);
                    if self.reading.trouble.is_some() {
                        return;
                    }
                }
            }
        }
    }
}

/// The files of `paths` a word of `Include` names, in the order ssh reads them.
fn matches(pattern: &str, paths: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .filter(|p| super::glob3::matches(pattern, p))
        .map(|p| p.to_string())
        .collect();
    out.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glob_s_files_in_byte_order() {
        assert_eq!(
            matches("/e/*", &["/e/b", "/e/B", "/e/a"]),
            ["/e/B", "/e/a", "/e/b"]
        );
    }
    use crate::normalize::keyvalue::parse_ssh;

    fn user_of(files: &[(&str, &str)], host: &str) -> (String, Option<String>) {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), parse_ssh(t).unwrap()))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        let r = read(&trees[0].0, &trees[0].1, &lookup, &paths);
        let v = sshclient::view(&r.lines, host, None);
        (sshclient::shown(v.options.get("user")), r.trouble)
    }

    #[test]
    fn included_lines_where_the_include_stands() {
        let root = "/etc/ssh/ssh_config";
        let d = "/etc/ssh/ssh_config.d";
        let files = [
            (root, "Include ssh_config.d/*.conf\nHost *\n User admin\n"),
            (&format!("{d}/20-db.conf") as &str, "Host db*\n User pg\n"),
            (
                &format!("{d}/10-top.conf") as &str,
                "User first\nHost db1\n User one\n",
            ),
            (&format!("{d}/.hidden.conf") as &str, "User hidden\n"),
        ];
        // 10-top.conf is read first; its top line applies to every host.
        assert_eq!(user_of(&files, "db2").0, "first");
        let files = [
            (
                root,
                "Host db*\n Include /etc/ssh/ssh_config.d/*.conf\n User x\nHost *\n User admin\n",
            ),
            (
                &format!("{d}/a.conf") as &str,
                "Host *1\n User one\nHost *\n Port 2\n",
            ),
        ];
        // Inside `Host db*`: the included `Host *1` applies to db1, not web1; after the
        // file, `Host db*` holds again.
        assert_eq!(user_of(&files, "db1").0, "one");
        assert_eq!(user_of(&files, "db2").0, "x");
        assert_eq!(user_of(&files, "web1").0, "admin");
    }

    #[test]
    fn cycles_and_tilde_are_trouble() {
        let root = "/etc/ssh/ssh_config";
        let (_, trouble) = user_of(
            &[(root, "Host nomatch\n Include /etc/ssh/ssh_config\n")],
            "a",
        );
        assert!(trouble.unwrap().contains("Too many recursive"));
        let (_, trouble) = user_of(&[(root, "Include ~/.ssh/x\n")], "a");
        assert!(trouble.unwrap().contains('~'));
    }
}

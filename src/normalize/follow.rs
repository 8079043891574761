//! What a file's include directives name, as the program that reads it resolves them: the
//! files collection fetches besides the listed ones, each read in its includer's format.
//!
//! - **postgresql.conf** (`pgconf`): `include` (required: the server refuses to start without
//!   it), `include_if_exists`, `include_dir` (its `*.conf` files not starting with `.`), relative
//!   to the including file's directory; after a `postgresql.conf`, the `postgresql.auto.conf` of
//!   the data directory `data_directory` names (else beside it).
//! - **sshd_config / ssh_config**: `Include` words, globs; a relative one is in `/etc/ssh` (for
//!   a file under `/etc/ssh`; else beside the file, as for a user's `~/.ssh/config`). A word
//!   that matches nothing is no error in OpenSSH; `glob(3)` matches no name starting with `.`
//!   (`.hidden.conf`) unless the word's own name does.
//! - **redis.conf**: `include`, required unless it holds a glob character (Redis 7 globs those,
//!   `config.c` `loadServerConfig`); a relative path is relative to the server's working
//!   directory, which a file does not say, so only absolute paths are followed.
//! - **pgbouncer.ini**: `%include FILE`, required (pgbouncer stops without it), read as
//!   written: a relative path is relative to pgbouncer's working directory, so only absolute
//!   paths are followed; no globs (libusual `cfparser.c`).
//! - **MySQL / MariaDB** (`mycnf`): `!include FILE` and `!includedir DIR` (its `*.cnf`); only
//!   absolute paths (the clients and server resolve relative ones against their working
//!   directory).
//! - **systemd units**: no directive: a unit file's drop-ins, by its name (the unit's own,
//!   its template's, its dash prefixes', its type's `service.d`) in the unit directories
//!   (`/etc/systemd/system`, ..., `/lib/systemd/system`) and its own; fetched as one glob per
//!   directory (`/etc/systemd/system/*.d/*.conf`) that admits only the unit's directories.
//! - **PHP-FPM** (`phpfpm`): `include = GLOB`, globbed (a path matching nothing is a warning in
//!   php-fpm, no error); a relative path is relative to php-fpm's prefix (`-p`), which a file
//!   does not say, so only absolute paths are followed.
//! - **pg_hba.conf** (`pghba`): `include` and `@file` (required), `include_if_exists`,
//!   `include_dir` (its `*.conf` not starting with `.`), relative to the naming file's
//!   directory; an `@file` (in a rule, or in another `@file`) is read as `pgnames`.
//!   pg_ident.conf (`pgident`): the same include lines.
//! - **nginx**: `include` anywhere, globs; a relative path is relative to nginx's configuration
//!   prefix: the main file's directory (the entry file `nginx.conf`'s), else the `nginx`
//!   directory the entry lies under (`/etc/nginx`), else the entry's own directory. A
//!   path without a glob character is required (nginx refuses to start without it).

use super::Format;
use super::includes::{self, join, parent};
use super::{pghba_includes, pgident_includes, systemd_dropins};
use crate::tree::{Tree, Value};

/// One file (or glob of files) an include directive names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// Absolute path, or glob of absolute paths.
    pub pattern: String,
    /// The program refuses to start when it is missing.
    pub required: bool,
    /// The directive's line (0 for `postgresql.auto.conf`, which no line names).
    pub line: u32,
    /// Matches of `pattern` whose names start with `.` are not read (`include_dir`).
    pub skip_dot_files: bool,
    /// A directory the program refuses to start without, even empty: PostgreSQL's
    /// `include_dir` ("could not open configuration directory"), MariaDB's `!includedir`
    /// ("Fatal error in defaults handling").
    pub dir: Option<String>,
    /// The directories the matches must be in, when not empty: a unit's drop-in directories
    /// (`pattern` names every drop-in of a unit directory, `/etc/systemd/system/*.d/*.conf`).
    pub only_dirs: Vec<String>,
    /// The format the file is read in, when not its includer's (pg_hba.conf's `@file`, a
    /// list of names).
    pub format: Option<Format>,
}

impl Include {
    /// Whether the program reads `path`, a match of `pattern`, through this include.
    pub fn admits(&self, path: &str) -> bool {
        self.only_dirs.is_empty() || self.only_dirs.iter().any(|d| parent(path) == d)
    }
}

/// The directory a file's includes are followed within: the first two levels of the path of
/// the file the program reads first (`/etc/postgresql`, `/etc/ssh`, `/var/lib/pgsql`). An
/// include naming anything outside it (`Include /etc/*` in a hostile sshd_config) is not
/// fetched: list such a file in `files` to compare it.
pub fn area(entry: &str) -> String {
    let parts: Vec<&str> = entry.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [a, b, _, ..] => format!("/{a}/{b}"),
        [a, _] => format!("/{a}"),
        _ => "/".to_string(),
    }
}

/// Whether an include of a file whose entry's area is `area` may be followed: inside the area,
/// the `postgresql.auto.conf` a postgresql.conf names (one fixed file, no glob), or a systemd
/// unit's drop-ins (in the unit directories, whichever holds the unit).
pub fn within(area: &str, inc: &Include) -> bool {
    let inside = area == "/" || inc.pattern.starts_with(&format!("{area}/"));
    inside
        || (!inc.only_dirs.is_empty()
            && systemd_dropins::UNIT_DIRS
                .iter()
                .any(|d| inc.pattern == format!("{d}/*.d/*.conf")))
        || (inc.pattern.ends_with("/postgresql.auto.conf")
            && !inc.pattern.contains(['*', '?', '[', '{']))
}

/// Whether files of `format` can include others.
pub fn can_include(format: Format) -> bool {
    matches!(
        format.name(),
        "pgconf"
            | "sshd"
            | "ssh"
            | "redis"
            | "mycnf"
            | "nginx"
            | "pgbouncer"
            | "phpfpm"
            | "systemd"
            | "pghba"
            | "pgnames"
            | "pgident"
    )
}

/// The files `bytes` (a file of `format` at `path`) includes, read from its directive lines
/// alone: a file without any is not parsed, and one with some is parsed with its other lines
/// blanked (their numbers kept), so following includes costs a scan, not a second parse.
/// Nothing when it cannot include or does not parse (the comparison reports that).
pub fn includes_in(format: Format, path: &str, entry: &str, bytes: &[u8]) -> Vec<Include> {
    if !can_include(format) {
        return Vec::new();
    }
    if format.name() == "systemd" {
        return unit_dropins(path);
    }
    let pg_root = format.name() == "pgconf" && path.ends_with("/postgresql.conf");
    // nginx's blocks, my.cnf's groups and pgbouncer's `%include` need the whole file.
    if !matches!(
        format.name(),
        "pgconf" | "sshd" | "ssh" | "redis" | "pgbouncer"
    ) {
        // pg_hba.conf's `@file` names a file without the word; its sample's comments hold
        // both, so only what is not a comment counts.
        if matches!(format.name(), "pghba" | "pgnames" | "pgident") {
            if !bytes.split(|b| *b == b'\n').any(hba_reference) {
                return Vec::new();
            }
        } else if !directive_word().is_match(bytes) {
            return Vec::new();
        }
        return match format.parse(bytes) {
            Ok(doc) => doc
                .tree()
                .map(|t| includes_from(format, path, entry, t))
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
    }
    // Line-oriented formats: only the lines that start with a directive word are read (a
    // `Match` or `Host` section does not change what a file names), with their numbers.
    let mut sketch: Vec<u8> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    // Line ends found with memchr (SIMD): most of a file's bytes are never looked at one by one.
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let mut start = 0;
    for (i, end) in ends.enumerate() {
        let line = &bytes[start..end];
        start = end + 1;
        let l = line.trim_ascii_start();
        let starts =
            |word: &[u8]| l.len() >= word.len() && l[..word.len()].eq_ignore_ascii_case(word);
        // pgbouncer's `%include` is case-sensitive (libusual's cfparser), the others' words not.
        if !l.is_empty()
            && ((matches!(l[0] | 0x20, b'i' | b'd')
                && (starts(b"include") || starts(b"data_directory")))
                || l.starts_with(b"%include"))
        {
            lines.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            sketch.extend_from_slice(line);
            sketch.push(b'\n');
        }
    }
    if lines.is_empty() && !pg_root {
        return Vec::new();
    }
    let Ok(doc) = format.parse(&sketch) else {
        return Vec::new();
    };
    let Some(tree) = doc.tree() else {
        return Vec::new();
    };
    let mut out = includes_from(format, path, entry, tree);
    for inc in &mut out {
        if inc.line > 0 {
            inc.line = lines
                .get(inc.line as usize - 1)
                .copied()
                .unwrap_or(inc.line);
        }
    }
    out
}

/// The drop-ins systemd reads for the unit file `path` (by its name alone: nothing for a
/// drop-in), as globs of each unit directory's drop-ins (and the unit's own directory's, when
/// it is none of them), each admitting only the unit's drop-in directories there
/// ([`systemd_dropins::dropin_dirs`]): one glob per unit directory, whatever the units.
fn unit_dropins(path: &str) -> Vec<Include> {
    if systemd_dropins::is_dropin(path) {
        return Vec::new();
    }
    let (own_dir, name) = (parent(path), path.rsplit('/').next().unwrap_or(path));
    if !systemd_dropins::is_unit_name(name) {
        return Vec::new();
    }
    let dirs = systemd_dropins::dropin_dirs(name, own_dir);
    let mut lookup: Vec<&str> = systemd_dropins::UNIT_DIRS.to_vec();
    if !lookup.contains(&own_dir) {
        lookup.push(own_dir);
    }
    lookup
        .into_iter()
        .map(|l| Include {
            pattern: format!("{}/*.d/*.conf", glob_escape(l)),
            required: false,
            line: 0,
            // conf_files_list skips hidden files.
            skip_dot_files: true,
            dir: None,
            only_dirs: dirs.iter().filter(|d| parent(d) == l).cloned().collect(),
            format: None,
        })
        .collect()
}

/// Whether a line of a pg_hba.conf-format file may name another: an `@` or a line starting
/// with `include` outside a comment (a line with a quote is kept whole: `#` may be quoted).
fn hba_reference(line: &[u8]) -> bool {
    let code = if line.contains(&b'"') {
        line
    } else {
        line.split(|b| *b == b'#').next().unwrap_or(line)
    };
    code.contains(&b'@') || code.trim_ascii_start().starts_with(b"include")
}

/// The word `include`, in any case (nginx and my.cnf: where a directive may be).
fn directive_word() -> &'static regex::bytes::Regex {
    static RE: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::bytes::Regex::new("(?i)include").expect("a valid pattern"))
}

/// The files `tree` (of `format`, at `path`) includes, in line order.
pub fn includes(format: Format, path: &str, tree: &Tree) -> Vec<Include> {
    includes_from(format, path, path, tree)
}

/// What a parsed file includes, read from the entry file `entry` (which decides nginx's
/// relative includes: see [`nginx_prefix`]).
pub fn includes_from(format: Format, path: &str, entry: &str, tree: &Tree) -> Vec<Include> {
    let mut out = match format.name() {
        "pgconf" => includes::directives_of(path, tree)
            .into_iter()
            .map(|(directive, target, line)| match directive {
                "include_dir" => Include {
                    pattern: format!("{}/*.conf", glob_escape(&target)),
                    required: false,
                    line,
                    skip_dot_files: true,
                    dir: Some(target.trim_end_matches('/').to_string()),
                    only_dirs: Vec::new(),
                    format: None,
                },
                _ => Include {
                    pattern: glob_escape(&target),
                    required: directive == "include",
                    line: if line == u32::MAX { 0 } else { line },
                    skip_dot_files: false,
                    dir: None,
                    only_dirs: Vec::new(),
                    format: None,
                },
            })
            .collect(),
        "sshd" | "ssh" => {
            let dir = if path.starts_with("/etc/ssh/") {
                "/etc/ssh"
            } else {
                parent(path)
            };
            directive_values(tree, "include")
                .flat_map(|(words, line)| {
                    words
                        .split_whitespace()
                        .map(|w| (join(dir, w), line))
                        .collect::<Vec<_>>()
                })
                .map(|(pattern, line)| Include {
                    // glob(3): a wildcard never matches a leading `.`.
                    skip_dot_files: !pattern.rsplit('/').next().unwrap_or("").starts_with('.'),
                    pattern,
                    required: false,
                    line,
                    dir: None,
                    only_dirs: Vec::new(),
                    format: None,
                })
                .collect()
        }
        // Redis 7 globs a path with `*`, `?` or `[` (no match: nothing read; glob(3): a
        // wildcard never matches a leading `.`); any other path must exist.
        "redis" => {
            let mut v = absolute(directive_values(tree, "include"), |p| {
                let glob = p.contains(['*', '?', '[']);
                (if glob { p.to_string() } else { glob_escape(p) }, !glob)
            });
            for i in &mut v {
                let last = i.pattern.rsplit('/').next().unwrap_or("");
                i.skip_dot_files = !i.required && !last.starts_with('.');
            }
            v
        }
        "pgbouncer" => absolute(directive_values(tree, "%include"), |p| {
            (glob_escape(p), true)
        }),
        // php-fpm globs every path (`GLOB_ERR | GLOB_MARK`): nothing matching is a warning;
        // glob(3): a wildcard never matches a leading `.`.
        "phpfpm" => {
            let mut v = absolute(directive_values(tree, "%include"), |p| {
                (p.to_string(), false)
            });
            for i in &mut v {
                let last = i.pattern.rsplit('/').next().unwrap_or("");
                i.skip_dot_files = !last.starts_with('.');
            }
            v
        }
        "mycnf" => {
            let mut v = absolute(directive_values(tree, "!include"), |p| {
                (glob_escape(p), false)
            });
            let dirs: Vec<(&str, u32)> = directive_values(tree, "!includedir").collect();
            for mut i in absolute(dirs.iter().copied(), |p| {
                (
                    format!("{}/*.cnf", glob_escape(p.trim_end_matches('/'))),
                    false,
                )
            }) {
                let d = dirs.iter().find(|(_, l)| *l == i.line).map(|(p, _)| *p);
                i.dir = d.map(|p| p.trim_end_matches('/').to_string());
                v.push(i);
            }
            v
        }
        "nginx" => {
            let prefix = nginx_prefix(entry);
            directive_values(tree, "include")
                .map(|(p, line)| {
                    let pattern = join(prefix, p.trim());
                    // glob(3): a wildcard never matches a leading `.`.
                    let last = pattern.rsplit('/').next().unwrap_or("");
                    Include {
                        required: !pattern.contains(['*', '?', '[']),
                        skip_dot_files: !last.starts_with('.'),
                        pattern,
                        line,
                        dir: None,
                        only_dirs: Vec::new(),
                        format: None,
                    }
                })
                .collect()
        }
        "pghba" => pghba_includes::references(path, tree)
            .into_iter()
            .map(pg_hba_include)
            .collect(),
        "pgnames" => pghba_includes::name_references(path, tree)
            .into_iter()
            .map(pg_hba_include)
            .collect(),
        "pgident" => pgident_includes::directives(path, tree)
            .into_iter()
            .map(|(d, target, line)| {
                let r = match d {
                    "include" => pghba_includes::Reference::Include(target),
                    "include_if_exists" => pghba_includes::Reference::IfExists(target),
                    _ => pghba_includes::Reference::Dir(target),
                };
                pg_hba_include((r, line))
            })
            .collect(),
        _ => Vec::new(),
    };
    out.retain(|i| i.pattern.starts_with('/') && !i.pattern.contains(['\n', '\0']));
    // The programs glob with glob(3): `**` is `*`, braces are literal.
    for i in &mut out {
        while i.pattern.contains("**") {
            i.pattern = i.pattern.replace("**", "*");
        }
        if i.pattern.contains(['{', '}']) {
            i.pattern = i.pattern.replace('{', "[{]").replace('}', "[}]");
        }
    }
    out.sort_by_key(|i| i.line);
    out
}

/// A file or directory a pg_hba.conf line names, as an include: `include` and `@file` are
/// required (the server refuses to start without them), `@file` is a list of names
/// (`pgnames`), `include_dir` reads the directory's `*.conf` not starting with `.`.
fn pg_hba_include((r, line): (pghba_includes::Reference, u32)) -> Include {
    use pghba_includes::Reference;
    let (target, required, format) = match &r {
        Reference::Include(t) => (t, true, None),
        Reference::IfExists(t) => (t, false, None),
        Reference::Names(t) => (t, true, Format::from_name("pgnames")),
        Reference::Dir(t) => {
            return Include {
                pattern: format!("{}/*.conf", glob_escape(t.trim_end_matches('/'))),
                required: false,
                line,
                skip_dot_files: true,
                dir: Some(t.trim_end_matches('/').to_string()),
                only_dirs: Vec::new(),
                format: None,
            };
        }
    };
    Include {
        pattern: glob_escape(target),
        required,
        line,
        skip_dot_files: false,
        dir: None,
        only_dirs: Vec::new(),
        format,
    }
}

/// The values of every key whose last segment is `name` (`include`, `include[2]`,
/// `http.include[0]`, `match."User x".include[0]`), with their lines.
fn directive_values<'t>(tree: &'t Tree, name: &str) -> impl Iterator<Item = (&'t str, u32)> {
    let name = name.to_string();
    tree.iter().filter_map(move |(key, e)| {
        let last = key.rsplit('.').next().unwrap_or(key);
        let bare = last.split('[').next().unwrap_or(last);
        if bare != name {
            return None;
        }
        match &e.value {
            Value::Str(s) => Some((s.as_str(), e.line)),
            _ => None,
        }
    })
}

/// Only absolute paths, made into includes by `make` (pattern, required).
fn absolute<'t>(
    values: impl Iterator<Item = (&'t str, u32)>,
    make: impl Fn(&str) -> (String, bool),
) -> Vec<Include> {
    values
        .filter(|(p, _)| p.starts_with('/'))
        .map(|(p, line)| {
            let (pattern, required) = make(p);
            Include {
                pattern,
                required,
                line,
                skip_dot_files: false,
                dir: None,
                only_dirs: Vec::new(),
                format: None,
            }
        })
        .collect()
}

/// nginx's configuration prefix, what its relative includes are relative to, for files read
/// from the entry file `entry`: nginx takes the directory of the main file it was started with
/// (`ngx_process_options`: `conf_prefix`), so an entry named `nginx.conf` gives its own
/// directory (`/usr/local/nginx/conf`); another entry (a site file listed alone) the `nginx`
/// directory it lies under (`/etc/nginx`), else its own directory.
fn nginx_prefix(entry: &str) -> &str {
    if entry.rsplit('/').next() == Some("nginx.conf") {
        return parent(entry);
    }
    match entry.find("/nginx/") {
        Some(i) => &entry[..i + "/nginx".len()],
        None => parent(entry),
    }
}

/// A literal path as a glob matching only itself (PostgreSQL, Redis and MySQL take include
/// paths literally).
pub fn glob_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(format: &str, path: &str, text: &str) -> Vec<(String, bool, u32)> {
        let format = Format::from_name(format).unwrap();
        let tree = format.parse(text.as_bytes()).unwrap();
        includes(format, path, tree.tree().unwrap())
            .into_iter()
            .map(|i| (i.pattern, i.required, i.line))
            .collect()
    }

    fn s(p: &str, r: bool, l: u32) -> (String, bool, u32) {
        (p.to_string(), r, l)
    }

    #[test]
    fn postgresql_includes_and_its_auto_conf() {
        let text = "include 'a.conf'\ninclude_if_exists '/x/b.conf'\ninclude_dir 'conf.d'\ndata_directory = '/var/lib/postgresql/15/main'\n";
        assert_eq!(
            of("pgconf", "/etc/postgresql/15/main/postgresql.conf", text),
            vec![
                s("/var/lib/postgresql/15/main/postgresql.auto.conf", false, 0),
                s("/etc/postgresql/15/main/a.conf", true, 1),
                s("/x/b.conf", false, 2),
                s("/etc/postgresql/15/main/conf.d/*.conf", false, 3),
            ]
        );
        // Without data_directory, beside it; another file name reads no auto.conf.
        assert_eq!(
            of("pgconf", "/var/lib/pgsql/data/postgresql.conf", "x = 1\n"),
            vec![s("/var/lib/pgsql/data/postgresql.auto.conf", false, 0)]
        );
        assert!(of("pgconf", "/etc/x/other.conf", "x = 1\n").is_empty());
    }

    #[test]
    fn openssh_redis_mysql_and_nginx_includes() {
        assert_eq!(
            of(
                "sshd",
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf /opt/x.conf\nPort 22\n"
            ),
            vec![
                s("/etc/ssh/sshd_config.d/*.conf", false, 1),
                s("/opt/x.conf", false, 1)
            ]
        );
        assert_eq!(
            of(
                "redis",
                "/etc/redis/redis.conf",
                "include /etc/redis/a.conf\ninclude rel.conf\ninclude /etc/redis/conf.d/*.conf\n"
            ),
            vec![
                s("/etc/redis/a.conf", true, 1),
                s("/etc/redis/conf.d/*.conf", false, 3)
            ]
        );
        assert_eq!(
            of(
                "pgbouncer",
                "/etc/pgbouncer/pgbouncer.ini",
                "[databases]\n%include /etc/pgbouncer/db[1].ini\n%include rel.ini\n"
            ),
            vec![s("/etc/pgbouncer/db[[]1[]].ini", true, 2)]
        );
        assert_eq!(
            of(
                "mycnf",
                "/etc/mysql/my.cnf",
                "!includedir /etc/mysql/conf.d/\n!include /etc/mysql/x[1].cnf\n"
            ),
            vec![
                s("/etc/mysql/conf.d/*.cnf", false, 1),
                s("/etc/mysql/x[[]1[]].cnf", false, 2)
            ]
        );
        assert_eq!(
            of(
                "nginx",
                "/etc/nginx/sites-enabled/default",
                "server { include snippets/fastcgi-php.conf; }\ninclude /etc/nginx/conf.d/*.conf;\n"
            ),
            vec![
                s("/etc/nginx/snippets/fastcgi-php.conf", true, 1),
                s("/etc/nginx/conf.d/*.conf", false, 2)
            ]
        );
    }

    #[test]
    fn a_units_dropins_one_glob_per_unit_directory() {
        let unit = Format::from_name("systemd").unwrap();
        let found = includes_in(
            unit,
            "/lib/systemd/system/pool-web.service",
            "/lib/systemd/system/pool-web.service",
            b"[Service]\n",
        );
        assert_eq!(found.len(), 5);
        assert_eq!(found[0].pattern, "/etc/systemd/system/*.d/*.conf");
        assert_eq!(
            found[0].only_dirs,
            [
                "/etc/systemd/system/pool-web.service.d",
                "/etc/systemd/system/pool-.service.d",
                "/etc/systemd/system/service.d"
            ]
        );
        assert!(found[0].admits("/etc/systemd/system/service.d/x.conf"));
        assert!(!found[0].admits("/etc/systemd/system/other.service.d/x.conf"));
        assert!(found.iter().all(|i| within("/lib/systemd", i)));
        // Beside a unit elsewhere too; a drop-in reads none.
        let found = includes_in(unit, "/srv/u/a.socket", "/srv/u/a.socket", b"");
        assert_eq!(found[5].pattern, "/srv/u/*.d/*.conf");
        assert_eq!(found[5].only_dirs, ["/srv/u/a.socket.d", "/srv/u/socket.d"]);
        let d = "/etc/systemd/system/a.service.d/x.conf";
        assert!(includes_in(unit, d, d, b"").is_empty());
    }

    #[test]
    fn only_directive_lines_are_read() {
        let pg = Format::from_name("pgconf").unwrap();
        let found = |format, path, text: &str| {
            includes_in(format, path, path, text.as_bytes())
                .into_iter()
                .map(|i| (i.pattern, i.line))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found(pg, "/etc/postgresql/15/main/postgresql.conf", "x = 1\n"),
            [(
                "/etc/postgresql/15/main/postgresql.auto.conf".to_string(),
                0
            )]
        );
        assert!(found(pg, "/etc/x.conf", "x = 1").is_empty());
        // Lines around a directive that the reader would refuse alone do not matter.
        assert_eq!(
            found(pg, "/etc/x.conf", "x = 'unclosed\n  INCLUDE 'y.conf'\n"),
            [("/etc/y.conf".to_string(), 2)]
        );
        let sshd = Format::from_name("sshd").unwrap();
        assert_eq!(
            found(
                sshd,
                "/etc/ssh/sshd_config",
                "Port 22\nMatch User x\n  Include x.conf\n"
            ),
            [("/etc/ssh/x.conf".to_string(), 3)]
        );
        assert!(found(Format::from_name("ini").unwrap(), "/a", "include = x").is_empty());
    }
}

//! A file as its program reads it, from the program's own table: what it refuses (an unknown
//! setting, a value out of range or not among an enum's; trouble naming file and line), and
//! explicit defaults: a setting written out at the program's compiled-in default on one side
//! and absent on the other leaves the program's configuration as it was, so it is no drift.
//! The table comes from the file's `version` (its entry's or its group's) or from the path the
//! packaging puts it at (`/etc/postgresql/15/main/`); with no table, nothing is assumed and a
//! notice says why. Only where nothing else can set the value: a postgresql.conf with includes,
//! or beside another file of its format (`postgresql.auto.conf`), keeps its changes as written.

use super::compare::Compared;
use super::{HostResult, Target};
use crate::diff::Change;
use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::has_includes;
use crate::normalize::{Format, setting_value};
use crate::report::{Kind, Problem};
use crate::tree::Tree;

/// The stage: what the server would refuse in the host's postgresql.conf files is trouble;
/// the host's postgresql.conf, when it stands alone, loses its explicit defaults.
pub(super) fn settle(
    t: &Target,
    snap: &crate::collect::Snapshot,
    files: &mut [Compared],
    out: &mut HostResult,
) {
    for f in files.iter() {
        let Some(live) = f.live_tree() else { continue };
        let Some(crate::collect::Fetched::Present(bytes)) = snap.files.get(f.path) else {
            continue;
        };
        let version = version_in(t.group, f.path, f.format);
        for (line, message) in refusals(f.format, f.path, version, live, bytes) {
            out.errors.push(Problem {
                host: Some(t.host.to_string()),
                file: Some(f.path.clone()),
                line: Some(line),
                column: None,
                message,
            });
        }
    }
    // What sshd does not start with in what it runs with (each sshd_config no other includes,
    // read through its includes).
    let sshd: Vec<(&str, &Tree)> = files
        .iter()
        .filter(|f| f.format.name() == "sshd")
        .filter_map(|f| Some((f.path.as_str(), f.live_tree()?)))
        .collect();
    let sshd_version = |p: &str| t.group.version_of(p).map(str::to_string);
    for (file, line, message) in super::sshd_refusals::unstartable_in(&sshd, &sshd_version) {
        out.errors.push(Problem {
            host: Some(t.host.to_string()),
            file: Some(file),
            line: Some(line),
            column: None,
            message,
        });
    }
    for f in files.iter_mut().filter(|f| {
        matches!(
            f.format.name(),
            "sshd" | "redis" | "pgbouncer" | "mycnf" | "pghba" | "phpfpm"
        )
    }) {
        let version = version_of(t, f);
        let base = f.base;
        let live = match &f.live {
            super::compare::Live::Own(doc) => doc.tree(),
            super::compare::Live::Same => base,
            super::compare::Live::Missing => None,
        };
        let drop = match f.format.name() {
            "sshd" => drop_sshd_defaults,
            "redis" => drop_redis_defaults,
            "mycnf" => super::mycnf::settle,
            "pghba" => super::pghba_order::settle,
            "phpfpm" => drop_phpfpm_headers,
            _ => drop_pgbouncer_defaults,
        };
        if let Some(notice) = drop(f.path, version, base, live, &mut f.changes)
            && !out.notices.contains(&notice)
        {
            out.notices.push(notice);
        }
    }
    let mut pg = files.iter_mut().filter(|f| f.format.name() == "pgconf");
    let (Some(file), None) = (pg.next(), pg.next()) else {
        return;
    };
    if [file.base, file.live_tree()]
        .into_iter()
        .flatten()
        .any(has_includes)
    {
        return;
    }
    let version = t.group.version_of(file.path);
    if let Some(notice) = drop_explicit_defaults(file.format, file.path, version, &mut file.changes)
        && !out.notices.contains(&notice)
    {
        out.notices.push(notice);
    }
}

/// The version of the program that reads `f`, for its explicit defaults: its file entry's;
/// for a MariaDB option file no entry lists (read through an `!include`), that of the group's
/// entries of MariaDB files ([`version_in`]).
fn version_of<'t>(t: &'t Target, f: &Compared) -> Option<&'t str> {
    if f.format.name() != "mycnf" {
        return t.group.version_of(f.path);
    }
    version_in(t.group, f.path, f.format)
}

/// Drops from one file's changes the settings added or removed at their default. The caller
/// knows the file stands alone. A notice when a change might be an explicit default but no
/// table says (no version known, or none shipped for it).
pub(crate) fn drop_explicit_defaults(
    format: Format,
    path: &str,
    version: Option<&str>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    if format.name() != "pgconf" || !is_postgresql(path, version.is_some()) {
        return None;
    }
    let at_default = |table: &Table, c: &Change| {
        let side = match c.kind {
            Kind::Added => c.live.as_ref(),
            Kind::Removed => c.baseline.as_ref(),
            _ => None,
        };
        side.is_some_and(|e| defaults::is_default(table, &c.key, &e.value, setting_value))
    };
    let given = version.is_some();
    let version = version.or_else(|| defaults::postgresql_version_in_path(path));
    match table_for(&POSTGRESQL, path, version, |t| {
        changes.iter().any(|c| at_default(t, c))
    }) {
        Ok(table) => {
            let before = changes.len();
            changes.retain(|c| !at_default(table, c));
            judged_by(&POSTGRESQL, path, table, before - changes.len(), given)
        }
        Err(notice) => notice,
    }
}

/// The version of the program that reads `path` (in `format`): its file entry's; for a
/// MariaDB option file or an sshd_config file no entry lists (an `!include` or `Include` brought
/// it in), that of the group's entries read in the same format, its includer's.
pub(super) fn version_in<'g>(
    group: &'g crate::config::Group,
    path: &str,
    format: Format,
) -> Option<&'g str> {
    if !matches!(format.name(), "mycnf" | "sshd") || group.files.iter().any(|s| s.matches(path)) {
        return group.version_of(path);
    }
    group
        .files
        .iter()
        .filter(|s| s.format_for(&s.pattern).name() == format.name())
        .find_map(|s| s.version.as_deref())
}

/// The settings of `tree` (one side of `path`, read from `bytes`) the program refuses, with
/// their lines: only with the program's table (a version known and shipped); with none,
/// nothing is assumed.
pub(crate) fn refusals(
    format: Format,
    path: &str,
    version: Option<&str>,
    tree: &Tree,
    bytes: &[u8],
) -> Vec<(u32, String)> {
    if format.name() == "ssh" {
        return super::ssh_hosts::refusals(version, tree);
    }
    if format.name() == "pgbouncer" {
        return super::bouncer::refusals(path, version, tree);
    }
    if format.name() == "mycnf" {
        return super::mycnf::refusals(path, version, tree);
    }
    if format.name() == "sshd" {
        return super::sshd_refusals::refusals(version, bytes);
    }
    if format.name() != "pgconf" || !is_postgresql(path, version.is_some()) {
        return Vec::new();
    }
    let Some(table) = version
        .or_else(|| defaults::postgresql_version_in_path(path))
        .and_then(defaults::postgresql)
    else {
        return Vec::new();
    };
    tree.iter()
        .filter_map(|(key, e)| {
            defaults::refusal(table, key, &e.value).map(|why| {
                (
                    e.line,
                    format!("PostgreSQL {} refuses this line: {why}", table.version),
                )
            })
        })
        .collect()
}

/// The value a setting absent from `path` has: the program's default, when its table is known
/// (the version given, or named by the path).
pub(crate) fn default_entry(
    format: Format,
    path: &str,
    version: Option<&str>,
    key: &str,
) -> Option<crate::tree::Entry> {
    if format.name() == "sshd" {
        return sshd_default_entry(version?, key);
    }
    if format.name() == "mycnf" {
        return super::mycnf::default_entry(version?, key);
    }
    if format.name() == "redis" {
        return redis_default_entry(path, version?, key);
    }
    if format.name() == "pgbouncer" {
        return super::bouncer::default_entry(version?, key);
    }
    if format.name() != "pgconf" || !is_postgresql(path, version.is_some()) {
        return None;
    }
    let table = version
        .or_else(|| defaults::postgresql_version_in_path(path))
        .and_then(defaults::postgresql)?;
    let text = table.default_text(key)?;
    Some(crate::tree::Entry {
        value: setting_value(key, text),
        line: 0,
    })
}

/// Whether the program takes `key` but runs without it (sshd's keywords its build does not
/// support, `KerberosGetAFSToken` without AFS): a change of it changes nothing it runs with.
pub(crate) fn ignored(format: Format, version: Option<&str>, key: &str) -> bool {
    format.name() == "sshd"
        && version.and_then(defaults::openssh).is_some_and(|table| {
            let last = key.rsplit('.').next().unwrap_or(key);
            table.ignores(last.split('[').next().unwrap_or(last))
        })
}

/// sshd's compiled-in value of a keyword outside `Match` that takes one value, from the
/// table of OpenSSH `version`; none for a list (`Port`, `AcceptEnv`, ...) or without a table.
fn sshd_default_entry(version: &str, key: &str) -> Option<crate::tree::Entry> {
    if key.contains(['.', '[']) {
        return None;
    }
    let table = defaults::openssh(version)?;
    let text = table.default_text(key)?;
    if text.contains('\n') {
        return None;
    }
    Some(crate::tree::Entry {
        value: crate::normalize::sshd_value(key, text),
        line: 0,
    })
}

/// Redis's compiled-in value of a setting of a `redis.conf`, from the table of Redis
/// `version`, as the reader (and the includes' view, for `save`) keys it: a client class's
/// `client-output-buffer-limit` too; none for a list or a command's `rename-command`.
fn redis_default_entry(path: &str, version: &str, key: &str) -> Option<crate::tree::Entry> {
    if path.rsplit('/').next() != Some("redis.conf") || key.contains('[') {
        return None;
    }
    let table = defaults::redis(version)?;
    let value = match key.split_once('.') {
        None => crate::normalize::redis_value(key, table.default_text(key)?),
        Some(("client-output-buffer-limit", _)) => {
            let name = "client-output-buffer-limit";
            let line = format!("{name} {}\n", table.default_text(name)?);
            let doc = Format::from_name("redis")?.parse(line.as_bytes()).ok()?;
            doc.tree()?.get(key)?.value.clone()
        }
        Some(_) => return None,
    };
    Some(crate::tree::Entry { value, line: 0 })
}

/// Drops from an sshd_config's changes the keywords written out at sshd's default on one side
/// and absent on the other. Only in the main `sshd_config` (an included file is read before the
/// settings after its `Include`, and wins over them), only outside `Match` blocks, and only
/// where no `Include` follows the line (the first value obtained wins, so an included file read
/// later cannot override it, and one read earlier wins either way). The version must be given
/// (`version = "9.2"`, `--program-version 9.2`): sshd_config's path does not name it.
pub(crate) fn drop_sshd_defaults(
    path: &str,
    version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    if path.rsplit('/').next() != Some("sshd_config") {
        return None;
    }
    let keyword = |key: &str| key.split('[').next().unwrap_or(key).to_string();
    let candidates: Vec<String> = changes
        .iter()
        .filter(|c| matches!(c.kind, Kind::Added | Kind::Removed))
        .filter(|c| !c.key.starts_with("match.") && !c.key.starts_with("include"))
        .map(|c| keyword(&c.key))
        .collect();
    if candidates.is_empty() && changes.is_empty() {
        return None;
    }
    let last_include = |tree: Option<&Tree>| {
        tree.map_or(0, |t| {
            t.iter()
                .filter(|(k, _)| k.starts_with("include["))
                .map(|(_, e)| e.line)
                .max()
                .unwrap_or(0)
        })
    };
    let at_default = |table: &defaults::Table| {
        let mut drop = std::collections::BTreeSet::new();
        for kw in &candidates {
            let mine: Vec<&Change> = changes.iter().filter(|c| keyword(&c.key) == *kw).collect();
            // Every line of the keyword on one side only, all after the last Include.
            let added = mine.iter().all(|c| c.kind == Kind::Added);
            let removed = mine.iter().all(|c| c.kind == Kind::Removed);
            if !(added || removed) {
                continue;
            }
            let (tree, entries): (Option<&Tree>, Vec<&crate::tree::Entry>) = if added {
                (live, mine.iter().filter_map(|c| c.live.as_ref()).collect())
            } else {
                (
                    base,
                    mine.iter().filter_map(|c| c.baseline.as_ref()).collect(),
                )
            };
            let present = tree.map_or(0, |t| {
                t.iter()
                    .filter(|(k, _)| keyword(k) == *kw && !k.starts_with("match."))
                    .count()
            });
            if present != entries.len() || entries.iter().any(|e| e.line <= last_include(tree)) {
                continue;
            }
            let Some(default) = table.default_text(kw) else {
                continue;
            };
            let wanted: Vec<crate::tree::Value> = default
                .lines()
                .map(|d| crate::normalize::sshd_value(kw, d))
                .collect();
            let same = wanted.len() == entries.len()
                && wanted
                    .iter()
                    .zip(&entries)
                    .all(|(w, e)| *w == e.value || w.same(&e.value));
            if same {
                drop.insert(kw.clone());
            }
        }
        drop
    };
    match table_for(&OPENSSH, path, version, |t| !at_default(t).is_empty()) {
        Ok(table) => {
            let drop = at_default(table);
            let before = changes.len();
            changes.retain(|c| !drop.contains(&keyword(&c.key)) || c.key.starts_with("match."));
            let judged = judged_by(&OPENSSH, path, table, before - changes.len(), true);
            // Keywords this sshd takes but runs without: no change of what it runs with.
            let last = |key: &str| keyword(key.rsplit('.').next().unwrap_or(key));
            let before = changes.len();
            changes.retain(|c| !table.ignores(&last(&c.key)));
            let ignored = (changes.len() < before).then(|| {
                format!(
                    "{path}: OpenSSH {} takes but ignores some keywords changed here (not supported by its build), so they are no drift",
                    table.version
                )
            });
            match (judged, ignored) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            }
        }
        Err(notice) => notice,
    }
}

/// Drops from a redis.conf's changes the settings written out at the server's default on one
/// side and absent on the other: only in a file named `redis.conf` (sentinel.conf shares the
/// format, not the settings) with no `include` on either side (an included file may set the
/// value), not for settings that accumulate (`save`), with the version given (`version =
/// "7.0"`, `--program-version 7.0`).
pub(crate) fn drop_redis_defaults(
    path: &str,
    version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    if path.rsplit('/').next() != Some("redis.conf") {
        return None;
    }
    let includes = [base, live]
        .into_iter()
        .flatten()
        .any(|t| t.iter().any(|(k, _)| k.starts_with("include[")));
    if includes {
        return None;
    }
    let at_default = |table: &defaults::Table, c: &Change| {
        let side = match c.kind {
            Kind::Added => c.live.as_ref(),
            Kind::Removed => c.baseline.as_ref(),
            _ => None,
        };
        !c.key.contains('[')
            && side.is_some_and(|e| {
                table.default_text(&c.key).is_some_and(|d| {
                    let d = crate::normalize::redis_value(&c.key, d);
                    d == e.value || d.same(&e.value)
                })
            })
    };
    // `save` accumulates, and `save ""` starts again: the lines of one side, when the other
    // has none, are the default when what they add up to is.
    let save_at_default = |table: &defaults::Table| {
        let lines: Vec<&Change> = changes
            .iter()
            .filter(|c| c.key.starts_with("save["))
            .collect();
        let added = lines.iter().all(|c| c.kind == Kind::Added);
        let removed = lines.iter().all(|c| c.kind == Kind::Removed);
        let tree = if added { live } else { base };
        let all = tree.map_or(0, |t| {
            t.iter().filter(|(k, _)| k.starts_with("save[")).count()
        });
        if lines.is_empty() || !(added || removed) || all != lines.len() {
            return false;
        }
        let mut points: Vec<String> = Vec::new();
        for c in &lines {
            let e = if added { &c.live } else { &c.baseline };
            match e.as_ref().map(|e| e.value.to_string()) {
                Some(v) if v.is_empty() => points.clear(),
                Some(v) => points.push(v),
                None => return false,
            }
        }
        table.default_text("save") == Some(points.join(" ").as_str())
    };
    match table_for(&REDIS, path, version, |t| {
        changes.iter().any(|c| at_default(t, c))
    }) {
        Ok(table) => {
            let save = save_at_default(table);
            let before = changes.len();
            changes.retain(|c| !(at_default(table, c) || save && c.key.starts_with("save[")));
            judged_by(&REDIS, path, table, before - changes.len(), true)
        }
        Err(notice) => notice,
    }
}

/// Drops a php-fpm file's section headers' own changes (`%section[1]` added when a pool is
/// reopened): the keys say what they do, and the includes' view where an include stands.
pub(crate) fn drop_phpfpm_headers(
    _: &str,
    _: Option<&str>,
    _: Option<&Tree>,
    _: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    changes.retain(|c| !c.key.starts_with("%section["));
    None
}

/// Drops from a pgbouncer.ini's changes the `[pgbouncer]` keys written out at PgBouncer's
/// default on one side and absent on the other: only with no `%include` on either side (an
/// included file may set the key), with the version given (`version = "1.18"`,
/// `--program-version 1.18`).
pub(crate) fn drop_pgbouncer_defaults(
    path: &str,
    version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    // A header's own change is none: the keys say what it does (and the includes' view).
    changes.retain(|c| !c.key.starts_with("%section["));
    let includes = [base, live]
        .into_iter()
        .flatten()
        .any(|t| t.iter().any(|(k, _)| k.starts_with("%include[")));
    if includes {
        return None;
    }
    use super::bouncer::at_default;
    match table_for(&PGBOUNCER, path, version, |t| {
        changes.iter().any(|c| at_default(t, c))
    }) {
        Ok(table) => {
            let before = changes.len();
            changes.retain(|c| !at_default(table, c));
            judged_by(&PGBOUNCER, path, table, before - changes.len(), true)
        }
        Err(notice) => notice,
    }
}

/// One program whose tables confdrift ships: how its version is found and what is said when
/// no table applies.
struct Program {
    /// `PostgreSQL`.
    name: &'static str,
    /// The table's name in a notice (`defaults`, `sshd_config`).
    table: &'static str,
    /// How a user gives the version.
    hint: &'static str,
    /// What stays drift without a table (`a setting written out at its default`).
    stays: &'static str,
    lookup: fn(&str) -> Option<&'static Table>,
    shipped: &'static [&'static str],
}

const POSTGRESQL: Program = Program {
    name: "PostgreSQL",
    table: "defaults",
    hint: "`version = \"15\"` on its file or group, `--program-version 15` for diff, or a path like /etc/postgresql/15/main/",
    stays: "a setting written out at its default",
    lookup: defaults::postgresql,
    shipped: defaults::POSTGRESQL_VERSIONS,
};

const OPENSSH: Program = Program {
    name: "OpenSSH",
    table: "sshd_config",
    hint: "`version = \"9.2\"` on its file or group, `--program-version 9.2` for diff",
    stays: "a keyword written out at sshd's default",
    lookup: defaults::openssh,
    shipped: defaults::OPENSSH_VERSIONS,
};

const REDIS: Program = Program {
    name: "Redis",
    table: "redis.conf",
    hint: "`version = \"7.0\"` on its file or group, `--program-version 7.0` for diff",
    stays: "a setting written out at its default",
    lookup: defaults::redis,
    shipped: defaults::REDIS_VERSIONS,
};

const PGBOUNCER: Program = Program {
    name: "PgBouncer",
    table: "pgbouncer.ini",
    hint: "`version = \"1.18\"` on its file or group, `--program-version 1.18` for diff",
    stays: "a key written out at its default",
    lookup: defaults::pgbouncer,
    shipped: defaults::PGBOUNCER_VERSIONS,
};

/// The table of `version`; else, when `matters` says a change would be a default in a shipped
/// table, the notice saying why it stays drift (no version known, or no table for it).
fn table_for(
    p: &Program,
    path: &str,
    version: Option<&str>,
    matters: impl Fn(&Table) -> bool,
) -> Result<&'static Table, Option<String>> {
    if let Some(table) = version.and_then(p.lookup) {
        return Ok(table);
    }
    if !p.shipped.iter().filter_map(|v| (p.lookup)(v)).any(matters) {
        return Err(None);
    }
    let (name, stays) = (p.name, p.stays);
    Err(Some(match version {
        None => format!(
            "{path}: no {name} version known ({}), so {stays} counts as drift",
            p.hint
        ),
        Some(v) => format!(
            "{path}: no {} table for {name} {v} (confdrift has {}), so {stays} counts as drift",
            p.table,
            p.shipped.join(", ")
        ),
    }))
}

/// The notice naming the table that found `n` changes written out at the program's default (and
/// so dropped them): which program version's table, the build it was generated from, and
/// whether the version was given or read from the path.
fn judged_by(p: &Program, path: &str, table: &Table, n: usize, given: bool) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{path}: {n} {} at the default of {} {}, so no drift (confdrift's {} table for {} {}, from {}; the version {})",
            if n == 1 { "change writes a setting out" } else { "changes write settings out" },
            p.name,
            table.version,
            p.table,
            p.name,
            table.version,
            table.source,
            if given { "given" } else { "read from the path" }
        )
    })
}

/// PostgreSQL's own files: `pgpool.conf` shares the format, not the settings.
fn is_postgresql(path: &str, version_given: bool) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    version_given || matches!(name, "postgresql.conf" | "postgresql.auto.conf")
}

//! PgBouncer's running configuration (its admin console's `SHOW CONFIG` and `SHOW DATABASES`)
//! against its files. The file side is the entry file (`pgbouncer.ini`) read through its
//! `%include`s as PgBouncer reads it, with the defaults of the group's version (else the
//! server's own) where no file sets a `[pgbouncer]` key; both sides in the one normal form of
//! confdrift's pgbouncer.ini reader (`0777` is 511, `Transaction` is `transaction`, times in
//! seconds).
//!
//! PgBouncer does not say where a value came from; what it does say (`changeable`) and the
//! baseline tell the kinds apart:
//! - `not_applied`: a key that is not changeable (it applies at start only) runs another value
//!   than the files give: restart needed; a changeable key whose files changed since the
//!   baseline: reload needed (`RELOAD` on the console, or SIGHUP); a `[databases]` entry the
//!   server runs otherwise (or not at all, or one no file has): reload needed (the console
//!   cannot change them);
//! - `runtime_only`: any other difference: the server runs a value `SET` on the console.
//!
//! Per database, SHOW DATABASES's columns are compared with the entry's parameters: `host`,
//! `port` (5432), `dbname` (the entry's name), `user`, `pool_mode` (when the entry sets it),
//! and the pool sizes (`pool_size`, `min_pool_size`, `reserve_pool`, `max_db_connections`),
//! which when the entry does not set them are the server's running `[pgbouncer]` values (a
//! difference there is found once, on the `[pgbouncer]` key). The admin console's own
//! database `pgbouncer` is not compared, nor the databases a `*` entry makes on demand.

use super::super::{HostResult, Target};
use super::{Compared, note, same, words};
use crate::collect::running::pgbouncer::database_key;
use crate::collect::running::{Running, RunningSpec};
use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::ReadThrough;
use crate::normalize::pgbouncer_includes;
use crate::normalize::{Format, pgbouncer_entry_pairs, pgbouncer_value};
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The console's own keys: the file it read, not a setting a file gives.
const NOT_SETTINGS: &[&str] = &["conffile"];

/// The `[pgbouncer]` key a database's pool size falls back to.
const FALLBACK: &[(&str, &str)] = &[
    ("pool_size", "default_pool_size"),
    ("min_pool_size", "min_pool_size"),
    ("reserve_pool", "reserve_pool_size"),
    ("max_db_connections", "max_db_connections"),
];

/// A `[databases]` entry: its tree key and parameters (none for `*`, or one pgbouncer refuses).
type Entry = (String, Option<BTreeMap<&'static str, String>>);

const RELOAD: &str = "reload needed (RELOAD on the console, or SIGHUP)";
const RESTART: &str = "restart needed";

/// What one comparison knows.
struct Ctx<'a> {
    t: &'a Target<'a>,
    spec: &'a RunningSpec,
    format: Format,
    base: Option<ReadThrough>,
    live: ReadThrough,
    table: Option<&'static Table>,
}

/// Compares the server `spec` names with the host's files; findings and notices into `out`.
pub(super) fn compare(
    t: &Target,
    spec: &RunningSpec,
    running: &Running,
    compared: &[Compared],
    out: &mut HostResult,
) {
    let side = |live: bool| {
        super::read_side(
            compared,
            "pgbouncer",
            &spec.file,
            live,
            |root, lookup, paths| pgbouncer_includes::read_through(&spec.file, root, lookup, paths),
        )
    };
    let format = t.group.format_of(&spec.file);
    if format.name() != "pgbouncer" {
        note(
            out,
            format!(
                "{}: read as {}, not as a pgbouncer.ini: the running pgbouncer is not compared with it",
                spec.file,
                format.name()
            ),
        );
        return;
    }
    let Some(live) = side(true) else {
        return; // the file could not be read: its trouble is reported already
    };
    let table = super::table_for(
        t,
        spec,
        running,
        &super::Tables {
            program: "PgBouncer",
            file: "pgbouncer.ini",
            what: "keys",
            lookup: defaults::pgbouncer,
            shipped: defaults::PGBOUNCER_VERSIONS,
        },
        out,
    );
    let ctx = Ctx {
        t,
        spec,
        format,
        base: side(false),
        live,
        table,
    };
    for (name, s) in &running.settings {
        if name.starts_with("databases.") || NOT_SETTINGS.contains(&name.as_str()) {
            continue;
        }
        let runs = pgbouncer_value(name, &s.value);
        if let Some(f) = ctx.judge(name, runs, s.context == "yes") {
            out.findings.push(f);
        }
    }
    out.findings.extend(ctx.databases(running));
}

impl Ctx<'_> {
    /// The server's default for `name`, in the reader's form.
    fn default(&self, name: &str) -> Option<Value> {
        Some(pgbouncer_value(name, self.table?.default_text(name)?))
    }

    /// What a side's files give for `[pgbouncer]` key `name` (its default when none sets it).
    fn gives(&self, side: &ReadThrough, name: &str) -> Option<Value> {
        side.tree
            .get(&format!("pgbouncer.{name}"))
            .map(|e| e.value.clone())
            .or_else(|| self.default(name))
    }

    /// The finding, if any, for `[pgbouncer]` key `name` that the server runs as `runs`.
    fn judge(&self, name: &str, runs: Value, changeable: bool) -> Option<Finding> {
        let key = format!("pgbouncer.{name}");
        let set = self.live.tree.get(&key);
        let file_value = self.gives(&self.live, name)?;
        if same(&file_value, &runs) {
            return None;
        }
        let base = self.base.as_ref().map(|b| self.gives(b, name));
        let secret = secret::is_secret_key(self.format, &key);
        let shown_file = match set {
            _ if secret => secret::REDACTED.to_string(),
            Some(_) => words(&file_value),
            None => format!("{} (the default: no file sets it)", words(&file_value)),
        };
        let shown_running = if secret {
            secret::REDACTED.to_string()
        } else {
            words(&runs)
        };
        let edited = matches!(&base, Some(b) if !b.as_ref().is_some_and(|b| same(b, &file_value)));
        let (kind, message) = if !changeable {
            (
                Kind::NotApplied,
                format!(
                    "the files give {shown_file}, the server runs {shown_running}: {RESTART} (pgbouncer reads this key at start only)"
                ),
            )
        } else if edited {
            (
                Kind::NotApplied,
                format!(
                    "the files give {shown_file} (changed since the baseline), the server runs {shown_running}: {RELOAD}"
                ),
            )
        } else {
            (
                Kind::RuntimeOnly,
                format!(
                    "the server runs {shown_running}, set on the admin console (SET, no RELOAD since); the files give {shown_file}"
                ),
            )
        };
        let at = self.place(&key, set.map(|e| e.line));
        Some(self.finding(
            kind,
            &key,
            at,
            (Some(file_value), Some(runs)),
            message,
            "SHOW CONFIG",
        ))
    }

    /// Where a key's finding is placed: the file and line that set it, else the entry file.
    fn place<'s>(&'s self, key: &str, line: Option<u32>) -> (&'s str, Option<u32>) {
        match line {
            Some(l) => (
                self.live
                    .from
                    .get(key)
                    .map_or(self.spec.file.as_str(), String::as_str),
                Some(l),
            ),
            None => (self.spec.file.as_str(), None),
        }
    }

    /// The `[databases]` entries of a side: name → (tree key, parameters); `None` for `*`.
    fn entries(side: &ReadThrough) -> BTreeMap<String, Entry> {
        side.tree
            .iter()
            .filter_map(|(k, e)| {
                let name = k.strip_prefix("databases.")?.trim_matches('"').to_string();
                let pairs = (name != "*")
                    .then(|| pgbouncer_entry_pairs("databases", &name, &e.value.to_string()).ok())
                    .flatten();
                Some((name, (k.to_string(), pairs)))
            })
            .collect()
    }

    /// The findings of SHOW DATABASES against the `[databases]` entries.
    fn databases(&self, running: &Running) -> Vec<Finding> {
        let mut shown: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
        for (k, s) in &running.settings {
            if let Some((db, parameter)) = database_key(k) {
                shown
                    .entry(db)
                    .or_default()
                    .insert(parameter, s.value.as_str());
            }
        }
        shown.remove("pgbouncer");
        let live = Self::entries(&self.live);
        let fallback_db = live.contains_key("*");
        let mut out = Vec::new();
        let names: BTreeSet<&str> = live
            .keys()
            .map(String::as_str)
            .chain(shown.keys().copied())
            .filter(|n| *n != "*")
            .collect();
        for name in names {
            let entry = live.get(name);
            let runs = shown.get(name);
            let tree_key = entry.map_or_else(|| format!("databases.{name}"), |(k, _)| k.clone());
            let line = entry
                .and_then(|(k, _)| self.live.tree.get(k))
                .map(|e| e.line);
            let at = self.place(&tree_key, line);
            match (entry, runs) {
                (Some(_), None) => out.push(self.finding(
                    Kind::NotApplied,
                    &tree_key,
                    at,
                    (self.live.tree.get(&tree_key).map(|e| e.value.clone()), None),
                    format!(
                        "the files give database {name:?}, the server does not run it: {RELOAD}"
                    ),
                    "SHOW DATABASES",
                )),
                (None, Some(_)) if fallback_db => {}
                (None, Some(_)) => out.push(self.finding(
                    Kind::NotApplied,
                    &tree_key,
                    at,
                    (None, Some(Value::text(name))),
                    format!("the server runs database {name:?}, which no file gives: {RELOAD}"),
                    "SHOW DATABASES",
                )),
                (Some((_, Some(pairs))), Some(runs)) => {
                    for (parameter, value) in runs {
                        let Some(want) = self.expected(name, pairs, parameter, running) else {
                            continue;
                        };
                        if want == *value {
                            continue;
                        }
                        let key = format!("{tree_key}.{parameter}");
                        let shown = |v: &str| {
                            if v.is_empty() {
                                "''".to_string()
                            } else {
                                v.to_string()
                            }
                        };
                        out.push(self.finding(
                            Kind::NotApplied,
                            &key,
                            at,
                            (Some(Value::text(&want)), Some(Value::text(*value))),
                            format!(
                                "the files give {parameter}={} for database {name:?}, the server runs {}: {RELOAD}",
                                shown(&want),
                                shown(value)
                            ),
                            "SHOW DATABASES",
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// What the entry `pairs` of database `name` gives for `parameter`, as SHOW DATABASES
    /// shows it; `None` when not compared.
    fn expected(
        &self,
        name: &str,
        pairs: &BTreeMap<&'static str, String>,
        parameter: &str,
        running: &Running,
    ) -> Option<String> {
        if let Some(v) = pairs.get(parameter) {
            return Some(v.clone());
        }
        match parameter {
            "host" | "user" => Some(String::new()),
            "port" => Some("5432".to_string()),
            "dbname" => Some(name.to_string()),
            _ => {
                let (_, global) = FALLBACK.iter().find(|(p, _)| *p == parameter)?;
                running.settings.get(*global).map(|s| s.value.clone())
            }
        }
    }

    /// A finding of `kind` on `key`, placed at (file, line), with the file's and the running
    /// value: the baseline's value beside them, every value redacted for a secret key.
    fn finding(
        &self,
        kind: Kind,
        key: &str,
        (file, line): (&str, Option<u32>),
        (file_value, running): (Option<Value>, Option<Value>),
        message: String,
        source: &str,
    ) -> Finding {
        let entry = self.base.as_ref().and_then(|b| b.tree.get(key));
        let base_file = entry.and_then(|_| {
            let from = self
                .base
                .as_ref()?
                .from
                .get(key)
                .map_or(self.spec.file.as_str(), String::as_str);
            self.t.expected.get(from).map(|b| b.source.clone())
        });
        let hide = |v: Value| {
            if secret::is_secret_key(self.format, key) {
                secret::redact(self.format, key, &v)
            } else {
                v
            }
        };
        Finding {
            host: Some(self.t.host.to_string()),
            group: Some(self.t.group.name.clone()),
            file: file.to_string(),
            key: Some(key.to_string()),
            kind,
            severity: Severity::Warning,
            baseline: entry.map(|e| hide(e.value.clone())),
            baseline_line: entry.map(|e| e.line),
            baseline_source: base_file,
            line,
            message,
            file_value: file_value.map(hide),
            running: running.map(hide),
            source: Some(source.to_string()),
            ..Finding::default()
        }
    }
}

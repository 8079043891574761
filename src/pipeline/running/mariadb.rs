//! MariaDB's running configuration against its option files. The file side is what mariadbd
//! runs with when it reads the entry file (`/etc/mysql/my.cnf`) through its `!include` and
//! `!includedir` ([`crate::normalize::mycnf_includes`]), each option read as the server reads
//! it ([`crate::normalize::mycnf_values`]: `-` and `_`, `1G` = `1073741824`, `ON`/`1`, enum
//! spellings), with the defaults of the group's version (else the server's own). The running
//! value is read the same way, so both sides are in one form.
//!
//! - `runtime_only`: the server runs another value than the files give, set outside them:
//!   `SET GLOBAL` (origin `SQL`) or the server's command line (`COMMAND-LINE`).
//! - `not_applied`: the server runs another value than the files give, and took it from an
//!   option file (`CONFIG`) or its default (`COMPILE-TIME`, where a file sets it): the files
//!   changed since it started. A `READ_ONLY` variable needs a restart; a dynamic one a restart
//!   or `SET GLOBAL`.
//!
//! Values the server computes (`AUTO`, `ENVIRONMENT` origins), variables that are no option of
//! the version's table, and a compiled-in default no file sets (it may depend on the machine)
//! are never findings. MariaDB has no view of lines it refused (it refuses to start instead):
//! no `rejected` here.

use super::super::mycnf::default_entry;
use super::super::{HostResult, Target};
use super::{Compared, note};
use crate::collect::running::{Running, RunningSetting, RunningSpec, mariadb::major};
use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::ReadThrough;
use crate::normalize::mycnf_includes;
use crate::normalize::mycnf_values::{Reading, read};
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::Value;

/// Compares the server `spec` names with the host's files; findings and notices into `out`.
pub(super) fn compare(
    t: &Target,
    spec: &RunningSpec,
    running: &Running,
    compared: &[Compared],
    out: &mut HostResult,
) {
    let server = major(running.version_num);
    let given = t.group.version_of(&spec.file).map(str::to_string);
    if let Some(v) = &given
        && *v != server
    {
        note(
            out,
            format!(
                "{}: the files are read as MariaDB {v}'s, and the server runs {server}",
                spec.file
            ),
        );
    }
    let version = given.unwrap_or(server);
    let Some(table) = defaults::mariadb(&version) else {
        note(
            out,
            format!(
                "{}: no option table for MariaDB {version} (confdrift has {}): what the server runs is not compared with the files",
                spec.file,
                defaults::MARIADB_VERSIONS.join(", ")
            ),
        );
        return;
    };
    let side = |live: bool| {
        super::read_side(
            compared,
            "mycnf",
            &spec.file,
            live,
            |root, lookup, paths| {
                mycnf_includes::read_through(&spec.file, root, lookup, paths, Some(&version))
            },
        )
    };
    let Some(live) = side(true) else {
        return; // the file could not be read: its trouble is reported already
    };
    let ctx = Ctx {
        t,
        spec,
        table,
        version: &version,
        base: side(false),
        live,
    };
    for (name, s) in &running.settings {
        if let Some(f) = ctx.judge(name, s) {
            out.findings.push(f);
        }
    }
}

struct Ctx<'a> {
    t: &'a Target<'a>,
    spec: &'a RunningSpec,
    table: &'static Table,
    version: &'a str,
    base: Option<ReadThrough>,
    live: ReadThrough,
}

/// Values the server reads alike: the same, or the same directory with and without its
/// trailing `/` (the server prints `datadir` as `/var/lib/mysql/`).
fn same(a: &str, b: &str) -> bool {
    a == b || (a.starts_with('/') && a.trim_end_matches('/') == b.trim_end_matches('/'))
}

/// Where the server says a value came from; `default` is whether it runs the version's
/// default. MariaDB 10.11 tracks no origin for some variables set at start
/// (`character_set_server` from an option file says `COMPILE-TIME`): another value than the
/// default is said to be read at start.
fn source_words(s: &RunningSetting, default: bool) -> String {
    match s.source.as_str() {
        "SQL" => "SET GLOBAL".to_string(),
        "COMMAND-LINE" => "command line".to_string(),
        "CONFIG" => "option file, read at start".to_string(),
        "COMPILE-TIME" if default => "compiled-in default".to_string(),
        "COMPILE-TIME" => "option file or command line, read at start".to_string(),
        other => other.to_lowercase(),
    }
}

impl Ctx<'_> {
    /// The finding, if any, for variable `name` as the server runs it.
    fn judge(&self, name: &str, s: &RunningSetting) -> Option<Finding> {
        if !matches!(
            s.source.as_str(),
            "SQL" | "COMMAND-LINE" | "CONFIG" | "COMPILE-TIME"
        ) || self.table.vartype(name).is_none()
        {
            return None;
        }
        let Reading::Sets(option, runs) = read(self.table, name, &Value::text(s.value.as_str()))
        else {
            return None;
        };
        let set = self.live.tree.get(option);
        let default = default_entry(self.version, option).map(|e| e.value.to_string());
        let source = source_words(s, default.as_deref().is_some_and(|d| same(d, &runs)));
        let file_value = match set {
            Some(e) => Some(e.value.to_string()),
            None => default,
        };
        if file_value.as_deref().is_some_and(|f| same(f, &runs)) {
            return None;
        }
        let kind = match s.source.as_str() {
            "SQL" | "COMMAND-LINE" => Kind::RuntimeOnly,
            "CONFIG" => Kind::NotApplied,
            // A compiled-in default no file sets: the table's may be another machine's.
            _ if set.is_none() => return None,
            _ => Kind::NotApplied,
        };
        let secret = secret::is_secret_key(self.t.group.format_of(&self.spec.file), option);
        let shown = |v: &str| {
            if secret {
                secret::REDACTED.to_string()
            } else if v.is_empty() {
                "''".to_string()
            } else {
                v.to_string()
            }
        };
        let shown_file = match (&file_value, set) {
            (Some(v), Some(_)) => shown(v),
            (Some(v), None) => format!("{} (the default: no file sets it)", shown(v)),
            (None, _) => "the default (no file sets it)".to_string(),
        };
        let message = if kind == Kind::RuntimeOnly {
            format!(
                "the server runs {}, set outside the collected files ({}); the files give {shown_file}",
                shown(&runs),
                source
            )
        } else {
            let needs = if s.context == "read-only" {
                "restart needed: the server reads it at start only".to_string()
            } else {
                let to = match &file_value {
                    Some(v) if !secret && set.is_some() => v.clone(),
                    _ => "DEFAULT".to_string(),
                };
                format!("restart needed, or SET GLOBAL {option} = {to} (a dynamic variable)")
            };
            format!(
                "the files give {shown_file}, the server runs {}: {needs}",
                shown(&runs)
            )
        };
        let at = match set {
            Some(e) => (
                self.live
                    .from
                    .get(option)
                    .map_or(self.spec.file.clone(), String::clone),
                Some(e.line),
            ),
            None => (self.spec.file.clone(), None),
        };
        let base = self.base.as_ref();
        let entry = base.and_then(|b| b.tree.get(option));
        let base_file = entry.and_then(|_| {
            let from = base?
                .from
                .get(option)
                .map_or(self.spec.file.as_str(), String::as_str);
            self.t.expected.get(from).map(|b| b.source.clone())
        });
        let hide = |v: Value| {
            if secret {
                Value::text(secret::REDACTED)
            } else {
                v
            }
        };
        Some(Finding {
            host: Some(self.t.host.to_string()),
            group: Some(self.t.group.name.clone()),
            file: at.0,
            key: Some(option.to_string()),
            kind,
            severity: Severity::Warning,
            baseline: entry.map(|e| hide(e.value.clone())),
            baseline_line: entry.map(|e| e.line),
            baseline_source: base_file,
            line: at.1,
            message,
            file_value: file_value.map(|v| hide(Value::text(v))),
            running: Some(hide(Value::text(runs))),
            source: Some(source),
            ..Finding::default()
        })
    }
}

//! Redis's running configuration (`CONFIG GET *`) against its files. The file side is the
//! entry file (`redis.conf`) read through its includes as Redis reads it (the last line wins,
//! `save` points folded into one value), with the defaults of the group's version (else the
//! server's own) where no file sets a setting; both sides are read in the one normal form of
//! confdrift's redis.conf reader: `1gb` is `1073741824`, `YES` is `yes`, `slave-read-only` is
//! `replica-read-only`, `client-output-buffer-limit` is one value per client class.
//!
//! Redis reads its files at start only (it has no reload) and does not say where a value came
//! from, so the baseline tells the two kinds apart:
//! - `not_applied`: the files changed since the baseline and the server still runs the
//!   baseline's value: restart needed, or `CONFIG SET`;
//! - `runtime_only`: any other difference: the server runs a value that is in no file
//!   (`CONFIG SET` without `CONFIG REWRITE`, or the command line).
//!
//! Never findings: `daemonize` and `supervised` (service managers set them on the command
//! line: Debian's unit runs `redis-server redis.conf --supervised systemd --daemonize no`), a
//! relative `dir` (the server shows the directory it resolved), the old names `CONFIG GET`
//! lists beside the new ones, and settings whose default is unknown when no file sets them.

use super::super::{HostResult, Target};
use super::{Compared, note, same, words};
use crate::collect::running::{Running, RunningSpec};
use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::ReadThrough;
use crate::normalize::{Format, redis_includes, redis_value};
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::Value;

/// Set by the service manager on the command line, whatever the file says.
const START_UP: &[&str] = &["daemonize", "supervised"];

/// The setting kept per client class.
const CLASSES: &str = "client-output-buffer-limit";

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
            "redis",
            &spec.file,
            live,
            |root, lookup, paths| redis_includes::read_through(&spec.file, root, lookup, paths),
        )
    };
    let format = t.group.format_of(&spec.file);
    if format.name() != "redis" {
        note(
            out,
            format!(
                "{}: read as {}, not as a redis.conf: the running redis server is not compared with it",
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
            program: "Redis",
            file: "redis.conf",
            what: "settings",
            lookup: defaults::redis,
            shipped: defaults::REDIS_VERSIONS,
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
    let spellings = defaults::redis_spellings();
    for (name, s) in &running.settings {
        if spellings.alias(name).is_some() || START_UP.contains(&name.as_str()) {
            continue;
        }
        if name == CLASSES {
            for (key, runs) in classes(&s.value) {
                if let Some(f) = ctx.judge(&key, runs) {
                    out.findings.push(f);
                }
            }
            continue;
        }
        if let Some(f) = ctx.judge(name, redis_value(name, &s.value)) {
            out.findings.push(f);
        }
    }
}

/// `client-output-buffer-limit` as `CONFIG GET` prints it (`normal 0 0 0 slave ...`), per
/// class as the reader keys a line of it (`client-output-buffer-limit.replica`).
fn classes(value: &str) -> Vec<(String, Value)> {
    let line = format!("{CLASSES} {value}\n");
    let Some(doc) = Format::from_name("redis").and_then(|f| f.parse(line.as_bytes()).ok()) else {
        return Vec::new();
    };
    doc.tree()
        .map(|t| {
            t.iter()
                .map(|(k, e)| (k.to_string(), e.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

impl Ctx<'_> {
    /// The server's default for `key`, in the reader's form.
    fn default(&self, key: &str) -> Option<Value> {
        let table = self.table?;
        match key.split_once('.') {
            None => Some(redis_value(key, table.default_text(key)?)),
            Some((CLASSES, _)) => classes(table.default_text(CLASSES)?)
                .into_iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v),
            Some(_) => None,
        }
    }

    /// The finding, if any, for `key` that the server runs as `runs`.
    fn judge(&self, key: &str, runs: Value) -> Option<Finding> {
        let set = self.live.tree.get(key);
        let file_value = set.map(|e| e.value.clone()).or_else(|| self.default(key))?;
        if same(&file_value, &runs) {
            return None;
        }
        if key == "dir" && !file_value.to_string().starts_with('/') {
            return None; // the server shows the directory it resolved
        }
        let base = self.base.as_ref().map(|b| {
            b.tree
                .get(key)
                .map(|e| e.value.clone())
                .or_else(|| self.default(key))
        });
        let at = match set {
            Some(e) => (
                self.live
                    .from
                    .get(key)
                    .map_or(self.spec.file.as_str(), String::as_str),
                Some(e.line),
            ),
            None => (self.spec.file.as_str(), None),
        };
        let secret = secret::is_secret_key(self.format, key);
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
        let edited = matches!(&base, Some(Some(b)) if same(b, &runs) && !same(b, &file_value));
        let (kind, message) = if edited {
            (
                Kind::NotApplied,
                format!(
                    "the files give {shown_file}, the server runs {shown_running} (the baseline's value): restart needed, or CONFIG SET (Redis reads its files at start only; it has no reload)"
                ),
            )
        } else {
            (
                Kind::RuntimeOnly,
                format!(
                    "the server runs {shown_running}, set outside the files (CONFIG SET without CONFIG REWRITE, or the command line); the files give {shown_file}"
                ),
            )
        };
        Some(self.finding(kind, key, at, (file_value, runs), message))
    }

    /// A finding of `kind` on `key`, placed at (file, line), with the file's and the running
    /// value: the baseline's value beside them, every value redacted for a secret key.
    fn finding(
        &self,
        kind: Kind,
        key: &str,
        (file, line): (&str, Option<u32>),
        (file_value, running): (Value, Value),
        message: String,
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
            file_value: Some(hide(file_value)),
            running: Some(hide(running)),
            source: Some("CONFIG GET".to_string()),
            ..Finding::default()
        }
    }
}

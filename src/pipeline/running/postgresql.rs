//! PostgreSQL's running configuration against its files. The file side is the entry file
//! (`postgresql.conf`) read through its includes and the `postgresql.auto.conf` collected
//! beside it, as the server reads them, with the defaults of the group's version (else the
//! server's own); values are compared in one form (`pg_settings` gives `16384` in `8kB` pages
//! where the file says `128MB`).
//!
//! - `rejected`: a line `pg_file_settings` reports an error for (a syntax error, an unknown
//!   setting, a value the server refuses), except the error a valid new value of a setting
//!   that needs a restart also gets there ("setting could not be applied"): that is
//!   `not_applied`.
//! - `not_applied`: the server runs another value than the files give, and got it from a
//!   collected file or its default: the files changed since the last reload (`sighup`,
//!   `user`, ... settings: "reload needed") or since the start (`postmaster` settings, or
//!   `pending_restart`: "restart needed").
//! - `runtime_only`: the server runs another value than the files give, set outside them: the
//!   command line, an environment variable, `ALTER DATABASE`/`ALTER ROLE ... SET` (as seen by
//!   the role and database confdrift connects to), or a configuration file confdrift did not
//!   collect (a `postgresql.auto.conf` it could not read: `ALTER SYSTEM`).
//!
//! Values the server computes (`client`, `session`, `override` sources; `internal` settings
//! such as `server_version`) are never findings, nor those `pg_settings` does not show as set
//! (the TCP keepalive settings show the connection's socket; `archive_command` shows
//! `(disabled)` while archiving is off).

use super::super::{HostResult, Target};
use super::{Compared, note, same, words};
use crate::collect::running::{Running, RunningSetting, RunningSpec};
use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::{self, ReadThrough};
use crate::normalize::{Format, running_value, setting_value};
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::Value;
use std::collections::BTreeSet;

/// The error `pg_file_settings` gives a line whose value the server cannot take now: a value
/// it refuses, or a new value of a setting that needs a restart.
const NOT_APPLIED_ERROR: &str = "setting could not be applied";

/// Sources whose values the server sets itself, or the session does: never a finding.
const COMPUTED: &[&str] = &["client", "session", "override", "interactive", "test"];

/// Settings whose `pg_settings` value is the connection's own socket (their show hooks ask
/// the socket: 0 on a unix socket, the system's value over TCP when unset), not the setting.
const PER_CONNECTION: &[&str] = &[
    "tcp_keepalives_idle",
    "tcp_keepalives_interval",
    "tcp_keepalives_count",
    "tcp_user_timeout",
];

/// Whether the server shows something else than the setting's value: the connection's socket
/// ([`PER_CONNECTION`]), or `archive_command` while archiving is off (its show hook says
/// `(disabled)`, whatever the command).
fn not_shown(name: &str, s: &RunningSetting) -> bool {
    PER_CONNECTION.contains(&name) || (name == "archive_command" && s.value == "(disabled)")
}

/// What one comparison knows.
struct Ctx<'a> {
    t: &'a Target<'a>,
    spec: &'a RunningSpec,
    format: Format,
    base: Option<ReadThrough>,
    live: Option<ReadThrough>,
    table: Option<&'static Table>,
    /// A reload now would be refused: (file, line) of the error that makes the server refuse
    /// the whole of its files.
    blocked: Option<(String, u32)>,
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
            "pgconf",
            &spec.file,
            live,
            |root, lookup, paths| includes::read_through(&spec.file, root, lookup, paths),
        )
    };
    let given = t
        .group
        .version_of(&spec.file)
        .map(str::to_string)
        .or_else(|| defaults::postgresql_version_in_path(&spec.file).map(str::to_string));
    let major = running.major();
    if let Some(v) = &given
        && v.split('.').next() != Some(major.as_str())
    {
        note(
            out,
            format!(
                "{}: the files are read as PostgreSQL {v}'s, and the server runs {major}",
                spec.file
            ),
        );
    }
    if let Some(cf) = running.settings.get("config_file")
        && !cf.value.is_empty()
        && cf.value != spec.file
    {
        note(
            out,
            format!(
                "{}: the server ({}) reads {} as its main file",
                spec.file,
                spec.connect_for(t.host),
                cf.value
            ),
        );
    }
    let mut ctx = Ctx {
        t,
        spec,
        format: t.group.format_of(&spec.file),
        base: side(false),
        live: side(true),
        table: defaults::postgresql(given.as_deref().unwrap_or(&major)),
        blocked: None,
    };
    let rejected = rejected(&mut ctx, running, &mut out.findings);
    if ctx.live.is_none() {
        return; // the file could not be read: its trouble is reported already
    }
    let mut unseen = 0;
    for (name, s) in &running.settings {
        if rejected.contains(name.as_str())
            || COMPUTED.contains(&s.source.as_str())
            || s.context == "internal"
            || not_shown(name, s)
        {
            continue;
        }
        if s.source == "configuration file" && s.file.is_none() {
            unseen += 1;
        }
        if let Some(f) = judge(&ctx, name, s) {
            out.findings.push(f);
        }
    }
    if unseen > 0 {
        note(
            out,
            format!(
                "{}: the role confdrift connects as ({}) cannot see which file sets what (pg_settings.sourcefile): {unseen} settings from files are taken to come from the collected ones (GRANT pg_read_all_settings TO the role)",
                spec.file,
                spec.connect_for(t.host)
            ),
        );
    }
}

/// The `rejected` findings; the names of the settings they are about.
fn rejected(ctx: &mut Ctx, running: &Running, out: &mut Vec<Finding>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Some(lines) = &running.file_settings else {
        return names;
    };
    // Errors that make the server refuse all of its files: a syntax error, an unknown setting
    // (PostgreSQL's "no changes were applied"); a bad value refuses that line only.
    ctx.blocked = lines
        .iter()
        .find(|l| {
            l.error
                .as_deref()
                .is_some_and(|e| l.name.is_none() || e.starts_with("unrecognized"))
        })
        .map(|l| (l.file.clone(), l.line));
    for l in lines {
        let Some(error) = &l.error else { continue };
        let Some(name) = &l.name else {
            out.push(ctx.finding(
                Kind::Rejected,
                None,
                (&l.file, Some(l.line)),
                (None, None, None),
                format!(
                    "the server refuses this file at line {}: {error}; no change in its files applies until that is fixed",
                    l.line
                ),
            ));
            continue;
        };
        let s = running.settings.get(name);
        let value = l.value.as_deref().map(|v| setting_value(name, v));
        let why = match (ctx.table, &value) {
            (Some(t), Some(v)) => defaults::refusal(t, name, v),
            _ => None,
        };
        // A valid new value of a setting read at start only: pending a restart, not refused.
        if error == NOT_APPLIED_ERROR
            && s.is_some_and(|s| s.context == "postmaster")
            && ctx
                .table
                .map_or(s.is_some_and(|s| s.pending_restart), |_| why.is_none())
        {
            continue;
        }
        names.insert(name.clone());
        let secret = ctx.secret(name);
        let mut message = format!("the server refuses this line: {error}");
        if let Some(why) = why.filter(|w| !secret && !w.contains(error.as_str())) {
            message.push_str(&format!(" ({why})"));
        }
        if ctx.blocked.as_ref() == Some(&(l.file.clone(), l.line)) {
            message.push_str("; no change in its files applies until that is fixed");
        }
        if let Some(s) = s.filter(|_| !secret) {
            message.push_str(&format!("; it runs {}", shown(name, s)));
        }
        out.push(ctx.finding(
            Kind::Rejected,
            Some(name),
            (&l.file, Some(l.line)),
            (value, s.map(|s| running_of(name, s)), s.map(source_words)),
            message,
        ));
    }
    names
}

/// The finding, if any, for setting `name` as the server runs it.
fn judge(ctx: &Ctx, name: &str, s: &RunningSetting) -> Option<Finding> {
    let live = ctx.live.as_ref()?;
    let set = live.tree.get(name);
    // The default as the table prints it (in the base unit), shown as the server shows it.
    let default = || Some(running_value(name, ctx.table?.default_text(name)?, &s.unit));
    let file_value = set.map(|e| e.value.clone()).or_else(default);
    let runs = running_of(name, s);
    let same = file_value.as_ref().is_some_and(|f| same(f, &runs));
    if same {
        return None;
    }
    let setter = set.map(|e| {
        let file = live
            .from
            .get(name)
            .map_or(ctx.spec.file.as_str(), String::as_str);
        (file, Some(e.line))
    });
    let collected = |f: &str| live.read.contains(f);
    let at = setter.unwrap_or((ctx.spec.file.as_str(), None));
    let secret = ctx.secret(name);
    let shown_file = match (&file_value, set) {
        _ if secret => secret::REDACTED.to_string(),
        (Some(v), Some(_)) => words(v),
        (Some(v), None) => format!("{} (the default: no file sets it)", words(v)),
        (None, _) => "the default (no file sets it)".to_string(),
    };
    let shown_running = if secret {
        secret::REDACTED.to_string()
    } else {
        shown(name, s)
    };
    let values = (file_value, Some(runs), Some(source_words(s)));
    let from_files = match (s.source.as_str(), &s.file) {
        ("configuration file", Some(f)) => collected(f),
        // The role cannot see which file: one the files set is taken as theirs.
        ("configuration file", None) => set.is_some(),
        ("default", _) => set.is_some(),
        _ => false,
    };
    if from_files {
        let needs = if s.pending_restart || s.context == "postmaster" {
            "restart needed: the server reads it at start only".to_string()
        } else {
            "reload needed (SELECT pg_reload_conf(), or systemctl reload)".to_string()
        };
        let blocked = match &ctx.blocked {
            Some((f, l)) => format!(", after fixing {f}:{l} (a reload now is refused)"),
            None => String::new(),
        };
        let message = format!(
            "the files give {shown_file}, the server runs {shown_running}: {needs}{blocked}"
        );
        return Some(ctx.finding(Kind::NotApplied, Some(name), at, values, message));
    }
    if s.source == "default" {
        return None; // computed at start (wal_buffers), or no file sets it
    }
    let message = format!(
        "the server runs {shown_running}, set outside the collected files ({}); the files give {shown_file}",
        source_words(s)
    );
    Some(ctx.finding(Kind::RuntimeOnly, Some(name), at, values, message))
}

/// The running value of `name`, typed as the files' are.
pub(super) fn running_of(name: &str, s: &RunningSetting) -> Value {
    running_value(name, &s.value, &s.unit)
}

/// The running value as people read it (`8MB`).
fn shown(name: &str, s: &RunningSetting) -> String {
    words(&running_of(name, s))
}

/// Where the server says a value came from: `configuration file /path:64`, `ALTER SYSTEM
/// (/path/postgresql.auto.conf:3)`, `command line`, `user` (`ALTER ROLE ... SET`).
pub(super) fn source_words(s: &RunningSetting) -> String {
    let place = match (&s.file, s.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        _ => String::new(),
    };
    match s.source.as_str() {
        "configuration file" if place.ends_with(".auto.conf") || place.contains(".auto.conf:") => {
            format!("ALTER SYSTEM ({place})")
        }
        "configuration file" if !place.is_empty() => format!("configuration file {place}"),
        "database" => "database (ALTER DATABASE ... SET)".to_string(),
        "user" => "user (ALTER ROLE ... SET)".to_string(),
        "database user" => "database user (ALTER ROLE ... IN DATABASE ... SET)".to_string(),
        "global" => "global (ALTER ROLE ALL ... SET)".to_string(),
        other => other.to_string(),
    }
}

impl Ctx<'_> {
    /// Whether the setting's values are secrets (shown as `[redacted]` only).
    fn secret(&self, name: &str) -> bool {
        secret::is_secret_key(self.format, name)
    }

    /// A finding of `kind` on `key`, placed at (file, line), with (file value, running value,
    /// source): the baseline's value beside them, every value redacted for a secret key.
    fn finding(
        &self,
        kind: Kind,
        key: Option<&str>,
        (file, line): (&str, Option<u32>),
        (file_value, running, source): (Option<Value>, Option<Value>, Option<String>),
        message: String,
    ) -> Finding {
        let base = self.base.as_ref();
        let entry = key.and_then(|k| Some((k, base?.tree.get(k)?)));
        let base_file = entry.and_then(|(k, _)| {
            let from = base?
                .from
                .get(k)
                .map_or(self.spec.file.as_str(), String::as_str);
            self.t.expected.get(from).map(|b| b.source.clone())
        });
        let hide = |v: Option<Value>| match (key, v) {
            (Some(k), Some(v)) if self.secret(k) => Some(secret::redact(self.format, k, &v)),
            (_, v) => v,
        };
        Finding {
            host: Some(self.t.host.to_string()),
            group: Some(self.t.group.name.clone()),
            file: file.to_string(),
            key: key.map(str::to_string),
            kind,
            severity: if kind == Kind::Rejected {
                Severity::Critical
            } else {
                Severity::Warning
            },
            baseline: hide(entry.map(|(_, e)| e.value.clone())),
            baseline_line: entry.map(|(_, e)| e.line),
            baseline_source: base_file,
            line,
            message,
            file_value: hide(file_value),
            running: hide(running),
            source,
            ..Finding::default()
        }
    }
}

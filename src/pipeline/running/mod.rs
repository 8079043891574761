//! Running servers, the third side: each `[[group.running]]` server of the host is asked what
//! it runs with ([`crate::collect::running`]), and that is compared with what its files say
//! (the entry file read through its includes, defaults applied) and the baseline. A server
//! that is down or refuses is trouble for that host and file; the rest of the run goes on.
//! One file per server kind beside this one turns the answer into findings (`not_applied`,
//! `runtime_only`, `rejected`).

mod mariadb;
mod pgbouncer;
mod postgresql;
mod redis;

use super::compare::Compared;
use super::{HostResult, Target};
use crate::collect::running::{self, Running, RunningSpec, Server};
use crate::normalize::includes::ReadThrough;
use crate::rules::{Fact, Rules};
use crate::tree::{Tree, Value};

/// The stage: every running server of the host's group, asked and compared. Not for a host
/// read only for the checks across hosts (nothing of it is reported).
pub(super) fn settle(t: &Target, compared: &[Compared], rules: &Rules, out: &mut HostResult) {
    if t.support {
        return;
    }
    let vars = t.group.vars.get(t.host);
    for spec in &t.group.running {
        let answer = match running::read(&t.group.transport, t.host, vars, spec) {
            Ok(r) => r,
            Err(msg) => {
                out.errors.push(t.problem(
                    Some(&spec.file),
                    None,
                    format!(
                        "running {} server ({}): {msg}",
                        spec.server.name(),
                        spec.connect_for(t.host)
                    ),
                ));
                continue;
            }
        };
        for n in &answer.notices {
            let n = format!("{} ({}): {n}", spec.file, spec.connect_for(t.host));
            if !out.notices.contains(&n) {
                out.notices.push(n);
            }
        }
        match spec.server {
            Server::Postgresql => postgresql::compare(t, spec, &answer, compared, out),
            Server::Redis => redis::compare(t, spec, &answer, compared, out),
            Server::Mariadb => mariadb::compare(t, spec, &answer, compared, out),
            Server::Pgbouncer => pgbouncer::compare(t, spec, &answer, compared, out),
        }
        numbers(t, spec, &answer, rules, out);
        judged(t, spec, &answer, rules, out);
    }
}

/// The running value of one setting, typed as the files' are: PostgreSQL's with its unit
/// (`8MB`), the others' as the server prints them (bytes, counts).
fn typed(spec: &RunningSpec, name: &str, s: &running::RunningSetting) -> Value {
    match spec.server {
        Server::Postgresql => postgresql::running_of(name, s),
        Server::Redis | Server::Mariadb | Server::Pgbouncer => Value::text(&s.value),
    }
}

/// The findings of the `[[rule]]`s with `source = "running"` on this server's settings.
fn judged(t: &Target, spec: &RunningSpec, answer: &Running, rules: &Rules, out: &mut HostResult) {
    let server = format!("{} {}", spec.server.name(), spec.connect_for(t.host));
    let ctx = crate::rules::RunningCtx {
        group: &t.group.name,
        host: t.host,
        file: &spec.file,
        format: t.group.format_of(&spec.file),
        server: &server,
    };
    let settings = answer
        .settings
        .iter()
        .map(|(name, s)| crate::rules::RunningValue {
            name,
            value: typed(spec, name, s),
            source: match spec.server {
                Server::Postgresql => Some(postgresql::source_words(s)),
                _ => (!s.source.is_empty()).then(|| s.source.clone()),
            },
        });
    out.findings.extend(rules.apply_running(&ctx, settings));
}

/// The running values the capacity checks with `source = "running"` read from this server,
/// typed as the files' are, into the host's facts.
fn numbers(t: &Target, spec: &RunningSpec, answer: &Running, rules: &Rules, out: &mut HostResult) {
    for c in &rules.capacity {
        for glob in c.refs_for(&t.group.name, &spec.file, true) {
            for (name, s) in &answer.settings {
                if !glob.is_match(name) {
                    continue;
                }
                out.facts.running_numbers.push(Fact {
                    file: spec.file.clone(),
                    key: name.clone(),
                    value: typed(spec, name, s),
                    line: 0,
                    from: None,
                });
            }
        }
    }
}

/// One side (`live`, else the baseline) of the entry file `file` read through its includes
/// among the host's compared files of format `format`, with that program's reader `read`
/// (the root's tree, a lookup of the others, their paths); none when the file has no tree on
/// that side.
fn read_side<'a>(
    compared: &'a [Compared<'a>],
    format: &str,
    file: &str,
    live: bool,
    read: impl FnOnce(&'a Tree, &dyn Fn(&str) -> Option<&'a Tree>, &[&str]) -> ReadThrough,
) -> Option<ReadThrough> {
    let ours: Vec<&Compared> = compared
        .iter()
        .filter(|c| c.format.name() == format)
        .collect();
    let root = ours.iter().find(|c| *c.path == file)?;
    let paths: Vec<&str> = ours
        .iter()
        .filter(|c| tree_of(c, live).is_some())
        .map(|c| c.path.as_str())
        .collect();
    let lookup = |p: &str| {
        ours.iter()
            .find(|c| *c.path == p)
            .and_then(|c| tree_of(c, live))
    };
    Some(read(tree_of(root, live)?, &lookup, &paths))
}

/// One side's tree of a compared file.
fn tree_of<'a>(c: &'a Compared<'a>, live: bool) -> Option<&'a Tree> {
    if live { c.live_tree() } else { c.base }
}

/// How one program's defaults tables are named and found, for [`table_for`].
struct Tables {
    /// `Redis`, `PgBouncer`.
    program: &'static str,
    /// `redis.conf`, `pgbouncer.ini`.
    file: &'static str,
    /// What no file sets: `settings`, `keys`.
    what: &'static str,
    lookup: fn(&str) -> Option<&'static crate::normalize::defaults::Table>,
    shipped: &'static [&'static str],
}

/// The defaults table the files of `spec` are read with: the group's version, else the
/// server's; notices when the two differ or no table is known.
fn table_for(
    t: &Target,
    spec: &RunningSpec,
    running: &Running,
    tables: &Tables,
    out: &mut HostResult,
) -> Option<&'static crate::normalize::defaults::Table> {
    let given = t.group.version_of(&spec.file).map(str::to_string);
    let server = (running.version_num > 0).then(|| running.major());
    if let (Some(v), Some(s)) = (&given, &server)
        && (tables.lookup)(v).map(|t| t.version) != (tables.lookup)(s).map(|t| t.version)
    {
        note(
            out,
            format!(
                "{}: the files are read as {} {v}'s, and the server runs {s}",
                spec.file, tables.program
            ),
        );
    }
    let version = given.or(server);
    let table = version.as_deref().and_then(tables.lookup);
    if table.is_none() {
        note(
            out,
            format!(
                "{}: no {} table for {} {} (confdrift has {}): {} no file sets are not compared with the server's",
                spec.file,
                tables.file,
                tables.program,
                version.as_deref().unwrap_or("(version unknown)"),
                tables.shipped.join(", "),
                tables.what,
            ),
        );
    }
    table
}

/// A notice for the report, once.
fn note(out: &mut HostResult, n: String) {
    if !out.notices.contains(&n) {
        out.notices.push(n);
    }
}

/// Values the server reads alike.
fn same(a: &Value, b: &Value) -> bool {
    a == b || a.same(b)
}

/// A value in a message: as written, an empty one as `''`.
fn words(v: &Value) -> String {
    match v.to_string() {
        s if s.is_empty() => "''".to_string(),
        s => s,
    }
}

//! Running servers, the third side: each `[[group.running]]` server of the host is asked what
//! it runs with ([`crate::collect::running`]), and that is compared with what its files say
//! (the entry file read through its includes, defaults applied) and the baseline. A server
//! that is down or refuses is trouble for that host and file; the rest of the run goes on.
//! One file per server kind beside this one turns the answer into findings (`not_applied`,
//! `runtime_only`, `rejected`).

mod mariadb;
mod postgresql;
mod redis;

use super::compare::Compared;
use super::{HostResult, Target};
use crate::collect::running::{self, Running, RunningSpec, Server};
use crate::rules::{Fact, Rules};

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
        }
        numbers(t, spec, &answer, rules, out);
    }
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
                let value = match spec.server {
                    Server::Postgresql => postgresql::running_of(name, s),
                    // Numbers as the server prints them (bytes, counts).
                    Server::Redis | Server::Mariadb => crate::tree::Value::text(&s.value),
                };
                out.facts.running_numbers.push(Fact {
                    file: spec.file.clone(),
                    key: name.clone(),
                    value,
                    line: 0,
                    from: None,
                });
            }
        }
    }
}

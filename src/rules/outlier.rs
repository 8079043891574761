//! Outliers: within a group, a host whose value differs from what most of the group's hosts
//! have. Used for files that have no baseline for the host, so a first `confdrift check`, before
//! anyone has written a baseline, already points at the one host that is not like the others.
//! (Where a baseline exists, drift from it is the sharper finding.)

use super::file::Facts;
use super::{Rules, units};
use crate::normalize::Format;
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::{Entry, Value};
use indexmap::IndexMap;
use std::collections::HashMap;

/// Hosts needed before "most hosts" means anything.
const MIN_HOSTS: usize = 3;

/// A value's identity for counting: quoting and number spelling do not count, as in
/// [`Value::same`].
pub(super) fn canonical(v: &Value) -> String {
    if let Some(n) = v.as_f64() {
        return format!("n:{n}");
    }
    match v {
        Value::Bool(b) => format!("b:{b}"),
        Value::Str(s) if s == "true" || s == "false" => format!("b:{s}"),
        other => format!("s:{other}"),
    }
}

impl Rules {
    /// Outlier findings over the reachable hosts, group by group.
    pub(super) fn outlier_findings(
        &self,
        hosts: &[(&str, &str, &Facts, bool)],
        format_of: &dyn Fn(&str, &str) -> Format,
    ) -> Vec<Finding> {
        // group -> file -> [(host, tree)]
        let mut by_file: IndexMap<(&str, &str), Vec<(&str, &crate::tree::Tree)>> = IndexMap::new();
        for &(host, group, facts, up) in hosts {
            if !up {
                continue;
            }
            for (file, tree) in &facts.unbaselined {
                let list = by_file.entry((group, file.as_str())).or_default();
                if !list.iter().any(|(h, _)| *h == host) {
                    list.push((host, tree));
                }
            }
        }
        let mut out = Vec::new();
        for ((group, file), list) in by_file {
            if list.len() < MIN_HOSTS {
                continue;
            }
            let format = format_of(group, file);
            let mut keys: IndexMap<&str, ()> = IndexMap::new();
            for (_, tree) in &list {
                for (k, _) in tree.iter() {
                    keys.insert(k, ());
                }
            }
            for key in keys.keys() {
                let values: Vec<(&str, Option<&Entry>)> =
                    list.iter().map(|(h, t)| (*h, t.get(key))).collect();
                self.outliers_of_key(group, file, key, format, &values, &mut out);
            }
        }
        out
    }

    fn outliers_of_key(
        &self,
        group: &str,
        file: &str,
        key: &str,
        format: Format,
        values: &[(&str, Option<&Entry>)],
        out: &mut Vec<Finding>,
    ) {
        let mut counts: HashMap<Option<String>, usize> = HashMap::new();
        for (_, e) in values {
            *counts.entry(e.map(|e| canonical(&e.value))).or_default() += 1;
        }
        if counts.len() < 2 {
            return;
        }
        let n = values.len();
        let Some((major, held)) = counts.iter().max_by_key(|(_, c)| **c) else {
            return;
        };
        if *held * 2 <= n {
            return; // no majority: nothing stands out
        }
        let major_entry = values
            .iter()
            .find(|(_, e)| e.map(|e| canonical(&e.value)) == *major)
            .and_then(|(_, e)| *e);
        for (host, e) in values {
            if e.map(|e| canonical(&e.value)) == *major {
                continue;
            }
            let rules: Vec<_> = self
                .covering(group, Some(host), file)
                .filter(|r| r.key_for(format).is_match(key))
                .collect();
            if rules.iter().any(|r| r.ignore || r.unique) {
                continue;
            }
            if let (Some(e), Some(m)) = (e, major_entry) {
                let close = units::of_value(format, &e.value)
                    .zip(units::of_value(format, &m.value))
                    .and_then(|(a, b)| a.comparable(b))
                    .is_some_and(|(a, b)| {
                        rules
                            .iter()
                            .filter_map(|r| r.tolerance)
                            .any(|t| t.allows(b, a))
                    });
                if close {
                    continue;
                }
            }
            let show = |v: &Value| secret::redact(format, key, v);
            let peers = format!("{held} of {n} hosts of group {group}");
            let message = match (e, major_entry) {
                (Some(_), Some(m)) => {
                    format!("differs from {peers}, which have {}", show(&m.value))
                }
                (None, Some(m)) => format!("not set here; {peers} set {}", show(&m.value)),
                (Some(_), None) => format!("set only on a few hosts; {peers} do not set it"),
                (None, None) => continue,
            };
            out.push(Finding {
                host: Some(host.to_string()),
                group: Some(group.to_string()),
                file: file.to_string(),
                key: Some(key.to_string()),
                kind: Kind::Outlier,
                severity: Severity::Warning,
                live: e.map(|e| show(&e.value)),
                line: e.map(|e| e.line),
                message,
                hint: rules.iter().find_map(|r| r.hint.clone()),
                ..Finding::default()
            });
        }
    }

    /// Everything that looks across hosts: `unique`, outliers, `[[capacity]]`.
    pub fn across_hosts(
        &self,
        hosts: &[(&str, &str, &Facts, bool)],
        format_of: &dyn Fn(&str, &str) -> Format,
        outliers: bool,
    ) -> (Vec<Finding>, Vec<crate::report::Problem>) {
        let mut findings = self.unique_findings(hosts);
        if outliers {
            findings.extend(self.outlier_findings(hosts, format_of));
        }
        let mut errors = Vec::new();
        for c in &self.capacity {
            c.check(hosts, &mut findings, &mut errors);
        }
        (findings, errors)
    }
}

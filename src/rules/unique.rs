//! `unique = true`: the value must differ on every host (`server_id`, `node.name`).

use super::Rules;
use super::file::Facts;
use crate::report::{Finding, Kind};
use std::collections::BTreeMap;

/// A host holding a value: host, group, line, the value as it may be shown.
type Holder<'a> = (&'a str, &'a str, u32, &'a crate::tree::Value);

impl Rules {
    /// One `violation` per host that shares a unique value with another host.
    pub(super) fn unique_findings(&self, hosts: &[(&str, &str, &Facts, bool)]) -> Vec<Finding> {
        let mut seen: BTreeMap<(usize, &str, &str, String), Vec<Holder>> = BTreeMap::new();
        for &(host, group, facts, _) in hosts {
            for (rule, file, key, value, line, shown) in &facts.unique {
                let list = seen
                    .entry((
                        *rule,
                        file.as_str(),
                        key.as_str(),
                        super::outlier::canonical(value),
                    ))
                    .or_default();
                if !list.iter().any(|(h, ..)| *h == host) {
                    list.push((host, group, *line, shown));
                }
            }
        }
        let mut out = Vec::new();
        for ((rule, file, key, _), list) in seen {
            if list.len() < 2 {
                continue;
            }
            let r = &self.rules[rule];
            for (host, group, line, shown) in &list {
                let others: Vec<&str> = list.iter().map(|x| x.0).filter(|h| h != host).collect();
                let shown = (*shown).clone();
                out.push(Finding {
                    host: Some(host.to_string()),
                    group: Some(group.to_string()),
                    file: file.to_string(),
                    key: Some(key.to_string()),
                    kind: Kind::Violation,
                    severity: r.violation_severity(),
                    live: Some(shown.clone()),
                    line: Some(*line),
                    message: format!(
                        "{} {shown} is also set on {}; it must differ on every host",
                        key.rsplit('.').next().unwrap_or(key),
                        others.join(", ")
                    ),
                    rule: Some(r.label.clone()),
                    hint: r.hint.clone(),
                    ..Finding::default()
                });
            }
        }
        out
    }
}

//! The hosts a narrowed selection (`--host`, `--group`) still needs for the checks across
//! hosts: selection narrows what is reported, never what a guard rail reads. A capacity check
//! that reads a selected group reads every host of its demand and supply groups; unique values
//! and outliers compare a selected host with every host of its group. Those hosts are
//! collected and checked too, but only the cross-host findings that concern the selection are
//! reported, and of their own trouble only what those checks needed.

use crate::config::{Config, Group};
use crate::report::{Finding, Kind, Problem};
use std::collections::BTreeSet;

/// What was selected, for deciding what of the support hosts is reported.
pub struct Scope<'a> {
    /// (group, host) pairs selected.
    selected: BTreeSet<(&'a str, &'a str)>,
    /// Capacity checks that read a selected group.
    capacity: BTreeSet<&'a str>,
    /// (group, file) pairs those capacity checks read.
    reads: BTreeSet<(&'a str, &'a str)>,
}

/// The (group, host) pairs the checks across hosts need beyond `selected`, and the scope to
/// filter their results with. Nothing when everything is selected.
pub fn support<'a>(
    cfg: &'a Config,
    selected: &[(&'a Group, &'a str)],
) -> (Vec<(&'a Group, &'a str)>, Scope<'a>) {
    let groups: BTreeSet<&str> = selected.iter().map(|(g, _)| g.name.as_str()).collect();
    let mut needed: BTreeSet<&str> = groups.clone();
    let mut capacity = BTreeSet::new();
    let mut reads = BTreeSet::new();
    for c in &cfg.rules.capacity {
        let r = c.reads();
        if r.iter().any(|(g, _)| groups.contains(g)) {
            capacity.insert(c.name.as_str());
            needed.extend(r.iter().map(|(g, _)| *g));
            reads.extend(r);
        }
    }
    let selected_set: BTreeSet<(&str, &str)> = selected
        .iter()
        .map(|(g, h)| (g.name.as_str(), *h))
        .collect();
    let mut extra = Vec::new();
    for group in cfg
        .groups
        .iter()
        .filter(|g| needed.contains(g.name.as_str()))
    {
        for host in &group.hosts {
            if !selected_set.contains(&(group.name.as_str(), host.as_str())) {
                extra.push((group, host.as_str()));
            }
        }
    }
    let scope = Scope {
        selected: selected_set,
        capacity,
        reads,
    };
    (extra, scope)
}

impl Scope<'_> {
    /// Whether a finding of the checks across hosts concerns the selection: it is on a
    /// selected host, or it is a capacity check that reads a selected group.
    pub fn reports(&self, f: &Finding) -> bool {
        let on_selected = match (f.group.as_deref(), f.host.as_deref()) {
            (Some(g), Some(h)) => self.selected.contains(&(g, h)),
            _ => false,
        };
        on_selected
            || (f.kind == Kind::Capacity
                && f.rule.as_deref().is_some_and(|r| self.capacity.contains(r)))
    }

    /// Whether trouble of a support host matters to the selection: a capacity check reads
    /// the host (it could not be reached) or the file (it could not be read). Unique values
    /// and outliers compare with the peers that could be read.
    pub fn needs(&self, group: &str, e: &Problem) -> bool {
        match &e.file {
            None => self.reads.iter().any(|(g, _)| *g == group),
            Some(file) => self.reads.contains(&(group, file.as_str())),
        }
    }
}

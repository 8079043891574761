//! Which (group, host) pairs a run covers (`--host`, `--group`, `--shard`), and how many hosts
//! are read at once.

use crate::config::{Config, Group};
use anyhow::{Result, bail};

/// Which hosts to check: the union of `--host` and `--group`; everything when both are empty;
/// then only those of the `--shard`.
#[derive(Debug, Default)]
pub struct Selection {
    pub hosts: Vec<String>,
    pub groups: Vec<String>,
    pub shard: Option<crate::shard::Shard>,
}

/// Hosts in parallel by default: one per CPU for local files; for hosts over the network,
/// where the time is spent waiting, 16 at once (or more on a large machine).
pub(crate) fn default_jobs<'a>(mut groups: impl Iterator<Item = &'a Group>) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let remote = groups.any(|g| {
        matches!(
            g.transport,
            crate::collect::Transport::Ssh(_) | crate::collect::Transport::Command { .. }
        )
    });
    if remote { cpus.max(16) } else { cpus }
}

/// The (group, host) pairs to check, refusing names the config does not know.
pub(crate) fn select<'a>(cfg: &'a Config, sel: &Selection) -> Result<Vec<(&'a Group, &'a str)>> {
    let known_hosts: std::collections::HashSet<&str> = cfg.all_hosts().into_iter().collect();
    for h in &sel.hosts {
        if !known_hosts.contains(&h.as_str()) {
            bail!(
                "unknown host {h:?}: it is in no group of {}",
                cfg.path.display()
            );
        }
    }
    for g in &sel.groups {
        if !cfg.groups.iter().any(|grp| &grp.name == g) {
            let names: Vec<&str> = cfg.groups.iter().map(|g| g.name.as_str()).collect();
            bail!("unknown group {g:?}; the groups are: {}", names.join(", "));
        }
    }
    let all = sel.hosts.is_empty() && sel.groups.is_empty();
    let mut out = Vec::new();
    for group in &cfg.groups {
        for host in &group.hosts {
            let selected = all || sel.groups.contains(&group.name) || sel.hosts.contains(host);
            if selected && sel.shard.is_none_or(|s| s.contains(host)) {
                out.push((group, host.as_str()));
            }
        }
    }
    Ok(out)
}

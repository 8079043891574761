//! How a group's hosts are reached beyond the transport: the inventory's connection variables
//! merged in, a group's own `become`, and one warning per run for each inventory variable that
//! would change the connection but that confdrift does not use (by name, never by value).

use crate::inventory::{HostVars, Inventory};
use crate::names::check_name;
use anyhow::{Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// A group's `become`, `become_user` and `become_method` in confdrift.toml.
#[derive(Debug, Default)]
pub(super) struct GroupBecome {
    pub enabled: Option<bool>,
    pub user: Option<String>,
    pub method: Option<String>,
}

impl GroupBecome {
    fn is_set(&self) -> bool {
        self.enabled.is_some() || self.user.is_some() || self.method.is_some()
    }
}

/// A group's hosts from the inventory group of the same name (after any listed in the config),
/// with their connection variables. A group named in neither is an error.
pub(super) fn merge_inventory(
    name: &str,
    hosts: &mut Vec<String>,
    vars: &mut BTreeMap<String, HostVars>,
    inv: &Inventory,
) -> Result<()> {
    match inv.groups.get(name) {
        Some(listed) => {
            for h in listed {
                if !hosts.contains(h) {
                    hosts.push(h.clone());
                }
            }
        }
        None if hosts.is_empty() => {
            bail!("group {name:?} lists no hosts and the inventory has no group of that name")
        }
        None => {}
    }
    for h in hosts.iter() {
        if let Some(v) = inv.hosts.get(h).filter(|v| **v != HostVars::default()) {
            vars.insert(h.clone(), v.clone());
        }
    }
    Ok(())
}

/// Checks a group's `become` keys and gives them to each of its hosts, under whatever the
/// inventory sets for that host (a host's own variables are the more specific).
pub(super) fn apply_become(
    group: &str,
    b: &GroupBecome,
    applies: bool,
    hosts: &[String],
    vars: &mut BTreeMap<String, HostVars>,
) -> Result<()> {
    if !b.is_set() {
        return Ok(());
    }
    if !applies {
        bail!(
            "group {group:?}: `become` applies to the ssh and local transports only (files are read as a user there)"
        );
    }
    if let Some(m) = b.method.as_deref().filter(|m| *m != "sudo") {
        bail!(
            "group {group:?}: become_method {m:?} is not supported: confdrift becomes another user with sudo only (sudo -n, never a password prompt)"
        );
    }
    if let Some(u) = &b.user {
        check_name("become_user", u).map_err(|e| e.context(format!("in group {group:?}")))?;
    }
    for h in hosts {
        let v = vars.entry(h.clone()).or_default();
        if v.become_enabled.is_none() {
            v.become_enabled = b.enabled;
        }
        if v.become_user.is_none() {
            v.become_user.clone_from(&b.user);
        }
        if v.become_method.is_none() {
            v.become_method.clone_from(&b.method);
        }
    }
    Ok(())
}

/// Variables already warned about in this run.
static WARNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// The warnings for inventory variables confdrift does not use, set for hosts it connects to
/// (`(hosts, vars)` of each ssh or local group): one per variable name, naming one host and how
/// many more, never the value. Each is returned once per run.
pub(super) fn unused_warnings<'a>(
    groups: impl IntoIterator<Item = (&'a [String], &'a BTreeMap<String, HostVars>)>,
) -> Vec<String> {
    let mut seen: BTreeMap<&'static str, (String, BTreeSet<&str>)> = BTreeMap::new();
    for (hosts, vars) in groups {
        for h in hosts {
            for &var in vars.get(h).map(|v| &v.unused).into_iter().flatten() {
                let entry = seen
                    .entry(var)
                    .or_insert_with(|| (h.clone(), BTreeSet::new()));
                entry.1.insert(h);
            }
        }
    }
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    seen.into_iter()
        .filter(|(var, _)| warned.insert(var))
        .map(|(var, (first, all))| {
            let more = match all.len() - 1 {
                0 => String::new(),
                1 => " and 1 more host".to_string(),
                n => format!(" and {n} more hosts"),
            };
            format!(
                "warning: {var} is set in the inventory (for {first}{more}) but confdrift does not use it: {}",
                crate::inventory::unused_reason(var).unwrap_or("it is not read")
            )
        })
        .collect()
}

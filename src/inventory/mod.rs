//! Ansible inventories (INI and YAML), read for their hosts, groups and connection variables.
//!
//! Only what confdrift needs is kept: group membership and, per host, the connection
//! variables of [`vars`] (`ansible_host`, `ansible_port`, `ansible_user`, the private key file,
//! extra ssh arguments, `ansible_connection` and become, with their old spellings) and the
//! names of connection variables confdrift does not use. Other variables are read past.
//!
//! Semantics, following Ansible's "How to build your inventory":
//! - INI: hosts before any section are in `ungrouped`; `[g]` (or `[g:hosts]`) lists hosts as
//!   `name key=value key2="quoted value"` (split like a shell line, `#` starts a comment);
//!   `[g:vars]` holds `key=value` lines (the value is the rest of the line, surrounding quotes
//!   removed); `[g:children]` lists child groups, each of which must be defined by a section of
//!   its own somewhere in the file, as must the group of a `[g:vars]` section. Lines starting
//!   with `#` or `;` are comments. A host pattern may end in `:port` (`db1:2222`).
//! - YAML: top-level keys are groups (usually just `all`); a group is null or a mapping with
//!   `hosts` (host -> variables or null), `vars` and `children` (group -> group). Any other key
//!   is an error (Ansible only warns, but a misspelt `host:` silently losing hosts is exactly
//!   the kind of drift this tool exists to catch). A group may appear in several places; the
//!   definitions add up.
//! - Ranges in host names: `web[01:03]` (zero-padded when the start is), `db-[a:c]`, a step
//!   `[1:10:2]`, several ranges in one name; at most [`MAX_HOSTS`] names per pattern.
//! - `all` contains every host; `ungrouped` holds the hosts that are in no group other than
//!   `all` and `ungrouped`. Both always exist.
//! - [`Inventory::groups`] lists each group's hosts, its descendants' included, in order of
//!   first appearance in the file, without repeats.
//! - Variables: group variables apply to the hosts of the group and of its descendants. A host's
//!   groups are applied in Ansible's order: by depth (longest path from `all`), then
//!   `ansible_group_priority` (default 1), then name; later wins, so a child group's variables
//!   win over its parent's and `all`'s lose to everyone's; host variables win over all group
//!   variables. Within one scope a later assignment wins. As in Ansible, the new and the old
//!   spelling are merged as separate variables and then, like the ssh connection plugin (whose
//!   option lists `ansible_ssh_host` after `ansible_host`, the last one set winning), the old
//!   spelling wins when both are set anywhere: a group's `ansible_ssh_port` beats a host's
//!   `ansible_port`.
//! - Hostile input: host and group names must pass [`crate::names::check_name`], and so must
//!   `ansible_host`, `ansible_user` and `ansible_become_user` values (they end up on an ssh
//!   command line); ports are 1-65535; `ansible_ssh_common_args` and `ansible_ssh_extra_args`
//!   may hold ssh options and their values only ([`ssh_args`]); group cycles are an error
//!   naming the groups; sizes are bounded ([`MAX_HOSTS`], [`MAX_GROUPS`], membership work) and
//!   nothing recurses with the input's size: YAML is read by the config files' reader
//!   ([`crate::normalize::yaml::read_document`]), which refuses nesting deeper than 64 levels
//!   and alias bombs.
//!
//! Files, a job each: `ini.rs` and `yaml.rs` read the two formats into the `Builder` of
//! `build.rs`, which resolves groups and variables; `ranges.rs` expands host patterns,
//! `words.rs` splits lines like a shell, `vars.rs` checks connection variables. This file
//! holds the [`Inventory`], [`load`] and the sniffing of the format, and must not read either
//! format itself. The inventory imports nothing of confdrift but `names`, `normalize` (the YAML
//! reader) and `tree`: `config` and `collect` import [`HostVars`] and [`Connection`] from here,
//! never the other way round.

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

mod build;
mod ini;
mod ranges;
mod vars;
mod words;
mod yaml;

pub use ini::parse_ini;
pub use vars::{Connection, HostVars, parse_bool, ssh_args, unused_reason};
pub use yaml::parse_yaml;

/// Most hosts an inventory may name (in total, and from one range pattern).
pub const MAX_HOSTS: usize = 100_000;
/// Most groups an inventory may define.
pub const MAX_GROUPS: usize = 10_000;
/// Largest inventory file [`load`] reads.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Hosts, groups and connection variables of one inventory file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// group name -> its hosts, in file order, with the hosts of its children (recursively)
    /// included, no repeats. Always has `all` and `ungrouped`.
    pub groups: BTreeMap<String, Vec<String>>,
    /// host name -> its variables (host vars win over group vars; a child group's vars win over
    /// its parent's, as Ansible does).
    pub hosts: BTreeMap<String, HostVars>,
}

/// Reads an INI or YAML inventory: YAML when the file ends in `.yml`, `.yaml` or `.json`, or
/// when its first significant line looks like YAML (`all:`, `---`, `{`); INI otherwise.
/// Errors read `path:line:column: message`.
pub fn load(path: &Path) -> anyhow::Result<Inventory> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read inventory {}", path.display()))?;
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!(
            "inventory {} is {} bytes: expected at most {MAX_FILE_BYTES}",
            path.display(),
            meta.len()
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read inventory {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "inventory {}: not UTF-8 (at byte {}): expected a text file",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let by_extension = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yml" | "yaml" | "json"));
    let parsed = if by_extension || looks_like_yaml(&text) {
        parse_yaml(&text)
    } else {
        parse_ini(&text)
    };
    parsed.map_err(|e| anyhow::anyhow!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message))
}

/// The first line that is not blank or a comment is `---`, starts with `{`, or is `key:`
/// (a key without spaces, `=` or `[`, followed by the end of the line or a space).
fn looks_like_yaml(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
    else {
        return false;
    };
    if line == "---" || line.starts_with("--- ") || line.starts_with('{') {
        return true;
    }
    match line.split_once(':') {
        Some((key, rest)) => {
            !key.is_empty()
                && !key.contains(|c: char| c.is_whitespace() || c == '=' || c == '[')
                && (rest.is_empty() || rest.starts_with(char::is_whitespace))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

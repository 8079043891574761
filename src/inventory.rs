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
//!   may hold ssh options and their values only ([`ssh_args`]); group cycles are an error naming the groups; sizes are bounded ([`MAX_HOSTS`],
//!   [`MAX_GROUPS`], membership work) and nothing recurses with the input's size: YAML is read
//!   by the config files' reader ([`crate::normalize::yaml::read_document`]), which refuses
//!   nesting deeper than 64 levels and alias bombs.

use crate::normalize::yaml::{Item, ItemNode};
use crate::tree::{ParseError, Value};
use anyhow::Context;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

mod vars;
pub use vars::{Connection, HostVars, parse_bool, ssh_args, unused_reason};
use vars::{RawVars, parse_port};

/// Most hosts an inventory may name (in total, and from one range pattern).
pub const MAX_HOSTS: usize = 100_000;
/// Most groups an inventory may define.
pub const MAX_GROUPS: usize = 10_000;
/// Most host-in-group steps spent working out memberships (bounds deep, wide hierarchies).
const MAX_MEMBERSHIP_WORK: usize = 20_000_000;
/// Most host entries (a host named on a line, or a variable set on it) an inventory may make,
/// counting every expansion of every range: bounds repeated huge ranges.
const MAX_HOST_ENTRIES: usize = 1_000_000;
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

// ---------------------------------------------------------------------------------------------
// Shared model: groups and hosts as they are read, resolved by `Builder::finish`.

const ALL: usize = 0;
const UNGROUPED: usize = 1;

struct Group {
    name: String,
    /// Hosts listed in the group itself (indexes into `Builder::hosts`), maybe repeated.
    hosts: Vec<u32>,
    /// Child groups with the line that made them children.
    children: Vec<(usize, u32)>,
    vars: RawVars,
    priority: i64,
}

struct Builder {
    groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    /// Host names in order of first appearance.
    hosts: Vec<String>,
    host_index: HashMap<String, u32>,
    host_vars: Vec<RawVars>,
    /// Host entries made so far (see [`MAX_HOST_ENTRIES`]).
    entries: usize,
}

fn err(line: u32, message: impl Into<String>) -> ParseError {
    ParseError::new(line.max(1), 1, message)
}

impl Builder {
    fn new() -> Builder {
        let mut b = Builder {
            groups: Vec::new(),
            group_index: HashMap::new(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
            host_vars: Vec::new(),
            entries: 0,
        };
        for name in ["all", "ungrouped"] {
            b.group_index.insert(name.to_string(), b.groups.len());
            b.groups.push(Group {
                name: name.to_string(),
                hosts: Vec::new(),
                children: Vec::new(),
                vars: RawVars::default(),
                priority: 1,
            });
        }
        b
    }

    /// The group called `name`, created if new.
    fn group(&mut self, name: &str, line: u32) -> Result<usize, ParseError> {
        if let Some(&g) = self.group_index.get(name) {
            return Ok(g);
        }
        crate::names::check_name("group", name).map_err(|e| err(line, e.to_string()))?;
        if self.groups.len() >= MAX_GROUPS {
            return Err(err(
                line,
                format!("too many groups: expected at most {MAX_GROUPS}"),
            ));
        }
        let g = self.groups.len();
        self.group_index.insert(name.to_string(), g);
        self.groups.push(Group {
            name: name.to_string(),
            hosts: Vec::new(),
            children: Vec::new(),
            vars: RawVars::default(),
            priority: 1,
        });
        Ok(g)
    }

    /// Adds the hosts of `pattern` (ranges expanded, `:port` split off) to group `g`; returns
    /// their indexes and the port.
    fn add_hosts(&mut self, g: usize, pattern: &str, line: u32) -> Result<Vec<u32>, ParseError> {
        let (pattern, port) = split_port(pattern).map_err(|m| err(line, m))?;
        let names = expand_ranges(pattern).map_err(|m| err(line, m))?;
        self.count_entries(names.len(), line)?;
        let mut added = Vec::with_capacity(names.len());
        for name in names {
            let h = match self.host_index.get(&name) {
                Some(&h) => h,
                None => {
                    crate::names::check_name("host", &name)
                        .map_err(|e| err(line, e.to_string()))?;
                    if self.hosts.len() >= MAX_HOSTS {
                        return Err(err(
                            line,
                            format!("too many hosts: expected at most {MAX_HOSTS}"),
                        ));
                    }
                    let h = u32::try_from(self.hosts.len()).unwrap_or(u32::MAX);
                    self.host_index.insert(name.clone(), h);
                    self.hosts.push(name);
                    self.host_vars.push(RawVars::default());
                    h
                }
            };
            if let Some(port) = port {
                self.host_vars[h as usize].port = Some(port);
            }
            self.groups[g].hosts.push(h);
            added.push(h);
        }
        Ok(added)
    }

    fn set_host_var(
        &mut self,
        hosts: &[u32],
        key: &str,
        value: Option<&str>,
        line: u32,
    ) -> Result<(), ParseError> {
        self.count_entries(hosts.len(), line)?;
        for &h in hosts {
            self.host_vars[h as usize]
                .set(key, value)
                .map_err(|m| err(line, m))?;
        }
        Ok(())
    }

    fn count_entries(&mut self, n: usize, line: u32) -> Result<(), ParseError> {
        self.entries = self.entries.saturating_add(n);
        if self.entries > MAX_HOST_ENTRIES {
            return Err(err(
                line,
                format!(
                    "inventory too large: expected at most {MAX_HOST_ENTRIES} host entries \
                     (hosts listed and variables set, ranges expanded)"
                ),
            ));
        }
        Ok(())
    }

    fn set_group_var(
        &mut self,
        g: usize,
        key: &str,
        value: Option<&str>,
        line: u32,
    ) -> Result<(), ParseError> {
        if key == "ansible_group_priority" {
            let v = value.unwrap_or("").trim();
            self.groups[g].priority = v.parse::<i64>().map_err(|_| {
                err(
                    line,
                    format!("invalid ansible_group_priority {v:?}: expected an integer"),
                )
            })?;
            return Ok(());
        }
        self.groups[g]
            .vars
            .set(key, value)
            .map_err(|m| err(line, m))
    }

    fn add_child(&mut self, parent: usize, child: usize, line: u32) -> Result<(), ParseError> {
        if child == ALL {
            return Err(err(
                line,
                format!(
                    "group all cannot be a child of group {:?}: expected another group",
                    self.groups[parent].name
                ),
            ));
        }
        if !self.groups[parent]
            .children
            .iter()
            .any(|&(c, _)| c == child)
        {
            self.groups[parent].children.push((child, line));
        }
        Ok(())
    }

    /// Checks the group graph and works out memberships and variables.
    fn finish(mut self) -> Result<Inventory, ParseError> {
        let n = self.groups.len();
        let order = self.topological_order()?;

        // Depth: longest path from `all`; groups without a parent are children of `all`.
        let mut depth = vec![1usize; n];
        depth[ALL] = 0;
        for &g in &order {
            for &(c, _) in &self.groups[g].children {
                depth[c] = depth[c].max(depth[g] + 1);
            }
        }

        // `ungrouped`: hosts in no group other than `all` and `ungrouped`.
        let mut grouped = vec![false; self.hosts.len()];
        for (g, group) in self.groups.iter().enumerate() {
            if g != ALL && g != UNGROUPED {
                for &h in &group.hosts {
                    grouped[h as usize] = true;
                }
            }
        }
        let mut in_all = self.groups[ALL].hosts.clone();
        in_all.extend(self.groups[UNGROUPED].hosts.iter().copied());
        self.groups[UNGROUPED].hosts = in_all
            .into_iter()
            .filter(|&h| !grouped[h as usize])
            .collect();

        // Members, children before parents; host indexes are file order.
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut work = 0usize;
        for &g in order.iter().rev() {
            let mut set = self.groups[g].hosts.clone();
            for &(c, _) in &self.groups[g].children {
                work += members[c].len();
                if work > MAX_MEMBERSHIP_WORK {
                    return Err(err(
                        1,
                        "group hierarchy too large: expected fewer hosts in deeply nested or \
                         widely shared groups",
                    ));
                }
                set.extend_from_slice(&members[c]);
            }
            set.sort_unstable();
            set.dedup();
            members[g] = set;
        }
        members[ALL] = (0..u32::try_from(self.hosts.len()).unwrap_or(u32::MAX)).collect();

        // Variables: each host's groups by (depth, priority, name), then the host's own.
        let mut host_groups: Vec<Vec<usize>> = vec![Vec::new(); self.hosts.len()];
        for (g, set) in members.iter().enumerate() {
            for &h in set {
                host_groups[h as usize].push(g);
            }
        }
        let groups = &self.groups;
        let mut hosts = BTreeMap::new();
        for (h, mut mine) in host_groups.into_iter().enumerate() {
            mine.sort_by(|&a, &b| {
                (depth[a], groups[a].priority, &groups[a].name).cmp(&(
                    depth[b],
                    groups[b].priority,
                    &groups[b].name,
                ))
            });
            let mut vars = RawVars::default();
            for g in mine {
                vars.overlay(&groups[g].vars);
            }
            vars.overlay(&self.host_vars[h]);
            hosts.insert(self.hosts[h].clone(), vars.resolve());
        }

        let groups = self
            .groups
            .iter()
            .zip(members)
            .map(|(group, set)| {
                let names = set
                    .into_iter()
                    .map(|h| self.hosts[h as usize].clone())
                    .collect();
                (group.name.clone(), names)
            })
            .collect();
        Ok(Inventory { groups, hosts })
    }

    /// Parents before children; a cycle is an error naming its groups, at the line of the
    /// `children` entry that closes it. Iterative, so deep hierarchies cannot overflow.
    fn topological_order(&self) -> Result<Vec<usize>, ParseError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let n = self.groups.len();
        let mut mark = vec![Mark::New; n];
        let mut postorder = Vec::with_capacity(n);
        for root in 0..n {
            if mark[root] != Mark::New {
                continue;
            }
            // (group, index of the next child to visit)
            let mut stack = vec![(root, 0usize)];
            mark[root] = Mark::Open;
            while let Some(top) = stack.last_mut() {
                let (g, next) = *top;
                match self.groups[g].children.get(next) {
                    Some(&(c, line)) => {
                        top.1 += 1;
                        match mark[c] {
                            Mark::New => {
                                mark[c] = Mark::Open;
                                stack.push((c, 0));
                            }
                            Mark::Open => {
                                let start = stack.iter().position(|&(s, _)| s == c).unwrap_or(0);
                                let mut names: Vec<&str> = stack[start..]
                                    .iter()
                                    .map(|&(s, _)| self.groups[s].name.as_str())
                                    .collect();
                                names.push(&self.groups[c].name);
                                return Err(err(
                                    line,
                                    format!(
                                        "group cycle {}: expected children without loops",
                                        names.join(" -> ")
                                    ),
                                ));
                            }
                            Mark::Done => {}
                        }
                    }
                    None => {
                        mark[g] = Mark::Done;
                        postorder.push(g);
                        stack.pop();
                    }
                }
            }
        }
        postorder.reverse();
        Ok(postorder)
    }
}

// ---------------------------------------------------------------------------------------------
// Host patterns: `name`, `name:port`, ranges `[a:b]` / `[a:b:step]`.

/// Splits a `:port` suffix off: exactly one `:` outside brackets, followed by digits only.
/// Names with more colons (IPv6 addresses) are left whole.
fn split_port(pattern: &str) -> Result<(&str, Option<u16>), String> {
    let mut depth = 0i32;
    let mut colons = Vec::new();
    for (i, c) in pattern.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    if let [at] = colons[..] {
        let (name, port) = (&pattern[..at], &pattern[at + 1..]);
        if !name.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            let port = parse_port("port", port).map_err(|m| format!("host {pattern:?}: {m}"))?;
            return Ok((name, Some(port)));
        }
    }
    Ok((pattern, None))
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Expands every `[begin:end]` / `[begin:end:step]` in `pattern`, the first range varying
/// slowest, as Ansible does; refuses more than [`MAX_HOSTS`] names.
fn expand_ranges(pattern: &str) -> Result<Vec<String>, String> {
    // Alternating literal text and ranges.
    let mut pieces: Vec<Vec<String>> = Vec::new();
    let mut rest = pattern;
    let mut total: usize = 1;
    while let Some(open) = rest.find('[') {
        pieces.push(vec![rest[..open].to_string()]);
        let after = &rest[open + 1..];
        let close = after
            .find(']')
            .ok_or_else(|| format!("host pattern {pattern:?}: unclosed range '[': expected ']'"))?;
        let values =
            range_values(&after[..close]).map_err(|m| format!("host pattern {pattern:?}: {m}"))?;
        total = total.saturating_mul(values.len());
        if total > MAX_HOSTS {
            return Err(format!(
                "host pattern {pattern:?} expands to too many hosts: expected at most {MAX_HOSTS}"
            ));
        }
        pieces.push(values);
        rest = &after[close + 1..];
    }
    pieces.push(vec![rest.to_string()]);
    let mut names = vec![String::new()];
    for piece in pieces {
        let mut next = Vec::with_capacity(names.len() * piece.len());
        for prefix in &names {
            for value in &piece {
                next.push(format!("{prefix}{value}"));
            }
        }
        names = next;
    }
    Ok(names)
}

/// The values of one range body (`01:10`, `a:c`, `1:10:2`, `:5`).
fn range_values(body: &str) -> Result<Vec<String>, String> {
    let bounds: Vec<&str> = body.split(':').collect();
    let (begin, end, step) = match bounds[..] {
        [b, e] => (b, e, "1"),
        [b, e, s] => (b, e, s),
        _ => {
            return Err(format!(
                "bad range [{body}]: expected [begin:end] or [begin:end:step]"
            ));
        }
    };
    let begin = if begin.is_empty() { "0" } else { begin };
    if end.is_empty() {
        return Err(format!("bad range [{body}]: expected an end value"));
    }
    let step = match step.parse::<usize>() {
        Ok(s) if s > 0 && step.bytes().all(|b| b.is_ascii_digit()) => s,
        _ => {
            return Err(format!(
                "bad range [{body}]: expected a positive whole step, found {step:?}"
            ));
        }
    };
    let letter = |s: &str| (s.len() == 1).then(|| LETTERS.find(s)).flatten();
    if let (Some(b), Some(e)) = (letter(begin), letter(end)) {
        if b > e {
            return Err(format!("bad range [{body}]: expected begin <= end"));
        }
        return Ok(LETTERS[b..=e]
            .chars()
            .step_by(step)
            .map(String::from)
            .collect());
    }
    let number = |s: &str| {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    let (Some(b), Some(e)) = (number(begin), number(end)) else {
        return Err(format!(
            "bad range [{body}]: expected numbers or single letters as begin and end"
        ));
    };
    let width = if begin.len() > 1 && begin.starts_with('0') {
        if begin.len() != end.len() {
            return Err(format!(
                "bad range [{body}]: expected begin and end of equal length when zero-padded"
            ));
        }
        begin.len()
    } else {
        0
    };
    if b > e {
        return Err(format!("bad range [{body}]: expected begin <= end"));
    }
    let count = (e - b) / step as u64 + 1;
    if count > MAX_HOSTS as u64 {
        return Err(format!(
            "range [{body}] expands to {count} values: expected at most {MAX_HOSTS}"
        ));
    }
    Ok((0..count)
        .map(|i| format!("{:0width$}", b + i * step as u64))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// INI

/// Parses an INI inventory (see the module documentation).
pub fn parse_ini(text: &str) -> Result<Inventory, ParseError> {
    enum Section {
        Hosts,
        Vars,
        Children,
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut b = Builder::new();
    let mut group = UNGROUPED;
    let mut section = Section::Hosts;
    // Groups defined by a `[g]` / `[g:children]` section (all and ungrouped always are).
    let mut defined = vec![true, true];
    // Groups that must be defined somewhere: (group, line, what needs it).
    let mut needed: Vec<(usize, u32, String)> = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let (name, kind) = section_header(line).map_err(|m| err(line_no, m))?;
            group = b.group(name, line_no)?;
            defined.resize(b.groups.len(), false);
            section = match kind {
                "hosts" => Section::Hosts,
                "children" => Section::Children,
                "vars" => Section::Vars,
                other => {
                    return Err(err(
                        line_no,
                        format!(
                            "section [{name}:{other}] has unknown type {other:?}: expected \
                             [{name}], [{name}:vars] or [{name}:children]"
                        ),
                    ));
                }
            };
            match section {
                Section::Vars => needed.push((
                    group,
                    line_no,
                    format!("section [{name}:vars] is for an undefined group {name:?}"),
                )),
                _ => defined[group] = true,
            }
            continue;
        }
        match section {
            Section::Hosts => {
                let words = split_words(line).map_err(|m| err(line_no, m))?;
                let Some((pattern, assignments)) = words.split_first() else {
                    continue; // only a comment
                };
                let hosts = b.add_hosts(group, pattern, line_no)?;
                for word in assignments {
                    let Some((key, value)) = word.split_once('=') else {
                        return Err(err(
                            line_no,
                            format!("expected key=value host variable assignment, found {word:?}"),
                        ));
                    };
                    b.set_host_var(&hosts, key, Some(value), line_no)?;
                }
            }
            Section::Vars => {
                let Some((key, value)) = line.split_once('=') else {
                    return Err(err(
                        line_no,
                        format!("expected key=value in a :vars section, found {line:?}"),
                    ));
                };
                b.set_group_var(group, key.trim(), Some(unquote(value.trim())), line_no)?;
            }
            Section::Children => {
                let name = line.split_once('#').map_or(line, |(name, _)| name).trim();
                if name.is_empty() || name.contains(char::is_whitespace) {
                    return Err(err(
                        line_no,
                        format!(
                            "expected one group name per line in a :children section, found {line:?}"
                        ),
                    ));
                }
                let child = b.group(name, line_no)?;
                defined.resize(b.groups.len(), false);
                needed.push((
                    child,
                    line_no,
                    format!(
                        "section [{}:children] includes an undefined group {name:?} \
                         (expected a [{name}] or [{name}:children] section)",
                        b.groups[group].name
                    ),
                ));
                b.add_child(group, child, line_no)?;
            }
        }
    }
    if let Some((_, line, message)) = needed.into_iter().find(|&(g, _, _)| !defined[g]) {
        return Err(err(line, message));
    }
    b.finish()
}

/// `[name]`, `[name:type]`, optionally followed by a `#` comment.
fn section_header(line: &str) -> Result<(&str, &str), String> {
    let Some(close) = line.find(']') else {
        return Err(format!("unclosed section header {line:?}: expected ']'"));
    };
    let after = line[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
        return Err(format!(
            "unexpected text after section header {line:?}: expected nothing or a comment"
        ));
    }
    let inner = &line[1..close];
    let (name, kind) = inner.split_once(':').unwrap_or((inner, "hosts"));
    if name.is_empty() || name.contains(char::is_whitespace) || kind.contains(':') {
        return Err(format!(
            "invalid section header {line:?}: expected [group], [group:vars] or [group:children]"
        ));
    }
    Ok((name, kind))
}

/// Removes one pair of matching surrounding quotes.
fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

/// Splits a host line like Python's `shlex.split(line, comments=True)`, which Ansible uses:
/// whitespace separates words, `'...'` is literal, `"..."` allows `\"`, `\\`, `\$`, `` \` ``,
/// a backslash outside quotes escapes the next character, `#` outside quotes ends the line.
fn split_words(line: &str) -> Result<Vec<String>, String> {
    split_words_with(line, true)
}

/// [`split_words`], with `#` starting a comment or not (`shlex.split(s, comments=False)`, as
/// Ansible splits `ansible_ssh_common_args`).
fn split_words_with(line: &str, comments: bool) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' if comments => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => word.push(x),
                        None => return Err("unclosed quote ': expected a closing '".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '\\' | '$' | '`') => {
                                word.push(n);
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        Some(x) => word.push(x),
                        None => return Err("unclosed quote \": expected a closing \"".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(n) => word.push(n),
                    None => {
                        return Err(
                            "backslash at the end of the line: expected a character after it"
                                .into(),
                        );
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Parses a YAML inventory (see the module documentation).
pub fn parse_yaml(text: &str) -> Result<Inventory, ParseError> {
    let document = crate::normalize::yaml::read_document(text).map_err(in_old_words)?;
    let mut b = Builder::new();
    let top = match &document {
        Some(Item {
            node: ItemNode::Map(entries),
            ..
        }) => entries,
        Some(Item {
            node: ItemNode::Leaf(Value::Null),
            ..
        })
        | None => {
            return Err(err(
                1,
                "empty YAML inventory: expected a mapping of groups such as `all:`",
            ));
        }
        Some(other) => {
            return Err(err(
                other.line,
                "expected a mapping of groups such as `all:` at the top of the inventory",
            ));
        }
    };
    for entry in top {
        yaml_group(&mut b, &entry.key, entry.line, Some(&entry.value))?;
    }
    b.finish()
}

/// A YAML reader's error as inventory errors read before the inventory was read with the
/// config files' YAML reader (`serde-saphyr`'s words): the place repeated at the end, brackets
/// not saying what closes them, complex keys named as the inventory's own reader named them.
fn in_old_words(e: ParseError) -> ParseError {
    let message = match e.message.as_str() {
        "unclosed bracket '[': expected ']'" => "unclosed bracket '['",
        "unclosed bracket '{': expected '}'" => "unclosed bracket '{'",
        "expected a scalar mapping key, found a sequence used as a key"
        | "expected a scalar mapping key, found a mapping used as a key" => {
            "expected a scalar mapping key, found a mapping or list used as a key"
        }
        other => other,
    };
    let message = format!("{message} at line {}, column {}", e.line, e.column);
    ParseError::new(e.line, e.column, message)
}

/// A mapping entry: key, the key's line, value.
type Entry<'a, V> = (Cow<'a, str>, u32, V);

/// A scalar as text, as Ansible's YAML loader hands it over: numbers and booleans as the
/// reader resolved them (`0x10` is `16`, `True` is `true`).
fn text_of(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Str(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// A mapping's entries as (key, key line, value), or the one-entry form Ansible accepts for
/// `hosts: h1` / `children: web`; null is empty.
fn entries<'a>(
    what: &str,
    owner: &str,
    value: &'a Item,
) -> Result<Vec<Entry<'a, Option<&'a Item>>>, ParseError> {
    match &value.node {
        ItemNode::Leaf(Value::Null) => Ok(Vec::new()),
        ItemNode::Leaf(v) => Ok(vec![(text_of(v), value.line, None)]),
        ItemNode::Map(map) => Ok(map
            .iter()
            .map(|e| (Cow::Borrowed(e.key.as_str()), e.line, Some(&e.value)))
            .collect()),
        ItemNode::List(_) => Err(err(
            value.line,
            format!("{what} of group {owner:?} is a list: expected a mapping"),
        )),
    }
}

fn yaml_group(
    b: &mut Builder,
    name: &str,
    line: u32,
    data: Option<&Item>,
) -> Result<usize, ParseError> {
    let g = b.group(name, line)?;
    let Some(data) = data else { return Ok(g) };
    let map = match &data.node {
        ItemNode::Leaf(Value::Null) => return Ok(g),
        ItemNode::Map(map) => map,
        _ => {
            return Err(err(
                data.line.max(line),
                format!("group {name:?}: expected a mapping with hosts, vars or children"),
            ));
        }
    };
    for section in map {
        let (at, value) = (section.line, &section.value);
        match section.key.as_str() {
            "hosts" => {
                for (pattern, host_line, vars) in entries("hosts", name, value)? {
                    let hosts = b.add_hosts(g, &pattern, host_line)?;
                    let Some(vars) = vars else { continue };
                    for (var, var_line, v) in host_vars_of(&pattern, vars)? {
                        b.set_host_var(&hosts, &var, scalar(&var, v)?.as_deref(), var_line)?;
                    }
                }
            }
            "vars" => {
                let vars = match &value.node {
                    ItemNode::Leaf(Value::Null) => Vec::new(),
                    ItemNode::Map(_) => entries("vars", name, value)?,
                    _ => {
                        return Err(err(
                            at,
                            format!("vars of group {name:?}: expected a mapping"),
                        ));
                    }
                };
                for (var, var_line, v) in vars {
                    let Some(v) = v else { continue };
                    b.set_group_var(g, &var, scalar(&var, v)?.as_deref(), var_line)?;
                }
            }
            "children" => {
                for (child, child_line, child_data) in entries("children", name, value)? {
                    let c = yaml_group(b, &child, child_line, child_data)?;
                    b.add_child(g, c, child_line)?;
                }
            }
            other => {
                return Err(err(
                    at,
                    format!(
                        "unexpected key {other:?} in group {name:?}: expected hosts, vars or children"
                    ),
                ));
            }
        }
    }
    Ok(g)
}

/// A host's variables: a mapping or null.
fn host_vars_of<'a>(host: &str, vars: &'a Item) -> Result<Vec<Entry<'a, &'a Item>>, ParseError> {
    match &vars.node {
        ItemNode::Leaf(Value::Null) => Ok(Vec::new()),
        ItemNode::Map(map) => Ok(map
            .iter()
            .map(|e| (Cow::Borrowed(e.key.as_str()), e.line, &e.value))
            .collect()),
        _ => Err(err(
            vars.line,
            format!("variables of host {host:?}: expected a mapping or nothing"),
        )),
    }
}

/// A variable's value as text: scalars only (null is `None`); only connection variables are
/// checked, others may be anything.
fn scalar<'a>(var: &str, value: &'a Item) -> Result<Option<Cow<'a, str>>, ParseError> {
    match &value.node {
        ItemNode::Leaf(Value::Null) => Ok(None),
        ItemNode::Leaf(v) => Ok(Some(text_of(v))),
        ItemNode::Map(_) | ItemNode::List(_) if vars::is_used(var) => Err(err(
            value.line,
            format!("{var}: expected a single value, found a mapping or list"),
        )),
        ItemNode::Map(_) | ItemNode::List(_) => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "\
# staging
bastion ansible_host=203.0.113.10 ansible_user=ops

[web]
web[01:03].example.com
web04.example.com ansible_host=10.0.1.14 ansible_port=2222 # new rack

[app]
app-[a:c] ansible_user=deploy
web04.example.com

[db]
db1 ansible_host=10.0.2.11 ansible_ssh_port=5522
db2:2200 note=\"quoted value # not a comment\"

[frontend:children]
web
app

[staging:children]
frontend
db

[staging:vars]
ansible_user=admin
ansible_port=22

[frontend:vars]
ansible_user=www
";

    const YAML: &str = "\
all:
  hosts:
    bastion: {ansible_host: 203.0.113.10, ansible_user: ops}
  children:
    staging:
      vars: {ansible_user: admin, ansible_port: 22}
      children:
        frontend:
          vars:
            ansible_user: www
          children:
            web:
              hosts:
                web[01:03].example.com:
                web04.example.com:
                  ansible_host: 10.0.1.14
                  ansible_port: 2222
            app:
              hosts:
                app-[a:c]:
                  ansible_user: deploy
                web04.example.com: null
        db:
          hosts:
            db1:
              ansible_host: 10.0.2.11
              ansible_ssh_port: 5522
            db2:2200:
              note: quoted value # a comment
";

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn vars(host: Option<&str>, port: Option<u16>, user: Option<&str>) -> HostVars {
        HostVars {
            ansible_host: host.map(String::from),
            ansible_port: port,
            ansible_user: user.map(String::from),
            ..HostVars::default()
        }
    }

    fn ini_err(text: &str) -> ParseError {
        parse_ini(text).expect_err(text)
    }

    fn yaml_err(text: &str) -> ParseError {
        parse_yaml(text).expect_err(text)
    }

    #[test]
    fn ini_and_yaml_give_the_same_inventory() {
        let ini = parse_ini(INI).unwrap();
        let yaml = parse_yaml(YAML).unwrap();
        assert_eq!(ini, yaml);

        let web = names(&[
            "web01.example.com",
            "web02.example.com",
            "web03.example.com",
            "web04.example.com",
        ]);
        assert_eq!(ini.groups["web"], web);
        // File order is order of first appearance: web04 was met in [web] before app-a.
        assert_eq!(
            ini.groups["app"],
            names(&["web04.example.com", "app-a", "app-b", "app-c"])
        );
        // Children included, file order, no repeats.
        let mut frontend = web.clone();
        frontend.extend(names(&["app-a", "app-b", "app-c"]));
        assert_eq!(ini.groups["frontend"], frontend);
        let mut staging = frontend.clone();
        staging.extend(names(&["db1", "db2"]));
        assert_eq!(ini.groups["staging"], staging);
        assert_eq!(ini.groups["ungrouped"], names(&["bastion"]));
        let mut all = names(&["bastion"]);
        all.extend(staging);
        assert_eq!(ini.groups["all"], all);
        assert_eq!(ini.groups.len(), 7);
        assert_eq!(ini.hosts.len(), 10);

        let h = &ini.hosts;
        assert_eq!(h["bastion"], vars(Some("203.0.113.10"), None, Some("ops")));
        // frontend (child) beats staging (parent) for the user; the port comes from staging.
        assert_eq!(h["web01.example.com"], vars(None, Some(22), Some("www")));
        // Host vars beat group vars.
        assert_eq!(
            h["web04.example.com"],
            vars(Some("10.0.1.14"), Some(2222), Some("www"))
        );
        assert_eq!(h["app-b"], vars(None, Some(22), Some("deploy")));
        // Old spelling accepted; `name:port` sets the port.
        assert_eq!(h["db1"], vars(Some("10.0.2.11"), Some(5522), Some("admin")));
        assert_eq!(h["db2"], vars(None, Some(2200), Some("admin")));
    }

    #[test]
    fn fixtures_load_and_agree() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory");
        let ini = load(&dir.join("hosts.ini")).unwrap();
        let yaml = load(&dir.join("hosts.yml")).unwrap();
        assert_eq!(ini, yaml);
        assert_eq!(ini.hosts.len(), 16);
        assert_eq!(
            ini.groups["cache"],
            names(&[
                "cache1.example.com",
                "cache3.example.com",
                "cache5.example.com"
            ])
        );
        assert_eq!(ini.groups["backend"].len(), 6);
        assert_eq!(ini.groups["production"].len(), 14);
        assert_eq!(ini.groups["ungrouped"], names(&["bastion.example.com"]));
        let h = &ini.hosts;
        assert_eq!(
            h["bastion.example.com"],
            vars(Some("203.0.113.10"), None, Some("ops"))
        );
        // all:vars loses to every other group.
        assert_eq!(h["grafana.example.com"], vars(None, None, Some("grafana")));
        assert_eq!(h["cache3.example.com"], vars(None, Some(22), Some("admin")));
        assert_eq!(
            h["db2.example.com"],
            vars(None, Some(2200), Some("postgres"))
        );
        assert_eq!(
            h["db3.example.com"],
            vars(Some("10.0.2.13"), Some(22), Some("postgres"))
        );
        assert_eq!(
            h["web05.example.com"],
            vars(Some("10.0.1.15"), Some(2222), Some("www"))
        );
        // The same text without a telling extension is still recognised.
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("inventory");
        std::fs::copy(dir.join("hosts.yml"), &copy).unwrap();
        assert_eq!(load(&copy).unwrap(), yaml);
        let err = load(&tmp.path().join("missing")).unwrap_err();
        assert!(err.to_string().contains("cannot read inventory"), "{err}");
    }

    #[test]
    fn load_errors_name_the_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("hosts");
        std::fs::write(&path, "[web]\nweb1\nweb2 ansible_port=99999\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}:3:1: ", path.display())),
            "{err}"
        );
        assert!(err.contains("expected a port number"), "{err}");
    }

    #[test]
    fn bad_ports_name_the_line_and_what_was_expected() {
        for text in [
            "[web]\nweb1 ansible_port=abc\n",
            "[web]\nweb1 ansible_port=70000\n",
            "[web]\nweb1 ansible_port=0\n",
            "[web]\nweb1 ansible_port=-1\n",
        ] {
            let e = ini_err(text);
            assert_eq!(e.line, 2, "{text}");
            assert!(e.message.contains("ansible_port"), "{e}");
            assert!(
                e.message.contains("expected a port number from 1 to 65535"),
                "{e}"
            );
        }
        let e = ini_err("[web]\nweb1\n[web:vars]\nansible_ssh_port = 22x\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("ansible_ssh_port"), "{e}");
        let e = ini_err("web1:99999\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("expected a port"), "{e}");
        let e = yaml_err("all:\n  hosts:\n    web1:\n      ansible_port: http\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("expected a port number"), "{e}");
        let e = yaml_err("all:\n  vars:\n    ansible_port: 65536\n");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn section_headers() {
        let e = ini_err("web0\n[web\nweb1\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("expected ']'"), "{e}");
        let e = ini_err("[web:stuff]\nweb1\n");
        assert!(e.message.contains("unknown type"), "{e}");
        let e = ini_err("[web server]\n");
        assert!(e.message.contains("invalid section header"), "{e}");
        // [g:hosts] is [g]; a comment may follow a header.
        let inv = parse_ini("[web:hosts] # front\nweb1\n").unwrap();
        assert_eq!(inv.groups["web"], names(&["web1"]));
    }

    #[test]
    fn ranges() {
        let inv =
            parse_ini("[h]\nweb[01:03].example.com\ndb-[a:c]\nn[1:10:3]x[a:b]\nz[:2]\n").unwrap();
        assert_eq!(
            inv.groups["h"],
            names(&[
                "web01.example.com",
                "web02.example.com",
                "web03.example.com",
                "db-a",
                "db-b",
                "db-c",
                "n1xa",
                "n1xb",
                "n4xa",
                "n4xb",
                "n7xa",
                "n7xb",
                "n10xa",
                "n10xb",
                "z0",
                "z1",
                "z2",
            ])
        );
        for (bad, what) in [
            ("web[03:01]", "begin <= end"),
            ("web[1:x]", "numbers or single letters"),
            ("web[01:3]", "equal length"),
            ("web[1:5:0]", "positive whole step"),
            ("web[1]", "[begin:end]"),
            ("web[1:]", "end value"),
            ("web[1:3", "expected ']'"),
            ("web[0:99999999999999999999]", "numbers"),
            ("h[0:999999]", "at most 100000"),
            ("h[0:999]x[0:999]", "too many hosts"),
        ] {
            let e = ini_err(&format!("# inventory\n[g]\n{bad} ansible_user=x\n"));
            assert_eq!(e.line, 3, "{bad}");
            assert!(e.message.contains(what), "{bad}: {e}");
        }
        let yaml = parse_yaml("all:\n  hosts:\n    web[1:2]:\n      ansible_port: 2\n").unwrap();
        assert_eq!(yaml.groups["ungrouped"], names(&["web1", "web2"]));
        assert_eq!(yaml.hosts["web2"].ansible_port, Some(2));
        let e = yaml_err("all:\n  hosts:\n    ok:\n    web[2:1]:\n");
        assert_eq!(e.line, 4);
    }

    #[test]
    fn group_cycles_are_errors_naming_the_groups() {
        let e = ini_err("[a:children]\nb\n[b:children]\nc\n[c:children]\na\n");
        assert_eq!(e.line, 6);
        assert!(e.message.contains("a -> b -> c -> a"), "{e}");
        let e = ini_err("[a:children]\na\n");
        assert!(e.message.contains("a -> a"), "{e}");
        let e = yaml_err(
            "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
        );
        assert_eq!(e.line, 7);
        assert!(e.message.contains("a -> b -> a"), "{e}");
        let e = ini_err("[a:children]\nall\n");
        assert!(e.message.contains("group all cannot be a child"), "{e}");
    }

    #[test]
    fn hostile_names_are_refused_with_their_line() {
        let e = ini_err("[web]\nweb1\n-oProxyCommand=x\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("invalid host name \"-oProxyCommand=x\""),
            "{e}"
        );
        let e = ini_err("ok\n'-oProxyCommand=x' ansible_host=h\n");
        assert_eq!(e.line, 2);
        let e = yaml_err("all:\n  hosts:\n    ok:\n    -oProxyCommand=x:\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("invalid host name"), "{e}");
        let e = ini_err("web1 ansible_host=-oProxyCommand=x\n");
        assert!(e.message.contains("invalid ansible_host name"), "{e}");
        let e = ini_err("web1 ansible_user=\"-oProxyCommand=x\"\n");
        assert!(e.message.contains("invalid ansible_user name"), "{e}");
        let e = ini_err("[../etc]\nweb1\n");
        assert!(e.message.contains("invalid group name"), "{e}");
        let e = yaml_err("all:\n  children:\n    web/x:\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("invalid group name"), "{e}");
    }

    #[test]
    fn ini_details() {
        // Quoting, comments, a host in several groups with vars from each line.
        let inv = parse_ini(
            "; comment\n[a]\nh1 ansible_user='deploy user' # ansible_port=1\n\
             [b]\nh1 ansible_port=\"2022\"\n[b:vars]\nansible_host = 'b.example.com'\n",
        );
        // A user with a space is refused (it would go on an ssh command line).
        let e = inv.expect_err("space");
        assert_eq!(e.line, 3);
        let inv = parse_ini(
            "[a]\nh1 ansible_user=\"deploy\" # ansible_port=1\n\
             [b]\nh1 ansible_port=\"2022\"\n[b:vars]\nansible_host = 'b.example.com'\n",
        )
        .unwrap();
        assert_eq!(
            inv.hosts["h1"],
            vars(Some("b.example.com"), Some(2022), Some("deploy"))
        );
        assert_eq!(inv.groups["ungrouped"], Vec::<String>::new());
        // Missing `=`, undefined groups, unclosed quotes.
        let e = ini_err("[a]\nh1 ansible_port\n");
        assert!(e.message.contains("expected key=value"), "{e}");
        let e = ini_err("[a:vars]\nx=1\n[b]\nh\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("undefined group"), "{e}");
        let e = ini_err("[a:children]\nb\n\n[c]\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("undefined group \"b\""), "{e}");
        let e = ini_err("[a]\nh1 ansible_user=\"x\n");
        assert!(e.message.contains("unclosed quote"), "{e}");
        // A group defined after its :vars / in :children is fine.
        let inv = parse_ini("[a:vars]\nansible_port=3\n[p:children]\na\n[a]\nh\n").unwrap();
        assert_eq!(inv.hosts["h"].ansible_port, Some(3));
        assert_eq!(inv.groups["p"], names(&["h"]));
        // An empty file is an empty inventory.
        let empty = parse_ini("").unwrap();
        assert_eq!(empty.groups.len(), 2);
        assert!(empty.hosts.is_empty());
    }

    #[test]
    fn variable_precedence() {
        // Same depth: by name (b after a wins), unless ansible_group_priority says otherwise.
        let inv = parse_ini("[a]\nh\n[b]\nh\n[a:vars]\nansible_user=a\n[b:vars]\nansible_user=b\n")
            .unwrap();
        assert_eq!(inv.hosts["h"].ansible_user.as_deref(), Some("b"));
        let inv = parse_ini(
            "[a]\nh\n[b]\nh\n[a:vars]\nansible_user=a\nansible_group_priority=5\n\
             [b:vars]\nansible_user=b\n",
        )
        .unwrap();
        assert_eq!(inv.hosts["h"].ansible_user.as_deref(), Some("a"));
        // Depth is the longest path from all: z (depth 3 via p -> q -> z) beats q (depth 2).
        let inv = parse_ini(
            "[p:children]\nq\nz\n[q:children]\nz\n[z]\nh\n[q]\n\
             [z:vars]\nansible_port=3\n[q:vars]\nansible_port=2\n[p:vars]\nansible_port=1\n",
        )
        .unwrap();
        assert_eq!(inv.hosts["h"].ansible_port, Some(3));
        // Old and new spellings are separate variables; the old one wins, as in the ssh plugin.
        let inv = parse_ini("[g]\nh ansible_port=1\n[g:vars]\nansible_ssh_port=2\n").unwrap();
        assert_eq!(inv.hosts["h"].ansible_port, Some(2));
    }

    #[test]
    fn yaml_details() {
        // String shorthands, null groups, a group in two places adds up.
        let inv = parse_yaml(
            "all:\n  children:\n    web:\n      hosts: w1\n    ops:\n      children: web\n    \
             empty:\n    web2:\n      hosts: {w2: }\n  hosts:\n    solo:\nweb:\n  hosts:\n    w3:\n",
        )
        .unwrap();
        assert_eq!(inv.groups["web"], names(&["w1", "w3"]));
        assert_eq!(inv.groups["ops"], names(&["w1", "w3"]));
        assert_eq!(inv.groups["empty"], Vec::<String>::new());
        assert_eq!(inv.groups["ungrouped"], names(&["solo"]));
        let e = yaml_err("all:\n  host:\n    w1:\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unexpected key \"host\""), "{e}");
        let e = yaml_err("all:\n  hosts:\n    - w1\n");
        assert!(e.message.contains("expected a mapping"), "{e}");
        let e = yaml_err("all:\n  hosts:\n    w1:\n      ansible_host: [a, b]\n");
        assert_eq!(e.line, 4);
        let e = yaml_err("all:\n  hosts:\n    w1:\n      ansible_user: ~\n");
        assert!(e.message.contains("null"), "{e}");
        let e = yaml_err("");
        assert!(e.message.contains("empty YAML inventory"), "{e}");
        let e = yaml_err("- all\n");
        assert!(e.message.contains("mapping of groups"), "{e}");
        let e = yaml_err("all:\n  hosts: {w1: \n");
        assert!(e.line >= 2, "{e}");
        // Other variables may hold anything.
        let inv = parse_yaml(
            "all:\n  vars:\n    ntp: [a, b]\n    yes_no: yes\n  hosts:\n    h:\n      x: {y: 1}\n",
        )
        .unwrap();
        assert_eq!(inv.hosts["h"], HostVars::default());
        // One anchor given to 120 hosts (over the 10 aliases per anchor serde-saphyr's default
        // budget allows) is an ordinary inventory.
        let mut text = String::from("all:\n  vars:\n    base: &v {ansible_port: 2222}\n  hosts:\n");
        for i in 0..120 {
            text.push_str(&format!("    h{i}: *v\n"));
        }
        let inv = parse_yaml(&text).unwrap();
        assert_eq!(inv.groups["all"].len(), 120);
        assert_eq!(inv.hosts["h119"].ansible_port, Some(2222));
    }

    #[test]
    fn deep_or_huge_inputs_fail_cleanly() {
        // Nesting beyond the YAML reader's depth limit is an error, not a crash.
        let mut text = String::from("all:\n");
        for level in 1..200 {
            text.push_str(&"  ".repeat(level * 2 - 1));
            text.push_str("children:\n");
            text.push_str(&"  ".repeat(level * 2));
            text.push_str(&format!("g{level}:\n"));
        }
        assert!(parse_yaml(&text).is_err());
        // A long INI chain of children is fine (nothing recurses).
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!("[g{i}:children]\ng{}\n", i + 1));
        }
        text.push_str("[g3000]\nh\n[g3000:vars]\nansible_port=9\n[g0:vars]\nansible_port=1\n");
        let inv = parse_ini(&text).unwrap();
        assert_eq!(inv.groups["g0"], names(&["h"]));
        assert_eq!(inv.hosts["h"].ansible_port, Some(9));
        // Too many hosts in total.
        let text = "[a]\nh[0:60000]\n[b]\nk[0:60000]\n";
        let e = ini_err(text);
        assert_eq!(e.line, 4);
        assert!(e.message.contains("too many hosts"), "{e}");
        // The same huge range over and over.
        let mut text = String::from("[a]\n");
        for _ in 0..12 {
            text.push_str("h[0:99999]\n");
        }
        let e = ini_err(&text);
        assert!(e.message.contains("inventory too large"), "{e}");
    }

    /// A big inventory without aliases is read whole, as the YAML reader reads a big file
    /// (what counts towards the alias-bomb limits is what aliases copy); a bomb is refused.
    #[test]
    fn a_big_yaml_inventory_is_read_and_a_bomb_refused() {
        let mut text = String::from("all:\n  hosts:\n");
        for i in 0..63_000 {
            text.push_str(&format!("    h{i}: {{ansible_port: {}}}\n", 1 + i % 60_000));
        }
        let inv = parse_yaml(&text).unwrap();
        assert_eq!(inv.groups["all"].len(), 63_000);
        assert_eq!(inv.hosts["h62999"].ansible_port, Some(3_000));

        let mut bomb = String::from("all:\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            bomb.push_str(&format!(
                "    a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        bomb.push_str("  hosts:\n    h:\n");
        // Refused by the copies kept for anchors, or by the alias replay limit.
        let e = yaml_err(&bomb);
        assert!(
            e.message.contains("RecordedAnchorEvents") || e.message.contains("alias replay"),
            "{e}"
        );
    }

    #[test]
    fn yaml_detection() {
        assert!(looks_like_yaml("# c\n\nall:\n  hosts:\n"));
        assert!(looks_like_yaml("---\nall:\n"));
        assert!(looks_like_yaml("web: {hosts: {a: }}\n"));
        assert!(!looks_like_yaml("[web]\nall:\n"));
        assert!(!looks_like_yaml("web1:2222 ansible_user=x\n"));
        assert!(!looks_like_yaml("web1 note=a:b\n"));
        assert!(!looks_like_yaml(""));
    }

    #[test]
    fn shell_like_splitting() {
        assert_eq!(
            split_words(r#"h a="x y" b='p "q"' c=d\ e f=g#h # rest"#).unwrap(),
            names(&["h", "a=x y", "b=p \"q\"", "c=d e", "f=g"])
        );
        assert!(split_words("h a='x").is_err());
        assert!(split_words("h a=\\").is_err());
    }
}

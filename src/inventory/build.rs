//! Groups and hosts as a reader finds them, resolved into an [`Inventory`] by
//! [`Builder::finish`]: memberships, `ungrouped`, group cycles, variable precedence, and the
//! limits on sizes. Reads no file format itself (that is [`super::ini`] and [`super::yaml`]).

use super::ranges::{expand_ranges, split_port};
use super::vars::RawVars;
use super::{Inventory, MAX_GROUPS, MAX_HOSTS};
use crate::tree::ParseError;
use std::collections::{BTreeMap, HashMap};

/// Most host-in-group steps spent working out memberships (bounds deep, wide hierarchies).
const MAX_MEMBERSHIP_WORK: usize = 20_000_000;
/// Most host entries (a host named on a line, or a variable set on it) an inventory may make,
/// counting every expansion of every range: bounds repeated huge ranges.
const MAX_HOST_ENTRIES: usize = 1_000_000;

pub(super) const ALL: usize = 0;
pub(super) const UNGROUPED: usize = 1;

pub(super) struct Group {
    pub(super) name: String,
    /// Hosts listed in the group itself (indexes into `Builder::hosts`), maybe repeated.
    hosts: Vec<u32>,
    /// Child groups with the line that made them children.
    children: Vec<(usize, u32)>,
    vars: RawVars,
    priority: i64,
}

pub(super) struct Builder {
    pub(super) groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    /// Host names in order of first appearance.
    hosts: Vec<String>,
    host_index: HashMap<String, u32>,
    host_vars: Vec<RawVars>,
    /// Host entries made so far (see [`MAX_HOST_ENTRIES`]).
    entries: usize,
}

pub(super) fn err(line: u32, message: impl Into<String>) -> ParseError {
    ParseError::new(line.max(1), 1, message)
}

impl Builder {
    pub(super) fn new() -> Builder {
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
    pub(super) fn group(&mut self, name: &str, line: u32) -> Result<usize, ParseError> {
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
    pub(super) fn add_hosts(
        &mut self,
        g: usize,
        pattern: &str,
        line: u32,
    ) -> Result<Vec<u32>, ParseError> {
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

    pub(super) fn set_host_var(
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

    pub(super) fn set_group_var(
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

    pub(super) fn add_child(
        &mut self,
        parent: usize,
        child: usize,
        line: u32,
    ) -> Result<(), ParseError> {
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
    pub(super) fn finish(mut self) -> Result<Inventory, ParseError> {
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

//! A systemd unit read with its drop-ins, as systemd 252 loads a unit
//! (src/core/load-dropin.c, src/shared/dropin.c `unit_file_find_dropin_paths`): the unit
//! file, then every `<unit name>.d/*.conf` in the unit directories (`/etc/systemd/system`,
//! `/run/systemd/system`, `/usr/local/lib/systemd/system`, `/usr/lib/systemd/system`,
//! `/lib/systemd/system`) and beside the unit file, in the order of their file names; of two
//! drop-ins with the same name the one in the directory that comes first in that list is
//! read, the other is not. Each drop-in's assignments apply as if they followed the unit's:
//! a setting set again wins, lists grow, an empty assignment (`ExecStart=`) empties a list
//! or the environment, dependencies only grow. The collected files are the ones read: a
//! drop-in confdrift did not collect is not known here.
//!
//! Not followed: the drop-ins of a unit type (`service.d/`) or name prefix (`foo-.service.d/`),
//! of one instance of a template (`foo@bar.service.d/` for `foo@.service`), and a unit file
//! in `/etc` that hides the package's unit of the same name (both are compared as files).

use super::includes::ReadThrough;
use super::systemd::{Kind, kind};
use crate::tree::{Entry, Map, Tree, Value, push_index};
use std::collections::{BTreeSet, HashMap};

/// The unit directories, the first read first (its drop-ins win over same-named ones).
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

fn split_path(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Whether `path` is a drop-in: `<something>.d/<name>.conf`.
pub fn is_dropin(path: &str) -> bool {
    let (dir, name) = split_path(path);
    name.ends_with(".conf") && dir.ends_with(".d")
}

/// Whether systemd reads another file when it loads this one: any unit file may have
/// drop-ins (a drop-in has none).
pub fn reads_others(path: &str, _: &Tree) -> bool {
    !is_dropin(path)
}

/// The drop-ins of the unit file `root` among `paths`, in the order systemd applies them.
pub fn dropins<'p>(root: &str, paths: &[&'p str]) -> Vec<&'p str> {
    let (own_dir, name) = split_path(root);
    let want = format!("{name}.d");
    let rank = |dir: &str| {
        UNIT_DIRS
            .iter()
            .position(|d| *d == dir)
            .unwrap_or(UNIT_DIRS.len())
    };
    let mut by_name: Vec<(&str, usize, &'p str)> = Vec::new();
    for &p in paths {
        if !is_dropin(p) {
            continue;
        }
        let (dir, file) = split_path(p);
        let (parent, dname) = split_path(dir);
        if dname != want || !(parent == own_dir || UNIT_DIRS.contains(&parent)) {
            continue;
        }
        let r = rank(parent);
        match by_name.iter_mut().find(|(f, _, _)| *f == file) {
            Some(slot) if r < slot.1 => *slot = (file, r, p),
            Some(_) => {}
            None => by_name.push((file, r, p)),
        }
    }
    by_name.sort_by(|a, b| a.0.cmp(b.0));
    by_name.into_iter().map(|(_, _, p)| p).collect()
}

/// A key's section, setting name, and the rest (`""`, `[3]`, `.VAR`).
fn parts(key: &str) -> Option<(&str, &str, &str)> {
    let (section, rest) = key.split_once('.')?;
    let end = rest.find(['[', '.']).unwrap_or(rest.len());
    Some((section, &rest[..end], &rest[end..]))
}

fn kind_of(section: &str, name: &str) -> Kind {
    if section.starts_with("X-") || section.starts_with("\"X-") || name.starts_with("X-") {
        Kind::Single
    } else {
        kind(section, name)
    }
}

/// The unit `root` (its tree `tree`) read with its collected drop-ins.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let mut eff: Map<String, (Entry, String)> = Map::default();
    let mut own: HashMap<String, String> = HashMap::new();
    let mut read = BTreeSet::from([root.to_string()]);
    // How many items each list has so far (counted once, forgotten when it is emptied).
    let mut counts: HashMap<String, usize> = HashMap::new();
    let files = std::iter::once((root, Some(tree)))
        .chain(dropins(root, paths).into_iter().map(|p| (p, lookup(p))));
    for (file, t) in files {
        let Some(t) = t else { continue };
        read.insert(file.to_string());
        for (key, entry) in t.iter() {
            let Some((section, name, rest)) = parts(key) else {
                eff.insert(key.to_string(), (entry.clone(), file.to_string()));
                continue;
            };
            let base = &key[..key.len() - rest.len()];
            match (kind_of(section, name), rest) {
                (Kind::Lines | Kind::Words, "") | (Kind::Environ, "") => {
                    // An empty assignment: what came before is gone.
                    let prefix = [format!("{base}["), format!("{base}.")];
                    eff.retain(|k, _| !prefix.iter().any(|p| k.starts_with(p.as_str())));
                    counts.remove(base);
                }
                (Kind::Lines | Kind::Words, _) => {
                    let n = counts.entry(base.to_string()).or_insert_with(|| {
                        let open = format!("{base}[");
                        eff.keys().filter(|k| k.starts_with(&open)).count()
                    });
                    let n = std::mem::replace(n, *n + 1);
                    let mut at = base.to_string();
                    push_index(&mut at, n);
                    if at != key {
                        own.insert(at.clone(), key.to_string());
                    }
                    eff.insert(at, (entry.clone(), file.to_string()));
                }
                (Kind::Set, _) => {
                    let old = eff
                        .get(key)
                        .map(|(e, _)| e.value.to_string())
                        .unwrap_or_default();
                    let new = entry.value.to_string();
                    let mut units: Vec<&str> = old
                        .split_whitespace()
                        .chain(new.split_whitespace())
                        .collect();
                    units.sort_unstable();
                    units.dedup();
                    let merged = Entry {
                        value: Value::Str(units.join(" ")),
                        line: entry.line,
                    };
                    eff.insert(key.to_string(), (merged, file.to_string()));
                }
                _ => {
                    eff.insert(key.to_string(), (entry.clone(), file.to_string()));
                }
            }
        }
    }
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::with_capacity(eff.len()),
        read,
        own,
        refused: Vec::new(),
    };
    for (key, (entry, file)) in eff {
        out.tree.insert(key.clone(), entry.value, entry.line);
        out.from.insert(key, file);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::systemd::parse;

    #[test]
    fn dropins_in_name_order_the_first_directory_wins() {
        let paths = [
            "/lib/systemd/system/pgbouncer.service",
            "/lib/systemd/system/pgbouncer.service.d/20-b.conf",
            "/etc/systemd/system/pgbouncer.service.d/10-a.conf",
            "/etc/systemd/system/pgbouncer.service.d/20-b.conf",
            "/etc/systemd/system/other.service.d/10-a.conf",
            "/srv/x/pgbouncer.service.d/10-a.conf",
            "/etc/systemd/system/pgbouncer.service.d/README",
        ];
        assert_eq!(
            dropins("/lib/systemd/system/pgbouncer.service", &paths),
            vec![
                "/etc/systemd/system/pgbouncer.service.d/10-a.conf",
                "/etc/systemd/system/pgbouncer.service.d/20-b.conf"
            ]
        );
        assert!(!reads_others(paths[1], &Tree::new()));
    }

    #[test]
    fn later_wins_lists_grow_and_an_empty_assignment_empties() {
        let unit = parse(
            "[Unit]\nAfter=network.target\n[Service]\nExecStart=/a\nEnvironment=A=1 B=2\n\
             LimitNOFILE=1024\nReadWritePaths=/x\n",
        )
        .unwrap();
        let d1 = parse(
            "[Unit]\nAfter=postgresql.service\n[Service]\nExecStart=\nExecStart=/b\nExecStart=/c\n\
             Environment=A=3\nLimitNOFILE=65536\nReadWritePaths=/y\n",
        )
        .unwrap();
        let d2 = parse("[Service]\nEnvironment=\nEnvironment=C=4\n").unwrap();
        let root = "/etc/systemd/system/app.service";
        let paths = [
            root,
            "/etc/systemd/system/app.service.d/20-env.conf",
            "/etc/systemd/system/app.service.d/10-limits.conf",
        ];
        let lookup = |p: &str| match p {
            "/etc/systemd/system/app.service.d/10-limits.conf" => Some(&d1),
            "/etc/systemd/system/app.service.d/20-env.conf" => Some(&d2),
            _ => None,
        };
        let r = read_through(root, &unit, &lookup, &paths);
        let got: Vec<(String, String)> = r
            .tree
            .iter()
            .map(|(k, e)| (k.to_string(), e.value.to_string()))
            .collect();
        let want: Vec<(String, String)> = [
            ("Unit.After", "network.target postgresql.service"),
            ("Service.LimitNOFILE", "65536"),
            ("Service.ReadWritePaths[0]", "/x"),
            ("Service.ExecStart[0]", "/b"),
            ("Service.ExecStart[1]", "/c"),
            ("Service.ReadWritePaths[1]", "/y"),
            ("Service.Environment.C", "4"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(
            r.from["Service.ExecStart[1]"],
            "/etc/systemd/system/app.service.d/10-limits.conf"
        );
        assert_eq!(
            r.own["Service.ReadWritePaths[1]"],
            "Service.ReadWritePaths[0]"
        );
        assert_eq!(r.read.len(), 3);
    }
}

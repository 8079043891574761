//! A systemd unit read with its drop-ins, as systemd 252 loads a unit (src/core/load-dropin.c,
//! src/shared/dropin.c `unit_file_find_dropin_paths` and `unit_file_find_dirs`,
//! src/basic/unit-name.c, src/basic/conf-files.c):
//!
//! - The unit directories, first read first: `/etc/systemd/system`, `/run/systemd/system`,
//!   `/usr/local/lib/systemd/system`, `/usr/lib/systemd/system`, `/lib/systemd/system` (and,
//!   last, the unit file's own directory when it is none of them). A unit file in an earlier
//!   one hides a collected file of the same name in a later one: systemd loads the first
//!   ([`hidden`]); the hidden file is read by the one that hides it, and sets nothing.
//! - In each unit directory, in that order, the drop-in directories of the unit's name: its
//!   own (`foo-bar@x.service.d`); for an instance, its template's (`foo-bar@.service.d`) and
//!   those of the template's dash prefixes; then each dash prefix of the name, most specific
//!   first (`foo-@x.service.d`, with the instance's template `foo-@.service.d`;
//!   `foo-bar-baz.service` gives `foo-bar-.service.d` then `foo-.service.d`); after every
//!   unit directory's, the unit type's (`service.d`) in each. See [`dropin_dirs`].
//! - Their `*.conf` files are read in the order of their file names, whatever directory holds
//!   them; of two with the same file name, the one in the directory listed first is read, the
//!   other is not (so `/etc`'s `foo.service.d/10.conf` masks `/lib`'s, and a unit's own
//!   `10.conf` masks the type-wide `service.d/10.conf` of a later directory).
//! - Each drop-in's assignments apply as if they followed the unit's: a setting set again
//!   wins, lists grow, an empty assignment (`ExecStart=`) empties a list or the environment,
//!   dependencies only grow.
//!
//! The collected files are the ones read: collection fetches a listed unit's drop-ins by
//! itself (`super::follow`: one glob per unit directory, keeping the unit's drop-in
//! directories); a unit file of the same name in another unit directory is known when listed. A unit's name is its file's name: a template file (`foo@.service`) is read with
//! the drop-ins every instance has; an instance's own drop-ins (`foo@x.service.d/`) are read
//! for a collected unit file of that instance's name ([`read_unit`] reads any instance).

use super::includes::ReadThrough;
use super::systemd::{Kind, kind};
use crate::tree::{Entry, Map, Tree, Value, push_index};
use std::collections::{BTreeSet, HashMap};

/// The unit directories, the first read first (its drop-ins win over same-named ones).
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// systemd 252's unit types (`unit_type_from_string`).
const TYPES: &[&str] = &[
    "service",
    "mount",
    "swap",
    "socket",
    "target",
    "device",
    "automount",
    "timer",
    "path",
    "slice",
    "scope",
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

/// Whether `name` is a unit's file name (`pool.service`, `foo@.service`, `foo@x.socket`).
pub fn is_unit_name(name: &str) -> bool {
    unit_parts(name).is_some()
}

/// A unit name's parts: (prefix, instance, type); the instance is `Some("")` for a
/// template (`foo@.service`). None for a name that is not a unit's.
fn unit_parts(name: &str) -> Option<(&str, Option<&str>, &str)> {
    let (stem, ty) = name.rsplit_once('.')?;
    if !TYPES.contains(&ty) || stem.is_empty() {
        return None;
    }
    Some(match stem.split_once('@') {
        Some((prefix, instance)) if !prefix.is_empty() && !instance.contains('@') => {
            (prefix, Some(instance), ty)
        }
        Some(_) => return None,
        None => (stem, None, ty),
    })
}

/// The names whose `.d` directories hold drop-ins of the unit `name`, in the order systemd
/// looks for them in one unit directory (`unit_file_find_dirs`): the name; for an instance,
/// its template and what that gives; then the name's dash prefix (`foo-bar-baz.service` →
/// `foo-bar-.service`, keeping an instance: `foo-bar@x.service` → `foo-@x.service`) and on
/// from there. The unit type's (`service`) is not among them: it comes after every
/// directory's ([`dropin_dirs`]).
pub fn dropin_names(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    find_names(name, &mut out, 0);
    out
}

fn find_names(name: &str, out: &mut Vec<String>, depth: usize) {
    out.push(name.to_string());
    let Some((prefix, instance, ty)) = unit_parts(name) else {
        return;
    };
    // Bounded whatever the name: each step removes a dash.
    if depth > 64 {
        return;
    }
    let instance = instance.filter(|i| !i.is_empty());
    if let Some(_instance) = instance {
        find_names(&format!("{prefix}@.{ty}"), out, depth + 1);
    }
    // The prefix up to and with its last dash; a trailing dash is chopped once first.
    let mut p = prefix;
    let mut chopped = false;
    let cut = loop {
        let Some(dash) = p.rfind('-') else { return };
        if dash == 0 {
            return;
        }
        if dash + 1 < p.len() || chopped {
            break &p[..=dash];
        }
        p = &p[..dash];
        chopped = true;
    };
    let built = match instance {
        Some(i) => format!("{cut}@{i}.{ty}"),
        None => format!("{cut}.{ty}"),
    };
    find_names(&built, out, depth + 1);
}

/// The directories systemd reads drop-ins of the unit `name` from, in its order: for each
/// unit directory (and `own_dir`, the unit file's, last when it is none of them), the
/// [`dropin_names`]' `.d` directories; then the type's (`service.d`) in each.
pub fn dropin_dirs(name: &str, own_dir: &str) -> Vec<String> {
    let mut lookup: Vec<&str> = UNIT_DIRS.to_vec();
    if !lookup.contains(&own_dir) {
        lookup.push(own_dir);
    }
    let names = dropin_names(name);
    let mut out = Vec::new();
    for dir in &lookup {
        for n in &names {
            out.push(format!("{dir}/{n}.d"));
        }
    }
    if let Some((_, _, ty)) = unit_parts(name) {
        for dir in &lookup {
            out.push(format!("{dir}/{ty}.d"));
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|d| seen.insert(d.clone()));
    out
}

/// The drop-ins of the unit file `root` among `paths`, in the order systemd applies them.
pub fn dropins<'p>(root: &str, paths: &[&'p str]) -> Vec<&'p str> {
    let (own_dir, name) = split_path(root);
    unit_dropins(name, own_dir, paths)
}

/// The drop-ins of the unit `name` (its file in `own_dir`) among `paths`, in the order
/// systemd applies them: by file name, the first directory's of two with the same name.
pub fn unit_dropins<'p>(name: &str, own_dir: &str, paths: &[&'p str]) -> Vec<&'p str> {
    let dirs = dropin_dirs(name, own_dir);
    let mut by_name: Vec<(&str, usize, &'p str)> = Vec::new();
    for &p in paths {
        if !is_dropin(p) {
            continue;
        }
        let (dir, file) = split_path(p);
        let Some(r) = dirs.iter().position(|d| d == dir) else {
            continue;
        };
        match by_name.iter_mut().find(|(f, _, _)| *f == file) {
            Some(slot) if r < slot.1 => *slot = (file, r, p),
            Some(_) => {}
            None => by_name.push((file, r, p)),
        }
    }
    by_name.sort_by(|a, b| a.0.cmp(b.0));
    by_name.into_iter().map(|(_, _, p)| p).collect()
}

/// The rank of a unit directory (`None` for another directory).
fn rank(dir: &str) -> Option<usize> {
    UNIT_DIRS.iter().position(|d| *d == dir)
}

/// The collected unit files the unit file `root` hides: of the same name, in a unit directory
/// systemd reads after `root`'s (`/lib/systemd/system/x.service` under
/// `/etc/systemd/system/x.service`).
pub fn hides<'p>(root: &str, paths: &[&'p str]) -> Vec<&'p str> {
    let (dir, name) = split_path(root);
    let Some(mine) = rank(dir) else {
        return Vec::new();
    };
    paths
        .iter()
        .copied()
        .filter(|p| {
            let (d, n) = split_path(p);
            n == name && !is_dropin(p) && rank(d).is_some_and(|r| r > mine)
        })
        .collect()
}

/// The collected unit file that hides `root`, if any ([`hides`]).
pub fn hidden<'p>(root: &str, paths: &[&'p str]) -> Option<&'p str> {
    let (dir, name) = split_path(root);
    let mine = rank(dir)?;
    paths.iter().copied().find(|p| {
        let (d, n) = split_path(p);
        n == name && !is_dropin(p) && rank(d).is_some_and(|r| r < mine)
    })
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

/// The unit file `root` (its tree `tree`) read with its collected drop-ins, as systemd loads
/// the unit of its name; a unit file another hides ([`hidden`]) is read alone, and one that
/// hides others reads them (they set nothing).
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let (own_dir, name) = split_path(root);
    let dropins = if hidden(root, paths).is_some() {
        Vec::new()
    } else {
        unit_dropins(name, own_dir, paths)
    };
    let mut out = merge(root, tree, dropins.into_iter().map(|p| (p, lookup(p))));
    if hidden(root, paths).is_none() {
        out.read
            .extend(hides(root, paths).into_iter().map(str::to_string));
    }
    out
}

/// The unit `unit` (an instance `foo@x.service` loaded from its template `root`, or any unit
/// loaded from the file `root`) read with its collected drop-ins.
pub fn read_unit<'t>(
    unit: &str,
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let (own_dir, _) = split_path(root);
    let dropins = unit_dropins(unit, own_dir, paths);
    merge(root, tree, dropins.into_iter().map(|p| (p, lookup(p))))
}

/// The unit file `root` and then `dropins` (path, tree when collected), merged.
fn merge<'t, 'p>(
    root: &'p str,
    tree: &'t Tree,
    dropins: impl Iterator<Item = (&'p str, Option<&'t Tree>)>,
) -> ReadThrough {
    let mut eff: Map<String, (Entry, String)> = Map::default();
    let mut own: HashMap<String, String> = HashMap::new();
    let mut read = BTreeSet::from([root.to_string()]);
    // How many items each list has so far (counted once, forgotten when it is emptied).
    let mut counts: HashMap<String, usize> = HashMap::new();
    let files = std::iter::once((root, Some(tree))).chain(dropins);
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
    fn drop_in_directories_as_unit_file_find_dirs_names_them() {
        assert_eq!(dropin_names("pool.service"), ["pool.service"]);
        assert_eq!(
            dropin_names("foo-bar-baz.service"),
            ["foo-bar-baz.service", "foo-bar-.service", "foo-.service"]
        );
        assert_eq!(
            dropin_names("foo-bar@x.service"),
            [
                "foo-bar@x.service",
                "foo-bar@.service",
                "foo-.service",
                "foo-@x.service",
                "foo-@.service",
            ]
        );
        // A leading or trailing dash: no prefix beyond it.
        assert_eq!(dropin_names("-a.service"), ["-a.service"]);
        assert_eq!(dropin_names("a-.service"), ["a-.service"]);
        assert_eq!(dropin_names("a-b-.service"), ["a-b-.service", "a-.service"]);
        let dirs = dropin_dirs("a-b.socket", "/srv/u");
        assert_eq!(dirs[0], "/etc/systemd/system/a-b.socket.d");
        assert_eq!(dirs[1], "/etc/systemd/system/a-.socket.d");
        assert_eq!(dirs[11], "/srv/u/a-.socket.d");
        assert_eq!(dirs[12], "/etc/systemd/system/socket.d");
        assert_eq!(dirs.len(), 18);
    }

    #[test]
    fn a_unit_in_etc_hides_the_same_name_in_lib() {
        let paths = [
            "/lib/systemd/system/a.service",
            "/etc/systemd/system/a.service",
            "/etc/systemd/system/b.service",
            "/srv/a.service",
        ];
        assert_eq!(hides(paths[1], &paths), ["/lib/systemd/system/a.service"]);
        assert_eq!(hidden(paths[0], &paths), Some(paths[1]));
        assert_eq!(hidden(paths[1], &paths), None);
        assert!(hides(paths[3], &paths).is_empty());
        let t = parse("[Service]\nLimitNOFILE=1\n").unwrap();
        let r = read_through(paths[1], &t, &|_| Some(&t), &paths);
        assert!(r.read.contains(paths[0]));
        assert_eq!(r.from.values().filter(|f| *f == paths[0]).count(), 0);
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

//! Includes: the compared files in the order they are judged, each with the trees read
//! through its includes when it has any (postgresql.conf's `include`, `include_dir`,
//! `include_if_exists` and `postgresql.auto.conf`, followed among the host's own files); and,
//! for PostgreSQL, sshd, nginx and MariaDB (its server and clients: [`mycnf_includes`]), the
//! changes that leave what the program runs with as it was (a
//! setting moved between files, set again where an include overrides it, an include directive
//! that changes nothing, an included file at defaults), which are no drift, and the changes no
//! file shows that it runs with all the same (an include moved, a file renamed in its order).
//! pg_hba.conf's rules and pg_ident.conf's maps are read the same way (with the `@file` lists a
//! pg_hba.conf names: [`pghba_includes`]); a rule whose place among the whole list changes which
//! rule matches first is `moved` ([`super::pghba_order`]).

use super::compare::{Compared, Live};
use super::program::{default_entry, ignored};
use super::scope::Scope;
use crate::diff::Change;
use crate::normalize::Format;
use crate::normalize::includes::{self, Effective, ReadThrough};
use crate::normalize::{
    follow, glob3, mycnf_includes, nginx_includes, openssh_includes, pgbouncer_includes,
    pghba_includes, pgident_includes, phpfpm_includes, redis_includes, systemd_dropins,
};
use crate::report::Finding;
use crate::report::Kind;
use crate::secret;
use crate::tree::{Entry, Tree};
use std::collections::{BTreeSet, HashMap};

/// A file's trees read with its includes: (baseline, live); none when it has no includes.
pub(super) type Views = Option<(Option<Effective>, Option<Effective>)>;

/// The files in the order they are judged: other formats first, in path order; then the
/// postgresql.conf and sshd_config files, each format's without includes first, so that a
/// finding on an included file is its own.
pub(super) fn views<'c, 'v>(
    files: Vec<Compared<'c>>,
    version_of: &'v dyn Fn(&str) -> Option<&'v str>,
) -> Vec<(Compared<'c>, Views)> {
    // One pass: each file to its program's bucket (the order of `RESOLVERS`), the others first.
    let mut buckets: [Vec<Compared>; RESOLVERS.len()] = Default::default();
    let mut out: Vec<(Compared, Views)> = Vec::with_capacity(files.len());
    for f in files {
        match RESOLVERS
            .iter()
            .position(|(name, _)| *name == bucket_of(f.format.name()))
        {
            Some(i) => buckets[i].push(f),
            None => out.push((f, None)),
        }
    }
    for ((_, resolve), files) in RESOLVERS.iter().zip(buckets) {
        if !files.is_empty() {
            out.extend(model_views(files, *resolve, version_of));
        }
    }
    out
}

/// How the judge reads a file of `format` through its includes ([`views`]; `lint` reads the
/// intended state the same way); none for a format whose includes are not followed.
pub(super) fn resolver(format: &str) -> Option<ResolveFn> {
    RESOLVERS
        .iter()
        .find(|(name, _)| *name == format)
        .map(|(_, resolve)| *resolve)
}

/// The formats whose includes the judge follows, and how ([`views`], [`resolver`]).
const RESOLVERS: [(&str, ResolveFn); 10] = [
    ("pgconf", follow),
    ("sshd", follow_sshd),
    ("nginx", follow_nginx),
    ("redis", follow_redis),
    ("pgbouncer", follow_bouncer),
    ("mycnf", follow_mycnf),
    ("systemd", follow_systemd),
    ("phpfpm", follow_phpfpm),
    ("pghba", follow_pghba),
    ("pgident", follow_pgident),
];

/// The [`RESOLVERS`] row a format's files go to: an `@file` list of names with the
/// pg_hba.conf that names it.
fn bucket_of(format: &str) -> &str {
    match format {
        "pgnames" => "pghba",
        f => f,
    }
}

/// Resolves one side of a file through its includes: (path, tree, the other trees by path,
/// every path); `None` when nothing included changes anything.
pub(super) type ResolveFn = for<'t> fn(
    &str,
    Option<&'t Tree>,
    &dyn Fn(&str) -> Option<&'t Tree>,
    &[&str],
    Option<&str>,
) -> Option<Effective>;

/// The files of one format of one host, each read with the files it includes (both sides).
fn model_views<'c, 'v>(
    files: Vec<Compared<'c>>,
    resolve: ResolveFn,
    version_of: &'v dyn Fn(&str) -> Option<&'v str>,
) -> Vec<(Compared<'c>, Views)> {
    let find = |path: &str| files.iter().find(|f| f.path == path);
    let base_paths: Vec<&str> = files
        .iter()
        .filter(|f| f.base.is_some())
        .map(|f| f.path.as_str())
        .collect();
    let live_paths: Vec<&str> = files
        .iter()
        .filter(|f| f.live_tree().is_some())
        .map(|f| f.path.as_str())
        .collect();
    let mut resolved = Vec::with_capacity(files.len());
    for f in &files {
        let version = version_of(f.path);
        resolved.push((
            resolve(
                f.path,
                f.base,
                &|p| find(p).and_then(|g| g.base),
                &base_paths,
                version,
            ),
            resolve(
                f.path,
                f.live_tree(),
                &|p| find(p).and_then(Compared::live_tree),
                &live_paths,
                version,
            ),
        ));
    }
    let mut order: Vec<(Compared, Views)> = files
        .into_iter()
        .zip(resolved)
        .map(|(f, (base, live))| {
            let views = (base.is_some() || live.is_some()).then_some((base, live));
            (f, views)
        })
        .collect();
    order.sort_by_key(|(_, v)| v.is_some());
    order
}

/// The effective settings of `path` when it has includes that change something.
fn follow<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    tree.filter(|t| includes::reads_others(path, t))
        .and_then(|tree| includes::resolve(path, tree, lookup, paths))
}

/// Whether an sshd_config-format tree holds an `Include` (in a `Match` block too).
fn sshd_includes(_: &str, tree: &Tree) -> bool {
    tree.iter()
        .any(|(k, _)| k.rsplit('.').next().unwrap_or(k).starts_with("include["))
}

/// What sshd runs with when it reads `path`, when a file it includes sets something.
fn follow_sshd<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("sshd"), path, tree, lookup, paths)
}

/// What nginx runs with when it reads `path`, when a file it includes sets something: keys as
/// they stand in the whole configuration (`http.server[1].listen`).
fn follow_nginx<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("nginx"), path, tree, lookup, paths)
}

/// What Redis runs with when it reads `path`, when a file it includes sets something.
fn follow_redis<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("redis"), path, tree, lookup, paths)
}

/// What PgBouncer runs with when it reads `path`, when a file it includes sets something.
fn follow_bouncer<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("pgbouncer"), path, tree, lookup, paths)
}

/// A systemd unit read with its drop-ins, when a drop-in sets something.
fn follow_systemd<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("systemd"), path, tree, lookup, paths)
}

/// What php-fpm runs with when it reads `path`, when a file it includes sets something.
fn follow_phpfpm<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("phpfpm"), path, tree, lookup, paths)
}

/// The rules PostgreSQL reads from a pg_hba.conf through its include lines and `@file` lists,
/// when an included file holds some.
fn follow_pghba<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("pghba"), path, tree, lookup, paths)
}

/// The user maps PostgreSQL reads from a pg_ident.conf through its include lines, when an
/// included file holds some.
fn follow_pgident<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    _: Option<&str>,
) -> Option<Effective> {
    through(model_of("pgident"), path, tree, lookup, paths)
}

/// What MariaDB's server and clients run with when they read `path` (with the option table
/// of `version`), when a file it includes sets something, keyed for rules as option files
/// are: the server's options under `mysqld.` whichever group set them (`[mariadb]
/// max-connections` is `mysqld.max_connections`), a client's as the file that set it wrote
/// it (`client.port`), other groups as written. Without a version, every key as written.
fn follow_mycnf<'t>(
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
    version: Option<&str>,
) -> Option<Effective> {
    let tree = tree.filter(|t| mycnf_includes::reads_others(path, t))?;
    let read = mycnf_includes::read_through(path, tree, lookup, paths, version);
    if read.from.values().all(|file| file == path) {
        return None;
    }
    let mut out = Effective {
        tree: Tree::new(),
        from: HashMap::new(),
    };
    for (key, entry) in read.tree.iter() {
        let named = if key.starts_with('"') || key.contains('.') {
            key.to_string()
        } else if key.contains(':') {
            match read.own.get(key) {
                Some(own) => own.clone(),
                None => continue,
            }
        } else {
            format!("mysqld.{key}")
        };
        if let Some(file) = read.from.get(key).filter(|f| *f != path) {
            out.from.insert(named.clone(), file.clone());
        }
        out.tree.insert(named, entry.value.clone(), entry.line);
    }
    Some(out)
}

/// The model of the programs whose files are read in `format`.
fn model_of(format: &str) -> &'static Model {
    MODELS
        .iter()
        .find(|m| m.format == format)
        .expect("a model for every format views reads")
}

/// `path` read through its includes by `model`, each key naming the included file that set
/// it; none when no included file sets anything.
fn through<'t>(
    model: &Model,
    path: &str,
    tree: Option<&'t Tree>,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> Option<Effective> {
    let tree = tree.filter(|t| (model.reads_others)(path, t))?;
    let read = (model.read_through)(path, tree, lookup, paths, None);
    let from: std::collections::HashMap<String, String> = read
        .from
        .into_iter()
        .filter(|(_, file)| file != path)
        .collect();
    (!from.is_empty()).then_some(Effective {
        tree: read.tree,
        from,
    })
}

/// One side of a postgresql.conf-format file read through its includes: the settings the
/// server runs with, and the files read.
type Read = Option<ReadThrough>;

/// What a program runs with when it reads a root file (path, tree) and what that includes
/// (the other collected files' trees by path, and their paths), for the program's version
/// when it is known.
type ReadThroughFn = for<'t> fn(
    &str,
    &'t Tree,
    &dyn Fn(&str) -> Option<&'t Tree>,
    &[&str],
    Option<&str>,
) -> ReadThrough;

/// How one program reads its files through their includes.
struct Model {
    /// The format its files are read in.
    format: &'static str,
    /// What it runs with when it reads a root file and what that includes.
    read_through: ReadThroughFn,
    /// Whether a key is an include directive (compared as written, never dropped).
    is_directive: fn(&str) -> bool,
    /// Whether it reads another file when it reads this one.
    reads_others: fn(&str, &Tree) -> bool,
    /// Whether a change no file's own change explains is named by the key that set the value
    /// in its file ([`ReadThrough::own`]: MariaDB's `mariadb.max_connections`), not by the
    /// key of what the program runs with.
    names_own: bool,
    /// Formats of files the program reads only through its own (pg_hba.conf's `@file` lists):
    /// read with them, their changes judged by what the program runs with.
    also: &'static [&'static str],
}

impl Model {
    fn reads(&self, format: Format) -> bool {
        format.name() == self.format || self.also.contains(&format.name())
    }
}

/// The programs whose includes are followed: PostgreSQL (postgresql.conf, pg_hba.conf and
/// pg_ident.conf), sshd, nginx, MariaDB's server, Redis, PgBouncer, systemd (drop-ins) and
/// php-fpm.
const MODELS: &[Model] = &[
    Model {
        format: "pghba",
        read_through: |root, tree, lookup, paths, _| {
            pghba_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: pghba_includes::is_directive,
        reads_others: pghba_includes::reads_others,
        names_own: false,
        also: &["pgnames"],
    },
    Model {
        format: "pgident",
        read_through: |root, tree, lookup, paths, _| {
            pgident_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: pgident_includes::is_directive,
        reads_others: pgident_includes::reads_others,
        names_own: false,
        also: &[],
    },
    Model {
        format: "pgconf",
        read_through: |root, tree, lookup, paths, _| {
            includes::read_through(root, tree, lookup, paths)
        },
        is_directive: includes::is_include_directive,
        // postgresql.auto.conf counts only when collected: then it is a second file here.
        reads_others: |_, tree| includes::has_includes(tree),
        names_own: false,
        also: &[],
    },
    Model {
        format: "sshd",
        read_through: |root, tree, lookup, paths, _| {
            openssh_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: |key| {
            let last = key.rsplit('.').next().unwrap_or(key);
            last.split('[').next() == Some("include")
        },
        reads_others: sshd_includes,
        names_own: false,
        also: &[],
    },
    Model {
        format: "nginx",
        read_through: |root, tree, lookup, paths, _| {
            nginx_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: nginx_includes::is_directive,
        reads_others: nginx_includes::reads_others,
        names_own: false,
        also: &[],
    },
    Model {
        format: "mycnf",
        read_through: mycnf_includes::read_through,
        is_directive: mycnf_includes::is_directive,
        reads_others: mycnf_includes::reads_others,
        names_own: true,
        also: &[],
    },
    Model {
        format: "redis",
        read_through: |root, tree, lookup, paths, _| {
            redis_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: redis_includes::is_directive,
        reads_others: redis_includes::reads_others,
        names_own: false,
        also: &[],
    },
    Model {
        format: "pgbouncer",
        read_through: |root, tree, lookup, paths, _| {
            pgbouncer_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: pgbouncer_includes::is_directive,
        reads_others: pgbouncer_includes::reads_others,
        names_own: false,
        also: &[],
    },
    Model {
        format: "systemd",
        read_through: |root, tree, lookup, paths, _| {
            systemd_dropins::read_through(root, tree, lookup, paths)
        },
        is_directive: |_| false,
        reads_others: systemd_dropins::reads_others,
        names_own: false,
        also: &[],
    },
    Model {
        format: "phpfpm",
        read_through: |root, tree, lookup, paths, _| {
            phpfpm_includes::read_through(root, tree, lookup, paths)
        },
        is_directive: phpfpm_includes::is_directive,
        reads_others: phpfpm_includes::reads_others,
        names_own: false,
        also: &[],
    },
];

/// Where each file's keys are in what the program runs with, for one root (both sides):
/// (file, its key) → the keys there, when they differ ([`ReadThrough::own`], nginx); ("", a
/// list) → the one setting the program folds every file's lines of it into (redis `save`).
type Moved = HashMap<(String, String), Vec<String>>;

fn moved(side: &(Read, Read)) -> Moved {
    let mut out: Moved = HashMap::new();
    for r in [&side.0, &side.1].into_iter().flatten() {
        for (e, own) in &r.own {
            if let Some(file) = r.from.get(e) {
                let keys = out.entry((file.clone(), own.clone())).or_default();
                if !keys.contains(e) {
                    keys.push(e.clone());
                }
            }
            if own.split_once('[').is_some_and(|(bare, _)| bare == e) {
                out.insert((String::new(), e.clone()), vec![e.clone()]);
            }
        }
    }
    out
}

/// The keys a file's `key` has in what the program runs with: where it moved; for a line of a
/// list the program folds into one setting, that setting (redis's `save[1]` is `save`); else
/// itself.
fn keys_of<'m>(moved: &'m Moved, path: &str, key: &'m str) -> Vec<&'m str> {
    let folded = || {
        let (bare, _) = key.split_once('[')?;
        moved.get(&(String::new(), bare.to_string()))
    };
    match moved
        .get(&(path.to_string(), key.to_string()))
        .or_else(folded)
    {
        Some(keys) => keys.iter().map(String::as_str).collect(),
        None => vec![key],
    }
}

/// The include directives of the host's files that their program refuses to start with (a
/// file read again in its own chain, nesting past the program's limit), each once: (file,
/// line, what the program does). Files whose includes change nothing are read too.
pub(super) fn refused_includes(scope: &Scope, files: &[Compared]) -> Vec<(String, u32, String)> {
    let mut out: Vec<(String, u32, String)> = Vec::new();
    for model in MODELS {
        let ours: Vec<&Compared> = files.iter().filter(|f| model.reads(f.format)).collect();
        if ours.is_empty() || !may_refuse(model, &ours) {
            continue;
        }
        let paths: Vec<&str> = ours
            .iter()
            .filter(|f| f.live_tree().is_some())
            .map(|f| f.path.as_str())
            .collect();
        let lookup = |p: &str| {
            ours.iter()
                .find(|f| *f.path == p)
                .and_then(|f| f.live_tree())
        };
        // From the files the group lists (what the program is started with; the others are
        // only read through them): a circle is reported once, from where it is entered (the
        // files one read reaches are not read again).
        let mut reached: BTreeSet<String> = BTreeSet::new();
        for f in ours.iter().filter(|f| (scope.listed)(f.path)) {
            if reached.contains(f.path.as_str()) {
                continue;
            }
            let Some(tree) = f.live_tree().filter(|t| (model.reads_others)(f.path, t)) else {
                continue;
            };
            let read =
                (model.read_through)(f.path, tree, &lookup, &paths, (scope.version_of)(f.path));
            reached.extend(read.read);
            // The program stops at the first it meets.
            for r in read.refused.into_iter().take(1) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// Whether the live files of one program can hold an include chain it refuses: one as long
/// as the shortest nesting limit (10 files with includes), or a circle among the files with
/// includes (each include matched against the collected paths). The usual host, one entry
/// file whose includes name files without includes, is not read through again.
fn may_refuse(model: &Model, files: &[&Compared]) -> bool {
    // php-fpm opens 5 files in a chain at most; the others nest 10 levels or more.
    let shortest_limit: usize = if model.format == "phpfpm" { 5 } else { 10 };
    let with: Vec<(&str, &Tree, Format)> = files
        .iter()
        .filter_map(|f| Some((f.path.as_str(), f.live_tree()?, f.format)))
        .filter(|(p, t, _)| (model.reads_others)(p, t))
        .collect();
    if with.is_empty() {
        return false;
    }
    if with.len() >= shortest_limit {
        return true;
    }
    // Edges among the files with includes; a circle is a path back to where it started.
    let next: Vec<Vec<usize>> = with
        .iter()
        .map(|(path, tree, format)| {
            let format = *format;
            let includes = follow::includes(format, path, tree);
            (0..with.len())
                .filter(|&j| {
                    includes
                        .iter()
                        .any(|i| i.pattern == with[j].0 || glob3::matches(&i.pattern, with[j].0))
                })
                .collect()
        })
        .collect();
    (0..with.len()).any(|start| {
        let mut seen = vec![false; with.len()];
        let mut stack = next[start].clone();
        while let Some(i) = stack.pop() {
            if i == start {
                return true;
            }
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(&next[i]);
            }
        }
        false
    })
}

/// Drops the changes of the host's files that leave what their program runs with as it
/// was, for each program whose includes are followed ([`MODELS`]).
pub(super) fn drop_without_effect(
    scope: &Scope,
    files: &mut [Compared],
    notices: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    for model in MODELS {
        drop_for(model, scope, files, notices, findings);
    }
}

/// Drops the changes of the host's files of `model`'s format that leave what the program runs
/// with as it was. A change of setting `k` in file F goes when at least one file the program
/// reads first (a file no other includes) reads F on either side, and every such file runs
/// with the same `k` on both sides, and only when every file they include is known (listed, or
/// asked for by the collection following includes). Then a change of an include directive is
/// a notice: what it changes is found key by key. Each dropped change leaves a notice.
fn drop_for(
    model: &Model,
    scope: &Scope,
    files: &mut [Compared],
    notices: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    let pg: Vec<usize> = (0..files.len())
        .filter(|&i| model.reads(files[i].format))
        .collect();
    if pg.len() < 2 && !pg.iter().any(|&i| has_any_includes(model, &files[i])) {
        return;
    }
    // Every file byte for byte its baseline: the program reads the same on both sides.
    if pg
        .iter()
        .all(|&i| matches!(files[i].live, Live::Same) && files[i].changes.is_empty())
    {
        return;
    }
    let sides: Vec<(Read, Read)> = {
        let find = |path: &str| pg.iter().map(|&i| &files[i]).find(|f| f.path == path);
        let paths = |live: bool| -> Vec<&str> {
            pg.iter()
                .map(|&i| &files[i])
                .filter(|f| {
                    if live {
                        f.live_tree().is_some()
                    } else {
                        f.base.is_some()
                    }
                })
                .map(|f| f.path.as_str())
                .collect()
        };
        let (base_paths, live_paths) = (paths(false), paths(true));
        pg.iter()
            .map(|&i| {
                let f = &files[i];
                let version = (scope.version_of)(f.path);
                let base = f.base.map(|t| {
                    (model.read_through)(
                        f.path,
                        t,
                        &|p| find(p).and_then(|g| g.base),
                        &base_paths,
                        version,
                    )
                });
                let live = f.live_tree().map(|t| {
                    (model.read_through)(
                        f.path,
                        t,
                        &|p| find(p).and_then(Compared::live_tree),
                        &live_paths,
                        version,
                    )
                });
                (base, live)
            })
            .collect()
    };
    let moves: Vec<Moved> = sides.iter().map(moved).collect();
    let reads = |s: &(Read, Read), path: &str| {
        [&s.0, &s.1]
            .into_iter()
            .flatten()
            .any(|r| r.read.contains(path))
    };
    // The files the server reads first: read by no other.
    let roots: Vec<usize> = (0..pg.len())
        .filter(|&r| {
            let path = files[pg[r]].path.as_str();
            (0..pg.len()).all(|o| o == r || !reads(&sides[o], path))
        })
        .collect();
    // An absent setting has the server's default, when its version's table is known and no
    // other file the server reads first (postgresql.auto.conf) sets it on either side.
    let set_elsewhere = |r: usize, key: &str| {
        roots.iter().any(|&o| {
            o != r
                && [&sides[o].0, &sides[o].1]
                    .into_iter()
                    .flatten()
                    .any(|s| s.tree.get(key).is_some())
        })
    };
    let who: Vec<(Format, String)> = pg
        .iter()
        .map(|&i| (files[i].format, files[i].path.clone()))
        .collect();
    let with_defaults = |r: usize, key: &str, b: Option<&Entry>, l: Option<&Entry>| {
        let (format, path) = &who[r];
        let default = || {
            (!set_elsewhere(r, key))
                .then(|| default_entry(*format, path, (scope.version_of)(path), key))
                .flatten()
        };
        match (b, l) {
            (Some(b), None) => (Some(b.clone()), default()),
            (None, Some(l)) => (default(), Some(l.clone())),
            (b, l) => (b.cloned(), l.cloned()),
        }
    };
    // A file the server reads first whose includes name only what the group collects or the
    // collection followed (so what was not collected does not exist on the host): only then
    // is what it runs with known.
    let collected = |pattern: &str| (scope.known)(pattern);
    let complete: Vec<bool> = (0..pg.len())
        .map(|r| {
            let (base, live) = &sides[r];
            [base, live].into_iter().flatten().all(|side| {
                side.read.iter().all(|p| {
                    let Some(f) = pg.iter().map(|&i| &files[i]).find(|f| f.path == p) else {
                        return true;
                    };
                    [f.base, f.live_tree()]
                        .into_iter()
                        .flatten()
                        .flat_map(|tree| follow::includes(f.format, p, tree))
                        .all(|inc| collected(&inc.pattern))
                })
            })
        })
        .collect();
    // The files whose every reader is known whole.
    let mut known = vec![false; pg.len()];
    let mut idle = vec![false; pg.len()];
    for (n, &i) in pg.iter().enumerate() {
        let path = files[i].path.clone();
        let format = files[i].format;
        let covering: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|&r| r == n || reads(&sides[r], &path))
            .collect();
        if covering.is_empty() || covering.iter().any(|&r| !complete[r]) {
            continue;
        }
        known[n] = true;
        let same = |key: &str| {
            covering.iter().all(|&r| {
                keys_of(&moves[r], &path, key).into_iter().all(|key| {
                    let (root_format, root_path) = &who[r];
                    if ignored(*root_format, (scope.version_of)(root_path), key) {
                        return true;
                    }
                    let (base, live) = &sides[r];
                    let base = base.as_ref().and_then(|r| r.tree.get(key));
                    let live = live.as_ref().and_then(|r| r.tree.get(key));
                    let (base, live) = with_defaults(r, key, base, live);
                    same_entry(base.as_ref(), live.as_ref(), || {
                        secret::is_secret_key(format, key)
                    })
                })
            })
        };
        // Every file the program reads first is known whole here, so an include directive
        // changes only what the keys below say it changes (named where each value is set).
        let directives: Vec<String> = files[i]
            .changes
            .iter()
            .filter(|c| (model.is_directive)(&c.key))
            .map(|c| {
                let line = c
                    .live
                    .as_ref()
                    .or(c.baseline.as_ref())
                    .map_or(0, |e| e.line);
                format!("{} {} (line {line})", c.key, c.kind.name())
            })
            .collect();
        if !directives.is_empty() {
            notices.push(format!(
                "{path}: include directives changed: {}; what the program runs with differently, if anything, is in the findings on the files it reads",
                directives.join(", ")
            ));
        }
        files[i].changes.retain(|c| !(model.is_directive)(&c.key));
        // A file on one side only is idle when nothing it sets runs differently.
        if files[i].base.is_none() != files[i].live_tree().is_none() {
            let own = files[i].base.or(files[i].live_tree());
            idle[n] =
                own.is_some_and(|t| t.iter().all(|(k, _)| (model.is_directive)(k) || same(k)));
        }
        let (kept, dropped): (Vec<Change>, Vec<Change>) = std::mem::take(&mut files[i].changes)
            .into_iter()
            .partition(|c| !same(&c.key));
        if model.names_own {
            for c in &kept {
                let key = keys_of(&moves[covering[0]], &path, &c.key)[0];
                let secret = secret::is_secret_key(format, &c.key);
                if let Some(notice) =
                    set_elsewhere_notice(&path, c, key, secret, &sides[covering[0]])
                    && !notices.contains(&notice)
                {
                    notices.push(notice);
                }
            }
        }
        files[i].changes = kept;
        if !dropped.is_empty() {
            let reasons: Vec<String> = dropped
                .iter()
                .map(|c| {
                    let key = keys_of(&moves[covering[0]], &path, &c.key)[0];
                    why(c, key, &path, &sides[covering[0]])
                })
                .collect();
            let shown = reasons.len().min(5);
            let more = match reasons.len() - shown {
                0 => String::new(),
                n => format!(", and {n} more"),
            };
            let notice = format!(
                "{path}: no change in what the program runs with (read through its includes): {}{more}",
                reasons[..shown].join("; ")
            );
            if !notices.contains(&notice) {
                notices.push(notice);
            }
        }
    }
    // What no file's own change explains: the server runs with another value because an
    // include moved, or a file's name changed its place in `include_dir`'s order. Reported on
    // the file that sets the value the server now runs with (or set the old one).
    for &r in roots.iter().filter(|&&r| complete[r]) {
        let (Some(base), Some(live)) = (&sides[r].0, &sides[r].1) else {
            continue;
        };
        let mut keys: BTreeSet<&str> = base.tree.iter().map(|(k, _)| k).collect();
        keys.extend(live.tree.iter().map(|(k, _)| k));
        let mut pending: Vec<(usize, Change)> = Vec::new();
        for key in keys {
            let (b, l) = (base.tree.get(key), live.tree.get(key));
            let format = files[pg[r]].format;
            let (db, dl) = with_defaults(r, key, b, l);
            if (model.is_directive)(key)
                || ignored(format, (scope.version_of)(&who[r].1), key)
                || same_entry(db.as_ref(), dl.as_ref(), || {
                    secret::is_secret_key(format, key)
                })
            {
                continue;
            }
            let explained = pg.iter().any(|&i| {
                (base.read.contains(files[i].path.as_str())
                    || live.read.contains(files[i].path.as_str()))
                    && files[i]
                        .changes
                        .iter()
                        .any(|c| keys_of(&moves[r], files[i].path, &c.key).contains(&key))
            });
            if explained {
                continue;
            }
            let (setter, own) = match live.from.get(key) {
                Some(file) => (Some(file), live.own.get(key)),
                None => (base.from.get(key), base.own.get(key)),
            };
            let Some(&at) = pg.iter().find(|&&i| Some(files[i].path) == setter) else {
                continue;
            };
            // Named as the file that sets it writes it, once.
            let name = match own {
                Some(own) if model.names_own => own.as_str(),
                _ => key,
            };
            if model.names_own && files[at].changes.iter().any(|c| c.key == name) {
                continue;
            }
            let kind = match (b, l) {
                (Some(_), Some(_)) => Kind::Changed,
                (None, _) => Kind::Added,
                (_, None) => Kind::Removed,
            };
            // A secret the baseline holds as its fingerprint is compared as the file's own
            // change would be.
            let change = Change {
                key: name.to_string(),
                kind,
                baseline: b.cloned(),
                live: l.cloned(),
            };
            for c in secret::match_fingerprints(format, vec![change]) {
                pending.push((at, c));
            }
        }
        // pg_hba.conf: an `after` that only rules added or removed above it changed is theirs;
        // one the rules both sides have in another order is a move.
        if model.format == "pghba" {
            let mut changes: Vec<Change> = pending.iter().map(|(_, c)| c.clone()).collect();
            super::pghba_order::settle(
                files[pg[r]].path,
                None,
                Some(&base.tree),
                Some(&live.tree),
                &mut changes,
            );
            pending = changes
                .into_iter()
                .filter_map(|c| {
                    let at = pending.iter().find(|(_, p)| p.key == c.key)?.0;
                    Some((at, c))
                })
                .collect();
        }
        for (at, c) in pending {
            files[at].changes.push(c);
        }
    }
    drop_idle_files(scope, files, &pg, &idle, notices, findings);
}

/// Why a change of `path` leaves what the program runs with as it was, for the notice: where
/// the value it runs with is set now (under `key`, what the change's key is there), or that it
/// is the default.
fn why(c: &Change, key: &str, path: &str, side: &(Read, Read)) -> String {
    let (base, live) = side;
    let setter = |r: &Read| {
        r.as_ref().and_then(|r| {
            let line = r.tree.get(key)?.line;
            Some((r.from.get(key).cloned().unwrap_or_default(), line))
        })
    };
    match (setter(base), setter(live)) {
        (_, Some((file, line))) if file != path => match c.kind {
            Kind::Removed => format!("{} moved to {file}:{line}", c.key),
            _ => format!(
                "{} set by {file}:{line}, which the program reads after",
                c.key
            ),
        },
        (Some((file, line)), Some(_)) if file != path => {
            format!("{} moved here from {file}:{line}", c.key)
        }
        (_, None) | (None, _) => match c.kind {
            Kind::Added => format!("{} written out at its default", c.key),
            Kind::Removed => format!("{} removed at its default", c.key),
            _ => format!("{} the same to the program", c.key),
        },
        _ => format!("{} the same to the program", c.key),
    }
}

/// Where the value of a change kept on `path` comes from, when another file sets it on
/// either side (a file read later overrides it there): the finding names this file's line;
/// the notice names the line the program takes its value from (values left out for a secret).
fn set_elsewhere_notice(
    path: &str,
    c: &Change,
    key: &str,
    secret: bool,
    side: &(Read, Read),
) -> Option<String> {
    let at = |r: &Read| -> Option<(String, String, u32)> {
        let r = r.as_ref()?;
        let e = r.tree.get(key)?;
        let file = r.from.get(key).cloned().unwrap_or_default();
        Some((e.value.to_string(), file, e.line))
    };
    let (base, live) = (at(&side.0), at(&side.1));
    if [&base, &live]
        .into_iter()
        .all(|s| s.as_ref().is_none_or(|(_, file, _)| file == path))
    {
        return None;
    }
    let say = |s: &Option<(String, String, u32)>| match s {
        Some((_, file, line)) if secret => format!("the value set by {file}:{line}"),
        Some((value, file, line)) => format!("{value} from {file}:{line}"),
        None => "not set".to_string(),
    };
    Some(format!(
        "{path}: {}: the program runs with {} (was {})",
        c.key,
        say(&live),
        say(&base)
    ))
}

/// A file no entry lists, read through an include, that appeared or went without changing
/// what the program runs with: a notice, not a finding (one that changes something carries
/// the findings of what it changes).
fn drop_idle_files(
    scope: &Scope,
    files: &[Compared],
    pg: &[usize],
    idle: &[bool],
    notices: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    for (n, &i) in pg.iter().enumerate() {
        let f = &files[i];
        if !idle[n] || !f.changes.is_empty() || (scope.listed)(f.path) {
            continue;
        }
        let before = findings.len();
        findings.retain(|x| {
            !(x.file == *f.path && matches!(x.kind, Kind::MissingFile | Kind::UnexpectedFile))
        });
        if findings.len() < before {
            notices.push(format!(
                "{}: {} (read through an include) without changing what the program runs with",
                f.path,
                if f.base.is_some() { "gone" } else { "new" }
            ));
        }
    }
}

fn has_any_includes(model: &Model, f: &Compared) -> bool {
    [f.base, f.live_tree()]
        .into_iter()
        .flatten()
        .any(|t| (model.reads_others)(f.path, t))
}

/// The same setting on both sides: both absent, or values the server reads alike (a secret's
/// as written).
fn same_entry(a: Option<&Entry>, b: Option<&Entry>, as_text: impl Fn() -> bool) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.value == b.value
                || (a.value.same(&b.value)
                    && (!as_text() || a.value.to_string() == b.value.to_string()))
        }
        _ => false,
    }
}

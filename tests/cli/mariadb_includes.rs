//! MariaDB's server judges confdrift on Debian's option files read through `!includedir`:
//! `/etc/mysql/my.cnf` (Debian's `mariadb.cnf`, which includes `conf.d/` then
//! `mariadb.conf.d/`) with the files the packages put there (`fixtures/upstream`), and pairs
//! of a host's files where options move between files, an include directory's files swap
//! values or change their order, the two `!includedir` lines swap, an option moves to the
//! other side of an `!includedir` in my.cnf, a later file overrides an edit, an option is
//! written out at its default in an included file, and real edits. For each pair
//! `mariadbd --defaults-file=my.cnf --verbose --help` prints what the server runs with on both
//! sides, and confdrift (`check` listing only my.cnf with `version = "10.11"`, and
//! `diff --program-version 10.11` of two copies of `/`) must name exactly the options that
//! differ, and exit 0 when none does. Pairs the server refuses are counted apart: confdrift
//! must report trouble for them.

use crate::harness::Fleet;
use crate::mariadb_effective::{explains, named, server_at};
use confdrift::normalize::defaults::mariadb;
use std::collections::{BTreeMap, BTreeSet};

const MY_CNF: &str = include_str!("../../fixtures/upstream/mariadb-common/mariadb.cnf");
const SERVER: &str = include_str!("../../fixtures/upstream/mariadb-server/50-server.cnf");
const SAFE: &str = include_str!("../../fixtures/upstream/mariadb-server/50-mysqld_safe.cnf");
const CLIENT: &str = include_str!("../../fixtures/upstream/mariadb-client/50-client.cnf");
const CLIENTS: &str = include_str!("../../fixtures/upstream/mariadb-client/50-mysql-clients.cnf");
const DUMP: &str = include_str!("../../fixtures/upstream/mysql-common/mysqldump.cnf");

const CONF_D: &str = "!includedir /etc/mysql/conf.d/\n";
const MARIADB_D: &str = "!includedir /etc/mysql/mariadb.conf.d/\n";

/// One side: the files under /etc/mysql, by name relative to it.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
}

/// Debian's my.cnf with `before` above its `!includedir` lines and `after` at its end (where
/// its last group, `[client-server]`, goes on); `swapped`: the two lines in the other order.
fn my_cnf(before: &str, after: &str, swapped: bool) -> String {
    let at = MY_CNF.find(CONF_D).unwrap();
    let rest = &MY_CNF[at + CONF_D.len()..];
    assert!(rest.starts_with(MARIADB_D));
    let rest = &rest[MARIADB_D.len()..];
    let dirs = if swapped {
        format!("{MARIADB_D}{CONF_D}")
    } else {
        format!("{CONF_D}{MARIADB_D}")
    };
    format!("{}{before}{dirs}{rest}{after}", &MY_CNF[..at])
}

/// Debian's 50-server.cnf with `line` first in its `[mysqld]` group.
fn server_with(line: &str) -> String {
    assert!(SERVER.contains("\n[mysqld]\n"));
    SERVER.replacen("\n[mysqld]\n", &format!("\n[mysqld]\n{line}"), 1)
}

/// The files a Debian host has, my.cnf and 50-server.cnf as given, then `extra` (a file of
/// the same name replaces the packaged one).
fn host(my: &str, server: &str, extra: &[(&str, String)]) -> Side {
    let mut files: BTreeMap<String, String> = [
        ("my.cnf", my.to_string()),
        ("conf.d/mysqldump.cnf", DUMP.to_string()),
        ("mariadb.conf.d/50-client.cnf", CLIENT.to_string()),
        ("mariadb.conf.d/50-mysql-clients.cnf", CLIENTS.to_string()),
        ("mariadb.conf.d/50-mysqld_safe.cnf", SAFE.to_string()),
        ("mariadb.conf.d/50-server.cnf", server.to_string()),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .collect();
    for (n, t) in extra {
        files.insert(n.to_string(), t.clone());
    }
    files.into_iter().collect()
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let plain_my = my_cnf("", "", false);
    // option, three values, the first in another spelling, the server's default.
    for (k, v, w, x, respelled, default) in [
        ("max_connections", "200", "300", "400", "0200", "151"),
        (
            "innodb_buffer_pool_size",
            "1G",
            "2G",
            "512M",
            "1024M",
            "128M",
        ),
        ("wait_timeout", "600", "900", "300", "600", "28800"),
        ("binlog_format", "ROW", "STATEMENT", "MIXED", "row", "MIXED"),
    ] {
        let line = |val: &str| format!("{k} = {val}\n");
        let file = |group: &str, val: &str| format!("[{group}]\n{}", line(val));
        let local = |name: &'static str, val: &str| (name, file("mysqld", val));
        let m60 = "mariadb.conf.d/60-local.cnf";
        let m40 = "mariadb.conf.d/40-local.cnf";
        let c60 = "conf.d/60-local.cnf";
        let mut add = |what: &str, base: Side, live: Side| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base,
                live,
            });
        };
        let plain = host(&plain_my, SERVER, &[]);
        add(
            "moved from 50-server.cnf to a new 60-local.cnf's [mariadb], same value",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, SERVER, &[(m60, file("mariadb", v))]),
        );
        add(
            "moved from 50-server.cnf to 60-local.cnf, in another spelling",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, SERVER, &[(m60, file("server", respelled))]),
        );
        add(
            "moved from 50-server.cnf to 60-local.cnf, value changed",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, SERVER, &[local(m60, w)]),
        );
        add(
            "edited in 50-server.cnf where 60-local.cnf overrides it",
            host(&plain_my, &server_with(&line(v)), &[local(m60, x)]),
            host(&plain_my, &server_with(&line(w)), &[local(m60, x)]),
        );
        add(
            "edited in 60-local.cnf, which overrides 50-server.cnf",
            host(&plain_my, &server_with(&line(v)), &[local(m60, w)]),
            host(&plain_my, &server_with(&line(v)), &[local(m60, x)]),
        );
        add(
            "60-local.cnf moved to conf.d, read before 50-server.cnf, which then wins",
            host(&plain_my, &server_with(&line(v)), &[local(m60, w)]),
            host(&plain_my, &server_with(&line(v)), &[local(c60, w)]),
        );
        add(
            "60-local.cnf moved to conf.d, nothing else sets it",
            host(&plain_my, SERVER, &[local(m60, v)]),
            host(&plain_my, SERVER, &[local(c60, v)]),
        );
        add(
            "edited in my.cnf before the includes, where 50-server.cnf overrides it",
            host(
                &my_cnf(&file("mysqld", v), "", false),
                &server_with(&line(w)),
                &[],
            ),
            host(
                &my_cnf(&file("mysqld", x), "", false),
                &server_with(&line(w)),
                &[],
            ),
        );
        add(
            "edited in 50-server.cnf, where my.cnf sets it after the includes",
            host(&my_cnf("", &line(v), false), &server_with(&line(w)), &[]),
            host(&my_cnf("", &line(v), false), &server_with(&line(x)), &[]),
        );
        add(
            "moved in my.cnf from before the includes to after them",
            host(
                &my_cnf(&file("mysqld", v), "", false),
                &server_with(&line(w)),
                &[],
            ),
            host(&my_cnf("", &line(v), false), &server_with(&line(w)), &[]),
        );
        add(
            "moved in my.cnf across the includes, nothing included sets it",
            host(&my_cnf(&file("mysqld", v), "", false), SERVER, &[]),
            host(&my_cnf("", &file("mariadb", v), false), SERVER, &[]),
        );
        // A line appended to my.cnf without a group header is in its `[client-server]`, which
        // the clients read too: a change for them (see the clients' pairs).
        add(
            "moved from 50-server.cnf to the end of my.cnf, in a [mariadb] group",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&my_cnf("", &file("mariadb", v), false), SERVER, &[]),
        );
        add(
            "60-local.cnf renamed 40-local.cnf, before 50-server.cnf",
            host(&plain_my, &server_with(&line(v)), &[local(m60, w)]),
            host(&plain_my, &server_with(&line(v)), &[local(m40, w)]),
        );
        add(
            "60-local.cnf renamed 40-local.cnf, nothing else sets it",
            host(&plain_my, SERVER, &[local(m60, w)]),
            host(&plain_my, SERVER, &[local(m40, w)]),
        );
        add(
            "40-local.cnf and 60-local.cnf swap their values",
            host(&plain_my, SERVER, &[local(m40, v), local(m60, w)]),
            host(&plain_my, SERVER, &[local(m40, w), local(m60, v)]),
        );
        add(
            "40-local.cnf and 60-local.cnf set the same value, swapped",
            host(
                &plain_my,
                SERVER,
                &[local(m40, v), (m60, file("mariadb", v))],
            ),
            host(
                &plain_my,
                SERVER,
                &[(m40, file("mariadb", v)), local(m60, v)],
            ),
        );
        add(
            "the value 60-local.cnf repeats: the file removed",
            host(&plain_my, &server_with(&line(v)), &[local(m60, v)]),
            host(&plain_my, &server_with(&line(v)), &[]),
        );
        add(
            "the value 60-local.cnf repeats: removed from it",
            host(&plain_my, &server_with(&line(v)), &[local(m60, v)]),
            host(
                &plain_my,
                &server_with(&line(v)),
                &[(m60, "[mysqld]\n".into())],
            ),
        );
        add(
            "a new 60-local.cnf overrides 50-server.cnf",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, &server_with(&line(v)), &[local(m60, w)]),
        );
        add(
            "written out at its default in a new 60-local.cnf",
            plain.clone(),
            host(&plain_my, SERVER, &[local(m60, default)]),
        );
        add(
            "at its default, removed from 50-server.cnf",
            host(&plain_my, &server_with(&line(default)), &[]),
            plain.clone(),
        );
        add(
            "the two !includedir lines swapped, both directories set it",
            host(&plain_my, SERVER, &[local(c60, v), local(m60, w)]),
            host(
                &my_cnf("", "", true),
                SERVER,
                &[local(c60, v), local(m60, w)],
            ),
        );
        add(
            "the two !includedir lines swapped, one directory sets it",
            host(&plain_my, SERVER, &[local(c60, v)]),
            host(&my_cnf("", "", true), SERVER, &[local(c60, v)]),
        );
        add(
            "a file the server does not read (60-local.cnf.bak)",
            plain.clone(),
            host(
                &plain_my,
                SERVER,
                &[("mariadb.conf.d/60-local.cnf.bak", file("mysqld", w))],
            ),
        );
        // The server reads dot files too, and `.` sorts before digits.
        add(
            "a new .60-local.cnf, read before 50-server.cnf, which wins",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(
                &plain_my,
                &server_with(&line(v)),
                &[local("mariadb.conf.d/.60-local.cnf", w)],
            ),
        );
        add(
            "a new .60-local.cnf sets it",
            plain.clone(),
            host(
                &plain_my,
                SERVER,
                &[local("mariadb.conf.d/.60-local.cnf", w)],
            ),
        );
        let nested = |val: &str| {
            [
                (
                    m60,
                    "[mysqld]\n!include /etc/mysql/local/extra.cnf\n".to_string(),
                ),
                ("local/extra.cnf", file("mariadb", val)),
            ]
        };
        add(
            "moved from 50-server.cnf into a file 60-local.cnf !includes",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, SERVER, &nested(v)),
        );
        add(
            "edited in a file 60-local.cnf !includes",
            host(&plain_my, SERVER, &nested(v)),
            host(&plain_my, SERVER, &nested(w)),
        );
        add(
            "edited in 50-server.cnf, nothing overrides it",
            host(&plain_my, &server_with(&line(v)), &[]),
            host(&plain_my, &server_with(&line(w)), &[]),
        );
    }
    let plain_my = my_cnf("", "", false);
    for (what, server) in [
        (
            "bind-address edited in 50-server.cnf",
            SERVER.replace("127.0.0.1", "0.0.0.0"),
        ),
        (
            "expire_logs_days removed from 50-server.cnf",
            SERVER.replace("expire_logs_days", "#expire_logs_days"),
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            base: host(&plain_my, SERVER, &[]),
            live: host(&plain_my, &server, &[]),
        });
    }
    out.push(Pair {
        what: "bind-address moved from 50-server.cnf to a [mysqld] after the includes in my.cnf"
            .into(),
        base: host(&plain_my, SERVER, &[]),
        live: host(
            &my_cnf("", "[mysqld]\nbind-address = 127.0.0.1\n", false),
            &SERVER.replace("bind-address", "#bind-address"),
            &[],
        ),
    });
    out.push(Pair {
        what: "bind-address set in my.cnf before the includes, where 50-server.cnf overrides it"
            .into(),
        base: host(&plain_my, SERVER, &[]),
        live: host(
            &my_cnf("[mysqld]\nbind-address = 0.0.0.0\n", "", false),
            SERVER,
            &[],
        ),
    });
    out.push(Pair {
        what: "collation-server moved from 50-server.cnf to 60-local.cnf".into(),
        base: host(
            &plain_my,
            SERVER,
            &[("mariadb.conf.d/60-local.cnf", "[mysqld]\n".into())],
        ),
        live: host(
            &plain_my,
            &SERVER.replace("collation-server", "#collation-server"),
            &[(
                "mariadb.conf.d/60-local.cnf",
                "[mysqld]\ncollation-server = utf8mb4_general_ci\n".into(),
            )],
        ),
    });
    out.push(Pair {
        what: "refused: an option the server does not know in an included file".into(),
        base: host(&plain_my, SERVER, &[]),
        live: host(
            &plain_my,
            SERVER,
            &[(
                "mariadb.conf.d/60-local.cnf",
                "[mysqld]\nmax_connection_limit = 10\n".into(),
            )],
        ),
    });
    out.push(Pair {
        what: "an option before any group in an included file, edited with the rest of it".into(),
        base: host(
            &plain_my,
            SERVER,
            &[(
                "mariadb.conf.d/60-local.cnf",
                "max_connections = 300\n[mysqld]\nwait_timeout = 5\n".into(),
            )],
        ),
        live: host(
            &plain_my,
            SERVER,
            &[(
                "mariadb.conf.d/60-local.cnf",
                "max_connections = 400\n[mysqld]\nwait_timeout = 6\n".into(),
            )],
        ),
    });
    // mariadbd stops reading an included file at an option before any group (it says so, and
    // starts): the file sets nothing.
    out.push(Pair {
        what: "an option before any group in a new included file".into(),
        base: host(&plain_my, SERVER, &[]),
        live: host(
            &plain_my,
            SERVER,
            &[(
                "mariadb.conf.d/60-local.cnf",
                "max_connections = 300\n[mysqld]\nwait_timeout = 5\n".into(),
            )],
        ),
    });
    out
}

/// What the server runs with, the files written under a new directory in `dir` with
/// `/etc/mysql/` read as its `etc/mysql/`; `None` when it refuses them.
fn server(files: &Side, dir: &std::path::Path) -> Option<BTreeMap<String, String>> {
    let root = tempfile::tempdir_in(dir).unwrap();
    let at = format!("{}/etc/mysql/", root.path().display());
    for (name, text) in files {
        let path = root.path().join("etc/mysql").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("/etc/mysql/", &at)).unwrap();
    }
    server_at(&root.path().join("etc/mysql/my.cnf"))
}

/// confdrift's verdict as `check` of a group listing only my.cnf (its includes followed):
/// (exit code, finding keys, errors).
fn confdrift(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"10.11\"\nfiles = [\"/etc/mysql/my.cnf\"]\n";
    let f = Fleet::new(config);
    for (name, text) in &p.base {
        f.group_baseline("app", &format!("/etc/mysql/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("h", &format!("/etc/mysql/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    let json = out.json();
    let keys = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str())
        .map(|k| k.split('[').next().unwrap_or(k).to_string())
        .collect();
    let errors = json["errors"].as_array().map_or(0, Vec::len);
    (out.code, keys, errors)
}

/// confdrift's verdict as `diff --program-version 10.11 OLD NEW` of two copies of `/` holding
/// each side's files under `etc/mysql/` (as `collect --out` writes a host's files).
fn confdrift_diff(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "etc/mysql", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "10.11");
    (v.code, v.keys, v.errors)
}

#[test]
fn confdrift_follows_includedir_as_mariadbd_does() {
    let t = mariadb("10.11").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pairs = pairs();
    // Ok(verdict) per judged run (check, diff); Err for a pair the server refuses.
    let results = std::sync::Mutex::new(Vec::new());
    crate::verdict::each_in_parallel(&pairs, 2, |_, p| {
        // `diff` compares every file of the two directories: a stray file the server does not
        // read (`60-local.cnf.bak`) is a finding there by design; `check` reads only what is
        // listed or included.
        let stray = p.live.iter().any(|(n, _)| n.ends_with(".bak"));
        let mut verdicts = vec![("check", confdrift(p))];
        if !stray {
            verdicts.push(("diff", confdrift_diff(p)));
        }
        let (Some(a), Some(b)) = (server(&p.base, dir.path()), server(&p.live, dir.path())) else {
            for (how, (_, _, errors)) in verdicts {
                let reported = errors > 0 && p.what.starts_with("refused: ");
                results
                    .lock()
                    .unwrap()
                    .push(Err((how, p.what.clone(), reported)));
            }
            return;
        };
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect();
        for (how, (code, keys, errors)) in verdicts {
            let ours: BTreeSet<String> = named(&keys)
                .into_iter()
                .filter(|o| !t.rows("unseen").any(|r| r[0].eq_ignore_ascii_case(o)))
                .collect();
            let agreed =
                errors == 0 && explains(&ours, &differ) && (code == 0) == differ.is_empty();
            let verdict = if agreed {
                Ok(())
            } else {
                Err(format!(
                    "{}: mariadbd: {differ:?}; confdrift {how}: exit {code}, {keys:?}, {errors} errors",
                    p.what
                ))
            };
            results.lock().unwrap().push(Ok(verdict));
        }
    });
    let results = results.into_inner().unwrap();
    let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let judged = results.len() - refused.len();
    let disagreements: Vec<&String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().and_then(|v| v.as_ref().err()))
        .collect();
    let unreported: Vec<_> = refused.iter().filter(|(_, _, r)| !r).collect();
    eprintln!(
        "my.cnf with !includedir: {} pairs, {judged} verdicts judged (check and diff), {} disagreements, {} verdicts on pairs mariadbd refuses ({} without trouble reported)",
        pairs.len(),
        disagreements.len(),
        refused.len(),
        unreported.len()
    );
    assert!(
        unreported.is_empty(),
        "mariadbd refuses, confdrift reports no trouble: {unreported:?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {judged} verdicts otherwise than mariadbd:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(judged >= 150, "only {judged} verdicts judged");
}

/// The clients and what each reads: `CLIENT --defaults-file=my.cnf --print-defaults`.
const CLIENT_PROGRAMS: &[&str] = &[
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
    "mariadb-check",
    "mariadb-import",
    "mariadb-show",
    "mariadb-binlog",
    "mariadb-slap",
    "mariadb-upgrade",
];

/// The groups the clients read (`--print-defaults` of each on a file with every group).
const CLIENT_GROUPS: &[&str] = &[
    "client",
    "client-server",
    "client-mariadb",
    "mysql",
    "mariadb-client",
    "mysqldump",
    "mariadb-dump",
    "mysqladmin",
    "mariadb-admin",
    "mysqlcheck",
    "mariadb-check",
    "mysqlimport",
    "mariadb-import",
    "mysqlshow",
    "mariadb-show",
    "mysqlbinlog",
    "mariadb-binlog",
    "mysqlslap",
    "mariadb-slap",
    "mysql_upgrade",
    "mariadb-upgrade",
];

fn client_pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let my = my_cnf("", "", false);
    let client_with = |line: &str| {
        assert!(CLIENT.contains("\n[client]\n"));
        CLIENT.replacen("\n[client]\n", &format!("\n[client]\n{line}"), 1)
    };
    let clients_with = |line: &str| {
        assert!(CLIENTS.contains("\n[mysql]\n"));
        CLIENTS.replacen("\n[mysql]\n", &format!("\n[mysql]\n{line}"), 1)
    };
    let m60 = "mariadb.conf.d/60-local.cnf";
    let on = |extra: &[(&str, String)], client: &str, clients: &str| -> Side {
        let mut extra: Vec<(&str, String)> = extra.to_vec();
        extra.push(("mariadb.conf.d/50-client.cnf", client.to_string()));
        extra.push(("mariadb.conf.d/50-mysql-clients.cnf", clients.to_string()));
        host(&my, SERVER, &extra)
    };
    let mut add = |what: &str, base: Side, live: Side| {
        out.push(Pair {
            what: format!("clients: {what}"),
            base,
            live,
        })
    };
    let port = |v: &str| format!("port = {v}\n");
    let (c1, c2) = (client_with(&port("3307")), client_with(&port("3308")));
    add(
        "[client] port moved from 50-client.cnf to 60-local.cnf",
        on(&[], &c1, CLIENTS),
        on(
            &[(m60, format!("[client]\n{}", port("3307")))],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "[client] port moved to 60-local.cnf's [client-mariadb]",
        on(&[], &c1, CLIENTS),
        on(
            &[(m60, format!("[client-mariadb]\n{}", port("3307")))],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "[client] port moved to 60-local.cnf's [mysql] (only mariadb reads it)",
        on(&[], &c1, CLIENTS),
        on(
            &[(m60, format!("[mysql]\n{}", port("3307")))],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "[client] port edited where 60-local.cnf's [mysql] overrides it for mariadb alone",
        on(&[(m60, format!("[mysql]\n{}", port("3309")))], &c1, CLIENTS),
        on(&[(m60, format!("[mysql]\n{}", port("3309")))], &c2, CLIENTS),
    );
    add(
        "[client] port edited where 60-local.cnf's [client] overrides it",
        on(
            &[(m60, format!("[client]\n{}", port("3309")))],
            &c1,
            CLIENTS,
        ),
        on(
            &[(m60, format!("[client]\n{}", port("3309")))],
            &c2,
            CLIENTS,
        ),
    );
    add(
        "a new 60-local.cnf's [client] port after 50-mysql-clients.cnf's [mysql] port",
        on(&[], CLIENT, &clients_with(&port("3307"))),
        on(
            &[(m60, format!("[client]\n{}", port("3308")))],
            CLIENT,
            &clients_with(&port("3307")),
        ),
    );
    add(
        "[client] and [mysql] port swapped in 60-local.cnf",
        on(
            &[(
                m60,
                format!("[client]\n{}[mysql]\n{}", port("3307"), port("3308")),
            )],
            CLIENT,
            CLIENTS,
        ),
        on(
            &[(
                m60,
                format!("[mysql]\n{}[client]\n{}", port("3308"), port("3307")),
            )],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "[client] port in my.cnf moved from before the includes to after them",
        host(
            &my_cnf("[client]\nport = 3307\n", "", false),
            SERVER,
            &[("mariadb.conf.d/50-client.cnf", c2.clone())],
        ),
        host(
            &my_cnf("", "[client]\nport = 3307\n", false),
            SERVER,
            &[("mariadb.conf.d/50-client.cnf", c2.clone())],
        ),
    );
    let dump = "conf.d/mysqldump.cnf";
    add(
        "[mysqldump] max_allowed_packet moved to 60-local.cnf's [mariadb-dump]",
        on(&[], CLIENT, CLIENTS),
        on(
            &[
                (
                    dump,
                    DUMP.replace("max_allowed_packet", "#max_allowed_packet"),
                ),
                (m60, "[mariadb-dump]\nmax-allowed-packet = 16M\n".into()),
            ],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "[mysqldump] max_allowed_packet moved to 60-local.cnf's [mariadb-dump], edited",
        on(&[], CLIENT, CLIENTS),
        on(
            &[
                (
                    dump,
                    DUMP.replace("max_allowed_packet", "#max_allowed_packet"),
                ),
                (m60, "[mariadb-dump]\nmax-allowed-packet = 32M\n".into()),
            ],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "mysqldump.cnf moved from conf.d to mariadb.conf.d",
        on(&[], CLIENT, CLIENTS),
        on(
            &[
                (dump, String::new()),
                ("mariadb.conf.d/mysqldump.cnf", DUMP.into()),
            ],
            CLIENT,
            CLIENTS,
        ),
    );
    add(
        "quick moved from [mysqldump] to [client] (every client reads it)",
        on(&[], CLIENT, CLIENTS),
        on(
            &[(dump, DUMP.replace("\nquick\n", "\n"))],
            &client_with("quick\n"),
            CLIENTS,
        ),
    );
    add(
        "an option appended to my.cnf's [client-server] after the includes, where the server has it already",
        host(&my, &server_with("max_allowed_packet = 64M\n"), &[]),
        host(
            &my_cnf("", "max_allowed_packet = 64M\n", false),
            &server_with("max_allowed_packet = 64M\n"),
            &[],
        ),
    );
    add(
        "[client] port edited in 50-client.cnf, nothing overrides it",
        on(&[], &c1, CLIENTS),
        on(&[], &c2, CLIENTS),
    );
    out
}

/// What each client reads, the files written under a new directory in `dir` as for
/// [`server`]: client → option (`-` as `_`, lower case) → its last value.
fn clients(files: &Side, dir: &std::path::Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let root = tempfile::tempdir_in(dir).unwrap();
    let at = format!("{}/etc/mysql/", root.path().display());
    for (name, text) in files {
        let path = root.path().join("etc/mysql").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("/etc/mysql/", &at)).unwrap();
    }
    let file = root.path().join("etc/mysql/my.cnf");
    CLIENT_PROGRAMS
        .iter()
        .map(|client| {
            let out = std::process::Command::new(client)
                .arg(format!("--defaults-file={}", file.display()))
                .arg("--print-defaults")
                .output()
                .unwrap_or_else(|e| {
                    panic!("{client} is needed for this test (mariadb-client; .ci/run installs it): {e}")
                });
            assert!(out.status.success(), "{client}: {out:?}");
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let args = text.lines().last().unwrap_or("");
            let options = args
                .split_whitespace()
                .filter_map(|a| a.strip_prefix("--"))
                .map(|a| {
                    let (n, v) = a.split_once('=').unwrap_or((a, ""));
                    (n.replace('-', "_").to_lowercase(), v.to_string())
                })
                .collect();
            (client.to_string(), options)
        })
        .collect()
}

#[test]
fn confdrift_merges_the_client_groups_as_each_client_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = client_pairs();
    let results = std::sync::Mutex::new(Vec::new());
    crate::verdict::each_in_parallel(&pairs, 2, |_, p| {
        let (a, b) = (clients(&p.base, dir.path()), clients(&p.live, dir.path()));
        let mut differ = BTreeSet::new();
        for client in CLIENT_PROGRAMS {
            let (a, b) = (&a[*client], &b[*client]);
            let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            differ.extend(
                names
                    .into_iter()
                    .filter(|n| a.get(*n) != b.get(*n))
                    .cloned(),
            );
        }
        for (how, (code, keys, errors)) in [("check", confdrift(p)), ("diff", confdrift_diff(p))] {
            // The options its findings name in the groups the clients read.
            let ours: BTreeSet<String> = keys
                .iter()
                .map(|k| match k.split_once('.') {
                    Some((g, n)) if CLIENT_GROUPS.contains(&g) => n.to_lowercase(),
                    _ => k.clone(),
                })
                .collect();
            let verdict = if errors == 0 && ours == differ && (code == 0) == differ.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{}: the clients: {differ:?}; confdrift {how}: exit {code}, {keys:?}, {errors} errors",
                    p.what
                ))
            };
            results.lock().unwrap().push(verdict);
        }
    });
    let results = results.into_inner().unwrap();
    let disagreements: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    eprintln!(
        "client groups through !includedir: {} pairs, {} verdicts (check and diff), {} disagreements",
        pairs.len(),
        results.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} verdicts otherwise than the clients:\n{}",
        disagreements.len(),
        results.len(),
        disagreements
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_finding_on_an_overridden_line_says_where_the_value_now_comes_from() {
    let my = my_cnf("", "", false);
    let base = host(
        &my,
        &server_with("wait_timeout = 600\n"),
        &[(
            "mariadb.conf.d/50-client.cnf",
            "[client]\npassword = hunter2-old\n".into(),
        )],
    );
    let live = host(
        &my,
        SERVER,
        &[
            (
                "mariadb.conf.d/60-local.cnf",
                "[mariadb]\n# local\nwait_timeout = 900\n[client]\npassword = hunter2-local\n"
                    .into(),
            ),
            (
                "mariadb.conf.d/50-client.cnf",
                "[client]\npassword = hunter2-new\n".into(),
            ),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "etc/mysql", &base, &live);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--program-version", "10.11", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("hunter2"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let notices: Vec<&str> = json["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    let has = |s: &str| notices.iter().any(|n| n.contains(s));
    assert!(
        has(
            "50-server.cnf: mysqld.wait_timeout: the program runs with 900 from etc/mysql/mariadb.conf.d/60-local.cnf:3 (was 600 from etc/mysql/mariadb.conf.d/50-server.cnf:"
        ),
        "{notices:#?}"
    );
    assert!(
        has(
            "50-client.cnf: client.password: the program runs with the value set by etc/mysql/mariadb.conf.d/60-local.cnf:5"
        ),
        "{notices:#?}"
    );
}

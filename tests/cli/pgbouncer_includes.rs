//! PgBouncer judges confdrift on pgbouncer.ini with its `%include`: Debian's pgbouncer.ini
//! (`fixtures/upstream/pgbouncer/pgbouncer.ini`) including a local file at the end of its
//! `[pgbouncer]` section, a databases file right after its `[databases]` header, a users file,
//! nested files. Pairs where keys and databases move between pgbouncer.ini and the included
//! files (with and without section headers of their own), the include moves above or below a
//! key, two includes swap, an included file opens with `[pgbouncer]` (which sets every key with
//! a default set before it back), an included file leaves its includer in another section;
//! then a seeded generator of such mutations. For each side a real pgbouncer, started on a unix
//! socket with the side's files (their includes pointed at the side's directory), says with
//! `SHOW CONFIG`, `SHOW DATABASES` and `SHOW USERS` what it runs with; `confdrift check` (which
//! lists only pgbouncer.ini and follows its includes, `version = "1.18"`) and `confdrift diff
//! --program-version 1.18 OLD NEW` of two copies of `/` must name exactly the keys that differ,
//! and exit 0 when none do: a finding on an included file's key before any header names it as
//! that file does (`max_client_conn`), which must be the end of a key that differs
//! (`pgbouncer.max_client_conn`), and every key that differs must be named. Each side's
//! pgbouncer.ini ends by setting again the keys the test's start-up fixes (its socket, log
//! and pid files), as the start-up does. Pairs pgbouncer refuses are counted apart.

use crate::harness::Fleet;
use crate::pgbouncer_effective::{FIXED, bouncer_with};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/pgbouncer/pgbouncer.ini");
const ROOT: &str = "etc/pgbouncer/pgbouncer.ini";
const LOCAL: &str = "etc/pgbouncer/local.ini";
const DBS: &str = "etc/pgbouncer/databases.ini";
const INC_LOCAL: &str = "%include /etc/pgbouncer/local.ini\n";
const INC_DBS: &str = "%include /etc/pgbouncer/databases.ini\n";

/// One side: files by path relative to `/`.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
}

/// The sample's keys the test's start-up sets again at the end (a `[pgbouncer]` header in an
/// included file sets them back to their defaults): set again by each side too.
const TAIL: &str = "listen_addr = localhost\nlisten_port = 6432\nunix_socket_dir = /var/run/postgresql\n\
    logfile = /var/log/postgresql/pgbouncer.log\npidfile = /var/run/postgresql/pgbouncer.pid\nauth_type = md5\n";

/// The sample with `databases` right after its `[databases]` header, `users` after its
/// `[users]` header, and `end` at its end (in `[pgbouncer]`), then [`TAIL`].
fn root(databases: &str, users: &str, end: &str) -> String {
    SAMPLE
        .replacen("[databases]\n", &format!("[databases]\n{databases}"), 1)
        .replacen("[users]\n", &format!("[users]\n{users}"), 1)
        + end
        + TAIL
}

fn side(files: &[(&str, &str)]) -> Side {
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    for (k, v, w, x) in [
        ("max_client_conn", "200", "300", "400"),
        ("pool_mode", "transaction", "statement", "session"),
        ("default_pool_size", "30", "40", "0x32"),
        ("server_idle_timeout", "60", "120", "30.5"),
        (
            "ignore_startup_parameters",
            "extra_float_digits",
            "options",
            "search_path",
        ),
    ] {
        let set = |val: &str| format!("{k} = {val}\n");
        let (sv, sw, sx) = (set(v), set(w), set(x));
        let mut add = |what: &str, base: &[(&str, &str)], live: &[(&str, &str)]| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base: side(base),
                live: side(live),
            });
        };
        let end = |before: &str, after: &str| root("", "", &format!("{before}{INC_LOCAL}{after}"));
        let header = |text: &str| format!("[pgbouncer]\n{text}");
        add(
            "moved into the local file, same value",
            &[(ROOT, &end(&sv, "")), (LOCAL, "")],
            &[(ROOT, &end("", "")), (LOCAL, &sv)],
        );
        add(
            "moved into the local file under its own [pgbouncer], same value",
            &[(ROOT, &end(&sv, "")), (LOCAL, "")],
            &[(ROOT, &end("", "")), (LOCAL, &header(&sv))],
        );
        add(
            "moved into the local file, value changed",
            &[(ROOT, &end(&sv, "")), (LOCAL, "")],
            &[(ROOT, &end("", "")), (LOCAL, &sw)],
        );
        add(
            "edited in pgbouncer.ini where the local file overrides it",
            &[(ROOT, &end(&sv, "")), (LOCAL, &sw)],
            &[(ROOT, &end(&sx, "")), (LOCAL, &sw)],
        );
        add(
            "edited in the local file where pgbouncer.ini sets it after the include",
            &[(ROOT, &end("", &sv)), (LOCAL, &sw)],
            &[(ROOT, &end("", &sv)), (LOCAL, &sx)],
        );
        add(
            "the include moved from below the key to above it",
            &[(ROOT, &end(&sv, "")), (LOCAL, &sw)],
            &[(ROOT, &end("", &sv)), (LOCAL, &sw)],
        );
        add(
            "the include moved, both values the same",
            &[(ROOT, &end(&sv, "")), (LOCAL, &sv)],
            &[(ROOT, &end("", &sv)), (LOCAL, &sv)],
        );
        add(
            "set before the include, the local file gets a [pgbouncer] header",
            &[(ROOT, &end(&sv, "")), (LOCAL, "")],
            &[(ROOT, &end(&sv, "")), (LOCAL, "[pgbouncer]\n")],
        );
        add(
            "set after the include, the local file gets a [pgbouncer] header",
            &[(ROOT, &end("", &sv)), (LOCAL, "")],
            &[(ROOT, &end("", &sv)), (LOCAL, "[pgbouncer]\n")],
        );
        add(
            "set in the local file, a [pgbouncer] header added above it there",
            &[(ROOT, &end("", "")), (LOCAL, &sv)],
            &[(ROOT, &end("", "")), (LOCAL, &header(&sv))],
        );
        add(
            "the value the local file repeats removed from it",
            &[(ROOT, &end("", &sv)), (LOCAL, &sv)],
            &[(ROOT, &end("", &sv)), (LOCAL, "")],
        );
        add(
            "moved out of the local file to the end of pgbouncer.ini",
            &[(ROOT, &end("", "")), (LOCAL, &sw)],
            &[(ROOT, &end("", &sw)), (LOCAL, "")],
        );
        // Two includes, swapped.
        let two = |first: &str, second: &str| {
            root(
                "",
                "",
                &format!(
                    "%include /etc/pgbouncer/{first}.ini\n%include /etc/pgbouncer/{second}.ini\n"
                ),
            )
        };
        let (one, other) = ("etc/pgbouncer/one.ini", "etc/pgbouncer/other.ini");
        add(
            "two includes swapped, each setting it otherwise",
            &[(ROOT, &two("one", "other")), (one, &sv), (other, &sw)],
            &[(ROOT, &two("other", "one")), (one, &sv), (other, &sw)],
        );
        add(
            "two includes swapped, both setting it the same",
            &[(ROOT, &two("one", "other")), (one, &sv), (other, &sv)],
            &[(ROOT, &two("other", "one")), (one, &sv), (other, &sv)],
        );
        add(
            "two includes swapped, the second opening with [pgbouncer]",
            &[
                (ROOT, &two("one", "other")),
                (one, &sv),
                (other, "[pgbouncer]\n"),
            ],
            &[
                (ROOT, &two("other", "one")),
                (one, &sv),
                (other, "[pgbouncer]\n"),
            ],
        );
        // Nested.
        let nested = format!("{}%include /etc/pgbouncer/more.ini\n", "");
        let more = "etc/pgbouncer/more.ini";
        add(
            "edited in a file the local file includes",
            &[(ROOT, &end(&sv, "")), (LOCAL, &nested), (more, &sw)],
            &[(ROOT, &end(&sv, "")), (LOCAL, &nested), (more, &sx)],
        );
        add(
            "edited in a nested file the local file overrides",
            &[
                (ROOT, &end(&sv, "")),
                (LOCAL, &format!("{nested}{sw}")),
                (more, &sw),
            ],
            &[
                (ROOT, &end(&sv, "")),
                (LOCAL, &format!("{nested}{sw}")),
                (more, &sx),
            ],
        );
        add(
            "the include removed",
            &[(ROOT, &end(&sv, "")), (LOCAL, &sw)],
            &[(ROOT, &root("", "", &sv)), (LOCAL, &sw)],
        );
    }
    databases(&mut out);
    generated(&mut out);
    out
}

/// `[databases]` and `[users]` through includes: a databases file with no header of its own,
/// one that leaves its includer in another section, defaults.
fn databases(out: &mut Vec<Pair>) {
    let mut add = |what: &str, base: Side, live: Side| {
        out.push(Pair {
            what: what.to_string(),
            base,
            live,
        })
    };
    let app = "app = host=localhost dbname=appdb\n";
    let plain = root("", "", "");
    let with_dbs = root(INC_DBS, "", "");
    add(
        "a database moved into the databases file",
        side(&[(ROOT, &root(app, "", "")), (DBS, "")]),
        side(&[(ROOT, &with_dbs), (DBS, app)]),
    );
    add(
        "a database moved into the databases file under its own header",
        side(&[(ROOT, &root(app, "", "")), (DBS, "")]),
        side(&[(ROOT, &with_dbs), (DBS, &format!("[databases]\n{app}"))]),
    );
    add(
        "a database in the databases file, its pairs reordered and quoted",
        side(&[(ROOT, &with_dbs), (DBS, app)]),
        side(&[
            (ROOT, &with_dbs),
            (DBS, "app = dbname='appdb'   host=localhost port=5432\n"),
        ]),
    );
    add(
        "a database in the databases file pointed elsewhere",
        side(&[(ROOT, &with_dbs), (DBS, app)]),
        side(&[
            (ROOT, &with_dbs),
            (DBS, "app = host=localhost dbname=otherdb\n"),
        ]),
    );
    add(
        "a database added to the databases file",
        side(&[(ROOT, &with_dbs), (DBS, app)]),
        side(&[
            (ROOT, &with_dbs),
            (DBS, &format!("{app}second = host=localhost\n")),
        ]),
    );
    add(
        "the databases include added",
        side(&[(ROOT, &plain), (DBS, app)]),
        side(&[(ROOT, &with_dbs), (DBS, app)]),
    );
    add(
        "a database set in pgbouncer.ini after the include and in the databases file",
        side(&[(ROOT, &root(&format!("{INC_DBS}{app}"), "", "")), (DBS, "")]),
        side(&[
            (ROOT, &root(&format!("{INC_DBS}{app}"), "", "")),
            (DBS, "app = host=elsewhere\n"),
        ]),
    );
    // The users file leaves pgbouncer.ini in [databases]: the user after the include becomes
    // a database.
    let user = "user1 = pool_mode=transaction\n";
    let users = |text: &str| {
        side(&[
            (
                ROOT,
                &root(
                    "",
                    &format!("%include /etc/pgbouncer/users.ini\n{user}"),
                    "",
                ),
            ),
            ("etc/pgbouncer/users.ini", text),
        ])
    };
    add(
        "an included file ends in [databases] instead of [users]",
        users("[databases]\napp = host=localhost\n[users]\n"),
        users("[databases]\napp = host=localhost\n"),
    );
    add(
        "an included file ends in [users], as it started",
        users("[databases]\napp = host=localhost\n[users]\n"),
        users("[users]\n[databases]\napp = host=localhost\n[users]\n"),
    );
    // Keys set before a local file that opens with [pgbouncer]: back to their defaults.
    for (what, before, local) in [
        (
            "max_client_conn at its default, then a [pgbouncer] header",
            "max_client_conn = 100\n",
            "[pgbouncer]\n",
        ),
        (
            "auth_file (no default) kept across a [pgbouncer] header",
            "auth_file = /etc/pgbouncer/other.txt\n",
            "[pgbouncer]\n",
        ),
        (
            "written out at its default in the local file",
            "",
            "max_client_conn = 100\n",
        ),
        (
            "the default pool size at its default in the local file",
            "",
            "[pgbouncer]\ndefault_pool_size = 20\n",
        ),
    ] {
        add(
            what,
            side(&[
                (ROOT, &root("", "", &format!("{before}{INC_LOCAL}"))),
                (LOCAL, ""),
            ]),
            side(&[
                (ROOT, &root("", "", &format!("{before}{INC_LOCAL}"))),
                (LOCAL, local),
            ]),
        );
    }
}

/// A seeded generator: three keys, each set (or not) in pgbouncer.ini above or below the
/// include, or in the local file before or after a `[pgbouncer]` header it may have, to one of
/// two values; the live side moves or edits one or two of them, or adds or drops the header.
fn generated(out: &mut Vec<Pair>) {
    const KEYS: &[(&str, [&str; 2])] = &[
        ("max_client_conn", ["100", "250"]),
        ("pool_mode", ["session", "Transaction"]),
        ("server_lifetime", ["3600", "60.0"]),
        ("default_pool_size", ["20", "0x14"]),
        (
            "auth_file",
            ["/etc/pgbouncer/a.txt", "/etc/pgbouncer/b.txt"],
        ),
        ("server_idle_timeout", ["600", "6e2"]),
    ];
    let mut seed: u64 = 0xb0_0c3e;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    // Where: 0 nowhere, 1 above the include, 2 below it, 3 local file before the header, 4
    // local file after it. The flag: the local file has the header.
    let build = |placed: &[(usize, u64, u64)], header: bool| -> Side {
        let mut texts = vec![String::new(); 5];
        for &(k, at, val) in placed {
            let (name, values) = KEYS[k];
            texts[at as usize].push_str(&format!("{name} = {}\n", values[val as usize]));
        }
        let h = if header { "[pgbouncer]\n" } else { "" };
        side(&[
            (
                ROOT,
                &root("", "", &format!("{}{INC_LOCAL}{}", texts[1], texts[2])),
            ),
            (LOCAL, &format!("{}{h}{}", texts[3], texts[4])),
        ])
    };
    for n in 0..50 {
        let picked: Vec<usize> = (0..3).map(|_| next(KEYS.len() as u64) as usize).collect();
        let base: Vec<(usize, u64, u64)> = picked.iter().map(|&k| (k, next(5), next(2))).collect();
        let header = next(2) == 0;
        let (mut live, mut live_header) = (base.clone(), header);
        while live == base && live_header == header {
            for _ in 0..=next(2) {
                let i = next(live.len() as u64) as usize;
                match next(4) {
                    0 => live[i].1 = next(5),
                    1 => live[i].2 = 1 - live[i].2,
                    2 => live_header = !live_header,
                    _ => live.swap(i, (i + 1) % 3),
                }
            }
        }
        out.push(Pair {
            what: format!("generated #{n}: {base:?} {header} -> {live:?} {live_header}"),
            base: build(&base, header),
            live: build(&live, live_header),
        });
    }
}

/// What pgbouncer runs with for one side's files.
fn judge(files: &Side) -> Option<BTreeMap<String, String>> {
    let conf = &files.iter().find(|(n, _)| n == ROOT)?.1;
    let others: Side = files.iter().filter(|(n, _)| n != ROOT).cloned().collect();
    bouncer_with(conf, &others)
}

/// The keys a verdict names, the test's own fixed keys left out.
fn keys<'a>(found: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    found
        .filter(|k| !k.is_empty())
        .filter(|k| {
            !FIXED
                .iter()
                .any(|f| k.strip_prefix("pgbouncer.") == Some(*f))
        })
        .map(|k| k.split('[').next().unwrap_or(k).to_string())
        .collect()
}

/// Whether confdrift's keys name exactly what differs: each is a key that differs or its end
/// (a key before any header in an included file), and each key that differs is named.
fn agree(named: &BTreeSet<String>, differ: &BTreeSet<String>) -> bool {
    let ends = |long: &str, short: &str| long == short || long.ends_with(&format!(".{short}"));
    named.iter().all(|n| differ.iter().any(|d| ends(d, n)))
        && differ.iter().all(|d| named.iter().any(|n| ends(d, n)))
}

/// confdrift check of the pair (only pgbouncer.ini listed; the rest followed).
fn check(p: &Pair) -> (i32, usize, BTreeSet<String>) {
    let config = crate::harness::app_config(&["pool"], &["/etc/pgbouncer/pgbouncer.ini"])
        .replace("files =", "version = \"1.18\"\nfiles =");
    let f = Fleet::new(&config);
    for (name, text) in &p.base {
        f.group_baseline("app", &format!("/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("pool", &format!("/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    let json = out.json();
    let found = json["findings"].as_array().unwrap();
    let errors = json["errors"].as_array().map_or(0, Vec::len);
    (
        out.code,
        errors,
        keys(found.iter().filter_map(|f| f["key"].as_str())),
    )
}

/// confdrift diff --program-version 1.18 of two copies of `/`.
fn diff(p: &Pair) -> (i32, usize, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "1.18");
    (v.code, v.errors, keys(v.keys.iter().map(String::as_str)))
}

#[test]
fn confdrift_reads_pgbouncer_ini_through_its_includes_as_pgbouncer_1_18_does() {
    let version = std::process::Command::new("pgbouncer")
        .arg("--version")
        .output()
        .expect("pgbouncer is needed for this test: apt-get install pgbouncer (.ci/run does)");
    let version = String::from_utf8_lossy(&version.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        version.starts_with("PgBouncer 1.18."),
        "the table is PgBouncer 1.18's; this is {version}"
    );
    let pairs = pairs();
    let cache: Mutex<HashMap<String, Option<BTreeMap<String, String>>>> = Mutex::default();
    let ask = |files: &Side| {
        let id = format!("{files:?}");
        if let Some(v) = cache.lock().unwrap().get(&id) {
            return v.clone();
        }
        let v = judge(files);
        cache.lock().unwrap().insert(id, v.clone());
        v
    };
    let results = Mutex::new((0usize, 0usize, 0usize, 0usize, Vec::new()));
    crate::verdict::each_in_parallel(&pairs, 4, |_, p| {
        let (Some(base), Some(live)) = (ask(&p.base), ask(&p.live)) else {
            results.lock().unwrap().2 += 1;
            return;
        };
        let names: BTreeSet<&String> = base.keys().chain(live.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| base.get(*k) != live.get(*k))
            .cloned()
            .collect();
        if std::env::var_os("SHOW_PAIRS").is_some() {
            eprintln!("{}: {differ:?}", p.what);
        }
        results.lock().unwrap().3 += usize::from(!differ.is_empty());
        for (how, (code, errors, keys)) in [("check", check(p)), ("diff", diff(p))] {
            let agreed = agree(&keys, &differ) && errors == 0 && (code == 0) == differ.is_empty();
            let mut r = results.lock().unwrap();
            r.0 += 1;
            if agreed {
                r.1 += 1;
            } else {
                r.4.push(format!(
                    "{}: PgBouncer: {differ:?}; confdrift {how}: exit {code}, {errors} errors, {keys:?}",
                    p.what
                ));
            }
        }
    });
    let (judged, agreed, refused, changed, disagreements) = results.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs with includes ({changed} where pgbouncer runs otherwise), {judged} verdicts (check and diff), {agreed} agreed, {} disagreed, {refused} pairs refused by pgbouncer",
        pairs.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} verdicts otherwise than {version}:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(judged >= 250, "only {judged} verdicts");
}

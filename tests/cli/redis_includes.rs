//! Redis judges confdrift on redis.conf with its `include`: Debian's redis.conf
//! (`fixtures/upstream/redis-server/redis.conf`) including `/etc/redis/conf.d/*.conf` (or named
//! files) at its top or its end, beside included files that set settings too. Pairs of a host's
//! files where settings move between redis.conf and the included files, the include moves above
//! or below a setting, included files swap values or change their order, two includes swap,
//! an included file overrides a hand edit, `save` lines add up or are replaced after an include,
//! `client-output-buffer-limit` classes and old names, settings written out at their default;
//! then a seeded generator of such mutations. For each side a real redis-server, started on a
//! unix socket with the side's files (their includes pointed at the side's directory), says
//! with `CONFIG GET *` what it runs with; `confdrift check` (which lists only redis.conf and
//! follows its includes, `version = "7.0"`) and `confdrift diff --program-version 7.0 OLD NEW`
//! of two copies of `/` must name exactly the settings that differ, and exit 0 when none do.
//! Pairs the server refuses are counted apart.

use crate::harness::Fleet;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/redis-server/redis.conf");
const ROOT: &str = "etc/redis/redis.conf";
const CONF_D: &str = "include /etc/redis/conf.d/*.conf\n";
/// Where Debian's sample shows an include.
const AT: &str = "# include /path/to/local.conf\n";

/// Settings the start-up fixes (the test's own socket and directory): the same on both sides.
const FIXED: &[&str] = &[
    "port",
    "unixsocket",
    "unixsocketperm",
    "dir",
    "daemonize",
    "pidfile",
    "logfile",
];

/// One side: files by path relative to `/`.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
    /// Judged by `check` only: `diff` of two directories reports a file only in one of them
    /// whatever reads it (a file the include's glob skips).
    check_only: bool,
}

/// The sample without its own lines for `keys` and with no log file (the server opens it
/// after each included file), `top` after the place the sample shows an include, `end` at its
/// end.
fn root(keys: &[&str], top: &str, end: &str) -> String {
    let mut out = String::new();
    for line in SAMPLE.lines() {
        let word = line.split(' ').next().unwrap_or("");
        if keys.contains(&word) || word == "logfile" {
            out.push_str("# ");
        }
        out.push_str(line);
        out.push('\n');
        if line.len() + 1 == AT.len() && AT.starts_with(line) {
            out.push_str(top);
        }
    }
    out.push_str(end);
    out
}

fn side(files: &[(&str, &str)]) -> Side {
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn conf_d(name: &str) -> String {
    format!("etc/redis/conf.d/{name}")
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let (a, b) = (conf_d("a.conf"), conf_d("b.conf"));
    for (k, v, w, x) in [
        ("tcp-keepalive", "300", "60", "120"),
        ("loglevel", "notice", "warning", "verbose"),
        ("databases", "16", "32", "8"),
        ("slowlog-log-slower-than", "10000", "5000", "20000"),
        ("maxmemory", "1gb", "2gb", "512mb"),
    ] {
        let set = |val: &str| format!("{k} {val}\n");
        let (sv, sw, sx) = (set(v), set(w), set(x));
        let mut add = |what: &str, base: &[(&str, &str)], live: &[(&str, &str)]| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base: side(base),
                live: side(live),
                check_only: what.contains("starts with a dot"),
            });
        };
        // The include at the end: what conf.d sets wins over redis.conf.
        let end = |before: &str, after: &str| root(&[k], "", &format!("{before}{CONF_D}{after}"));
        add(
            "moved into conf.d, same value",
            &[(ROOT, &end(&sv, "")), (&a, "")],
            &[(ROOT, &end("", "")), (&a, &sv)],
        );
        add(
            "moved into conf.d, value changed",
            &[(ROOT, &end(&sv, "")), (&a, "")],
            &[(ROOT, &end("", "")), (&a, &sw)],
        );
        add(
            "edited in redis.conf where conf.d overrides it",
            &[(ROOT, &end(&sv, "")), (&a, &sw)],
            &[(ROOT, &end(&sx, "")), (&a, &sw)],
        );
        add(
            "edited in conf.d where redis.conf sets it after the include",
            &[(ROOT, &end("", &sv)), (&a, &sw)],
            &[(ROOT, &end("", &sv)), (&a, &sx)],
        );
        add(
            "the include moved from below the setting to above it",
            &[(ROOT, &end(&sv, "")), (&a, &sw)],
            &[(ROOT, &end("", &sv)), (&a, &sw)],
        );
        add(
            "the include moved, both values the same",
            &[(ROOT, &end(&sv, "")), (&a, &sv)],
            &[(ROOT, &end("", &sv)), (&a, &sv)],
        );
        add(
            "conf.d's two files swap their values",
            &[(ROOT, &end("", "")), (&a, &sv), (&b, &sw)],
            &[(ROOT, &end("", "")), (&a, &sw), (&b, &sv)],
        );
        add(
            "a conf.d file renamed before the other",
            &[
                (ROOT, &end("", "")),
                (&conf_d("10-a.conf"), &sv),
                (&conf_d("20-b.conf"), &sw),
            ],
            &[
                (ROOT, &end("", "")),
                (&conf_d("30-a.conf"), &sv),
                (&conf_d("20-b.conf"), &sw),
            ],
        );
        add(
            "the value conf.d repeats removed from it",
            &[(ROOT, &end("", &sv)), (&a, &sv)],
            &[(ROOT, &end("", &sv)), (&a, "")],
        );
        add(
            "set in conf.d as well, where redis.conf wins",
            &[(ROOT, &end("", &sv)), (&a, "")],
            &[(ROOT, &end("", &sv)), (&a, &sx)],
        );
        add(
            "moved out of conf.d to the end of redis.conf",
            &[(ROOT, &end("", "")), (&a, &sw)],
            &[(ROOT, &end("", &sw)), (&a, "")],
        );
        add(
            "set in a conf.d file whose name starts with a dot (not read)",
            &[(ROOT, &end(&sv, ""))],
            &[(ROOT, &end(&sv, "")), (&conf_d(".a.conf"), &sw)],
        );
        add(
            "a new conf.d file sets it",
            &[(ROOT, &end(&sv, ""))],
            &[(ROOT, &end(&sv, "")), (&a, &sw)],
        );
        add(
            "a new conf.d file sets it to the same",
            &[(ROOT, &end(&sv, ""))],
            &[(ROOT, &end(&sv, "")), (&a, &sv)],
        );
        // Two named includes, swapped.
        let two = |first: &str, second: &str| {
            root(
                &[k],
                "",
                &format!("include /etc/redis/{first}.conf\ninclude /etc/redis/{second}.conf\n"),
            )
        };
        let (one, other) = ("etc/redis/one.conf", "etc/redis/other.conf");
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
        // The include at the sample's top: the sample's own lines come after it.
        let top = |extra: &str| root(&[], CONF_D, extra);
        add(
            "set in conf.d where the sample's line wins",
            &[(ROOT, &top("")), (&a, "")],
            &[(ROOT, &top("")), (&a, &sw)],
        );
        // A nested include.
        let nested =
            |before: &str, after: &str| format!("{before}include /etc/redis/extra.conf\n{after}");
        add(
            "edited in a file a conf.d file includes",
            &[
                (ROOT, &end(&sv, "")),
                (&a, &nested("", "")),
                ("etc/redis/extra.conf", &sw),
            ],
            &[
                (ROOT, &end(&sv, "")),
                (&a, &nested("", "")),
                ("etc/redis/extra.conf", &sx),
            ],
        );
        add(
            "edited in a nested file the conf.d file overrides",
            &[
                (ROOT, &end(&sv, "")),
                (&a, &nested("", &sw)),
                ("etc/redis/extra.conf", &sw),
            ],
            &[
                (ROOT, &end(&sv, "")),
                (&a, &nested("", &sw)),
                ("etc/redis/extra.conf", &sx),
            ],
        );
        add(
            "the include removed",
            &[(ROOT, &end(&sv, "")), (&a, &sw)],
            &[(ROOT, &root(&[k], "", &sv)), (&a, &sw)],
        );
    }
    extras(&mut out);
    out
}

/// Explicit defaults, units, old names, client classes and `save`, through includes.
fn extras(out: &mut Vec<Pair>) {
    let a = conf_d("a.conf");
    let end = |keys: &[&str], before: &str, after: &str| {
        root(keys, "", &format!("{before}{CONF_D}{after}"))
    };
    let mut add = |what: &str, base: Side, live: Side| {
        out.push(Pair {
            what: what.to_string(),
            base,
            live,
            check_only: false,
        })
    };
    let plain = end(&[], "", "");
    for (what, text) in [
        (
            "maxmemory written out at its default in conf.d",
            "maxmemory 0\n",
        ),
        (
            "maxmemory-policy at its default in conf.d",
            "maxmemory-policy noeviction\n",
        ),
        ("io-threads at its default in conf.d", "io-threads 1\n"),
        ("maxmemory 1gb in conf.d", "maxmemory 1gb\n"),
        ("maxclients raised in conf.d", "maxclients 20000\n"),
        (
            "client-output-buffer-limit replica as the sample has it, by its old class name",
            "client-output-buffer-limit slave 256mb 64mb 60\n",
        ),
        (
            "client-output-buffer-limit replica raised in conf.d",
            "client-output-buffer-limit replica 512mb 64mb 60\n",
        ),
        (
            "client-output-buffer-limit pubsub in bytes in conf.d",
            "client-output-buffer-limit pubsub 33554432 8388608 60\n",
        ),
        (
            "replica-read-only set again by its old name",
            "slave-read-only yes\n",
        ),
        (
            "replica-read-only turned off by its old name",
            "slave-read-only no\n",
        ),
        ("loglevel in capitals", "loglevel NOTICE\n"),
        (
            "save written out at its default",
            "save 3600 1 300 100 60 10000\n",
        ),
        (
            "save at its default, one line per point",
            "save 3600 1\nsave 300 100\nsave 60 10000\n",
        ),
        ("save 60 1", "save 60 1\n"),
        ("save \"\" (no snapshots)", "save \"\"\n"),
        (
            "save \"\" then the default's points",
            "save \"\"\nsave 3600 1 300 100 60 10000\n",
        ),
    ] {
        add(
            what,
            side(&[(ROOT, &plain), (&a, "")]),
            side(&[(ROOT, &plain), (&a, text)]),
        );
    }
    add(
        "maxmemory moved into conf.d in other units",
        side(&[(ROOT, &end(&[], "maxmemory 1024mb\n", "")), (&a, "")]),
        side(&[(ROOT, &plain), (&a, "maxmemory 1gb\n")]),
    );
    add(
        "maxmemory moved into conf.d, 1g is not 1gb",
        side(&[(ROOT, &end(&[], "maxmemory 1gb\n", "")), (&a, "")]),
        side(&[(ROOT, &plain), (&a, "maxmemory 1g\n")]),
    );
    add(
        "client-output-buffer-limit: the sample's lines moved into conf.d",
        side(&[(ROOT, &plain), (&a, "")]),
        side(&[
            (ROOT, &end(&["client-output-buffer-limit"], "", "")),
            (
                &a,
                "client-output-buffer-limit pubsub 32mb 8mb 60\nclient-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60\n",
            ),
        ]),
    );
    add(
        "client-output-buffer-limit: the sample's lines removed (the defaults)",
        side(&[(ROOT, &plain), (&a, "")]),
        side(&[
            (ROOT, &end(&["client-output-buffer-limit"], "", "")),
            (&a, ""),
        ]),
    );
    add(
        "client-output-buffer-limit: replica set after the include, where conf.d raises it",
        side(&[(ROOT, &plain), (&a, "")]),
        side(&[
            (
                ROOT,
                &end(
                    &[],
                    "",
                    "client-output-buffer-limit replica 256mb 64mb 60\n",
                ),
            ),
            (&a, "client-output-buffer-limit replica 1gb 64mb 60\n"),
        ]),
    );
    add(
        "timeout edited in redis.conf, conf.d elsewhere",
        side(&[(ROOT, &plain), (&a, "hz 20\n")]),
        side(&[
            (ROOT, &plain.replace("\ntimeout 0\n", "\ntimeout 30\n")),
            (&a, "hz 20\n"),
        ]),
    );
    add(
        "an include of an empty conf.d added at the top",
        side(&[(ROOT, &root(&[], "", ""))]),
        side(&[(ROOT, &root(&[], CONF_D, ""))]),
    );
    // `save`: lines add up while a file is read; after an include ends, each line replaces.
    for (what, base, live) in [
        (
            "save split between redis.conf and conf.d",
            ("save 3600 1\n", "", "save 300 100 60 10000\n"),
            ("save 3600 1 300 100 60 10000\n", "", ""),
        ),
        (
            "save lines moved from above the include to below it",
            ("save 3600 1\nsave 300 100\n", "", ""),
            ("", "save 3600 1\nsave 300 100\n", ""),
        ),
        (
            "save lines below the include, one line and two",
            ("save 3600 1\nsave 300 100\n", "", ""),
            ("", "save 3600 1 300 100\n", ""),
        ),
        (
            "save moved from redis.conf into conf.d",
            ("save 60 1\n", "", ""),
            ("", "", "save 60 1\n"),
        ),
        (
            "save \"\" in conf.d where redis.conf sets save below the include",
            ("", "save 60 1\n", ""),
            ("", "save 60 1\n", "save \"\"\n"),
        ),
        (
            "save in conf.d added to by redis.conf above the include",
            ("save 60 1\n", "", "save 300 10\n"),
            ("save 60 1\n", "", "save 300 10\nsave 10 5\n"),
        ),
        (
            "save \"\" in conf.d drops redis.conf's",
            ("save 60 1\n", "", ""),
            ("save 60 1\n", "", "save \"\"\n"),
        ),
    ] {
        let make = |(before, after, inc): (&str, &str, &str)| {
            side(&[(ROOT, &end(&[], before, after)), (&a, inc)])
        };
        add(what, make(base), make(live));
    }
    generated(out);
}

/// A seeded generator: three settings, each set (or not) in redis.conf above or below the
/// include, or in one of two conf.d files, to one of two values; the live side moves or edits
/// one or two of them.
fn generated(out: &mut Vec<Pair>) {
    const KEYS: &[(&str, [&str; 2])] = &[
        ("hz", ["10", "20"]),
        ("maxmemory", ["100mb", "104857600"]),
        ("maxmemory", ["100mb", "200mb"]),
        ("save", ["60 1", "300 10"]),
        ("timeout", ["0", "30"]),
        ("save", ["\"\"", "900 1"]),
        (
            "client-output-buffer-limit",
            ["pubsub 32mb 8mb 60", "pubsub 64mb 8mb 60"],
        ),
    ];
    let mut seed: u64 = 0x5eed_2024;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    // Where each setting stands: 0 nowhere, 1 above the include, 2 below, 3 a.conf, 4 b.conf.
    let build = |placed: &[(usize, u64, u64)]| -> Side {
        let mut texts = vec![String::new(); 5];
        for &(k, at, val) in placed {
            let (name, values) = KEYS[k];
            texts[at as usize].push_str(&format!("{name} {}\n", values[val as usize]));
        }
        side(&[
            (
                ROOT,
                &root(
                    &["client-output-buffer-limit"],
                    "",
                    &format!("{}{CONF_D}{}", texts[1], texts[2]),
                ),
            ),
            (&conf_d("a.conf"), &texts[3]),
            (&conf_d("b.conf"), &texts[4]),
        ])
    };
    for n in 0..60 {
        let picked: Vec<usize> = (0..3).map(|_| next(KEYS.len() as u64) as usize).collect();
        let base: Vec<(usize, u64, u64)> = picked.iter().map(|&k| (k, next(5), next(2))).collect();
        let mut live = base.clone();
        while live == base {
            for _ in 0..=next(2) {
                let i = next(live.len() as u64) as usize;
                match next(3) {
                    0 => live[i].1 = next(5),
                    1 => live[i].2 = 1 - live[i].2,
                    _ => live.swap(i, (i + 1) % 3),
                }
            }
        }
        out.push(Pair {
            what: format!("generated #{n}: {base:?} -> {live:?}"),
            base: build(&base),
            live: build(&live),
            check_only: false,
        });
    }
}

/// What redis-server runs with for one side's files; `None` when it refuses to start.
fn server(files: &Side) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().display().to_string();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // The side's includes read the side's files.
        std::fs::write(
            path,
            text.replace("include /etc/", &format!("include {at}/etc/")),
        )
        .unwrap();
    }
    let sock = dir.path().join("s.sock");
    let mut child = Command::new("redis-server")
        .arg(dir.path().join(ROOT))
        .args(["--port", "0", "--unixsocket"])
        .arg(&sock)
        .arg("--dir")
        .arg(dir.path())
        .args(["--daemonize", "no", "--logfile", ""])
        .arg("--pidfile")
        .arg(dir.path().join("pid"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "redis-server is needed for this test: apt-get install redis-server (.ci/run does)",
        );
    let mut config = None;
    for _ in 0..1000 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if sock.exists() {
            let out = Command::new("redis-cli")
                .arg("-s")
                .arg(&sock)
                .args(["CONFIG", "GET", "*"])
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let lines: Vec<&str> = text.lines().collect();
            if out.status.success() && lines.len() >= 200 {
                config = Some(
                    lines
                        .chunks(2)
                        .filter(|kv| kv.len() == 2 && !FIXED.contains(&kv[0]))
                        .map(|kv| (kv[0].to_string(), kv[1].to_string()))
                        .collect(),
                );
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    config
}

/// Old names as the server reports them: both names of one setting change together.
fn canonical(name: &str) -> String {
    let t = confdrift::normalize::defaults::redis_spellings();
    t.alias(name).unwrap_or(name).to_string()
}

/// A finding's key as `CONFIG GET` names the setting: `save[1]` is `save`,
/// `client-output-buffer-limit.replica` is `client-output-buffer-limit`.
fn setting(key: &str) -> String {
    key.split(['[', '.']).next().unwrap_or(key).to_string()
}

/// confdrift check of the pair (only redis.conf listed; the rest followed): exit code, keys.
fn check(p: &Pair) -> (i32, BTreeSet<String>) {
    let config = crate::harness::app_config(&["cache"], &["/etc/redis/redis.conf"])
        .replace("files =", "version = \"7.0\"\nfiles =");
    let f = Fleet::new(&config);
    for (name, text) in &p.base {
        f.group_baseline("app", &format!("/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("cache", &format!("/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    let keys = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str())
        .filter(|k| !k.is_empty())
        .map(setting)
        .collect();
    (out.code, keys)
}

/// confdrift diff --program-version 7.0 of two copies of `/`: exit code, keys.
fn diff(p: &Pair) -> (i32, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "7.0");
    (v.code, v.keys.iter().map(|k| setting(k)).collect())
}

#[test]
fn confdrift_reads_redis_conf_through_its_includes_as_redis_7_does() {
    let version = Command::new("redis-server")
        .arg("--version")
        .output()
        .expect(
            "redis-server is needed for this test: apt-get install redis-server (.ci/run does)",
        );
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    assert!(
        version.contains(" v=7.0."),
        "the table is Redis 7.0's; this is {version}"
    );
    let pairs = pairs();
    let cache: Mutex<HashMap<String, Option<BTreeMap<String, String>>>> = Mutex::default();
    let ask = |files: &Side| {
        let id = format!("{files:?}");
        if let Some(v) = cache.lock().unwrap().get(&id) {
            return v.clone();
        }
        let v = server(files);
        cache.lock().unwrap().insert(id, v.clone());
        v
    };
    let results = Mutex::new((0usize, 0usize, 0usize, Vec::new()));
    let changed = Mutex::new(0usize);
    crate::verdict::each_in_parallel(&pairs, 4, |_, p| {
        let (Some(base), Some(live)) = (ask(&p.base), ask(&p.live)) else {
            results.lock().unwrap().2 += 1;
            return;
        };
        let names: BTreeSet<&String> = base.keys().chain(live.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| base.get(*k) != live.get(*k))
            .map(|k| canonical(k))
            .collect();
        if std::env::var_os("SHOW_PAIRS").is_some() {
            eprintln!("{}: {differ:?}", p.what);
        }
        *changed.lock().unwrap() += usize::from(!differ.is_empty());
        let mut verdicts = vec![("check", check(p))];
        if !p.check_only {
            verdicts.push(("diff", diff(p)));
        }
        for (how, (code, keys)) in verdicts {
            let agreed = keys == differ && (code == 0) == differ.is_empty();
            let mut r = results.lock().unwrap();
            r.0 += 1;
            if agreed {
                r.1 += 1;
            } else {
                r.3.push(format!(
                    "{}: Redis: {differ:?}; confdrift {how}: exit {code}, {keys:?}",
                    p.what
                ));
            }
        }
    });
    let (judged, agreed, refused, disagreements) = results.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs with includes ({} where the server runs otherwise), {judged} verdicts (check and diff), {agreed} agreed, {} disagreed, {refused} pairs refused by the server",
        pairs.len(),
        changed.into_inner().unwrap(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} verdicts otherwise than {version}:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(judged >= 300, "only {judged} verdicts");
}

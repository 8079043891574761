//! Redis itself judges confdrift on redis.conf: pairs built from Debian's redis.conf
//! (`fixtures/upstream/redis-server/redis.conf`) by rewrites that keep what the server runs
//! with (a setting written out at its default, values in capitals, memory in other units, old
//! `slave-*` names) and edits that change it. For each pair a real redis-server, started on a
//! unix socket in a temporary directory, says with `CONFIG GET *` which settings differ, and
//! `confdrift diff --program-version 7.0` must name exactly those. Pairs the server refuses are
//! counted apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/redis-server/redis.conf");

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

struct Pair {
    what: String,
    a: String,
    b: String,
}

/// What the server runs with for `conf`; `None` when it refuses to start with it.
fn server(conf: &str) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redis.conf");
    std::fs::write(&file, conf).unwrap();
    let sock = dir.path().join("s.sock");
    let mut child = Command::new("redis-server")
        .arg(&file)
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
    // Up when its socket answers; a server that refuses its file exits instead.
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
            // Still starting, or stopping: an error instead of the configuration.
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

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let base = SAMPLE.to_string();
    for line in SAMPLE.lines() {
        let Some(rest) = line.strip_prefix("# ") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(' ') else {
            continue;
        };
        let known = confdrift::normalize::defaults::redis_spellings()
            .default_text(name)
            .is_some();
        if !known
            || FIXED.contains(&name)
            || matches!(
                name,
                "requirepass" | "masterauth" | "masteruser" | "replicaof" | "slaveof"
            )
            // A cluster node's bus port is its port + 10000 whatever `--port 0` says: servers
            // started side by side would take the same one.
            || name == "cluster-enabled"
        {
            continue;
        }
        out.push(Pair {
            what: format!("{name}: written out as the sample has it"),
            a: base.clone(),
            b: base.replacen(line, rest, 1),
        });
        if value.chars().any(|c| c.is_ascii_lowercase()) && !value.contains(['"', '\'']) {
            out.push(Pair {
                what: format!("{name}: in capitals"),
                a: base.replacen(line, rest, 1),
                b: base.replacen(line, &format!("{name} {}", value.to_uppercase()), 1),
            });
        }
        let edited = match value {
            "yes" => Some("no".to_string()),
            "no" => Some("yes".to_string()),
            v if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() => {
                Some((v.parse::<u64>().unwrap() + 1).to_string())
            }
            _ => None,
        };
        if let Some(edited) = edited {
            out.push(Pair {
                what: format!("{name}: edited"),
                a: base.replacen(line, rest, 1),
                b: base.replacen(line, &format!("{name} {edited}"), 1),
            });
        }
    }
    for (what, from, to) in [
        (
            "maxmemory 1gb is 1024mb",
            "# maxmemory <bytes>",
            "maxmemory 1024mb",
        ),
        ("maxmemory 1gb", "# maxmemory <bytes>", "maxmemory 1gb"),
        (
            "auto-aof-rewrite-min-size in bytes",
            "auto-aof-rewrite-min-size 64mb",
            "auto-aof-rewrite-min-size 67108864",
        ),
        (
            "auto-aof-rewrite-min-size 64MB",
            "auto-aof-rewrite-min-size 64mb",
            "auto-aof-rewrite-min-size 64MB",
        ),
        (
            "auto-aof-rewrite-min-size 64m is not 64mb",
            "auto-aof-rewrite-min-size 64mb",
            "auto-aof-rewrite-min-size 64m",
        ),
        (
            "replica-read-only by its old name",
            "replica-read-only yes",
            "slave-read-only yes",
        ),
        (
            "replica-read-only no by its old name",
            "replica-read-only yes",
            "slave-read-only no",
        ),
        (
            "replica-priority by its old name",
            "replica-priority 100",
            "slave-priority 100",
        ),
        (
            "replica-priority changed by its old name",
            "replica-priority 100",
            "slave-priority 10",
        ),
        (
            "appendfsync EVERYSEC",
            "appendfsync everysec",
            "appendfsync EVERYSEC",
        ),
        (
            "appendfsync always",
            "appendfsync everysec",
            "appendfsync always",
        ),
        ("loglevel NOTICE", "loglevel notice", "loglevel NOTICE"),
        // client-output-buffer-limit: one line per class, the last for a class wins, in any
        // order, units in bytes, `slave` for `replica`.
        (
            "client-output-buffer-limit replica in bytes",
            "client-output-buffer-limit replica 256mb 64mb 60",
            "client-output-buffer-limit replica 268435456 67108864 60",
        ),
        (
            "client-output-buffer-limit by the old class name slave",
            "client-output-buffer-limit replica 256mb 64mb 60",
            "client-output-buffer-limit slave 256mb 64mb 60",
        ),
        (
            "client-output-buffer-limit classes in another order",
            "client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60\nclient-output-buffer-limit pubsub 32mb 8mb 60",
            "client-output-buffer-limit pubsub 32mb 8mb 60\nclient-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60",
        ),
        (
            "client-output-buffer-limit two classes on one line",
            "client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60",
            "client-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60",
        ),
        (
            "client-output-buffer-limit replica hard limit raised",
            "client-output-buffer-limit replica 256mb 64mb 60",
            "client-output-buffer-limit replica 512mb 64mb 60",
        ),
        (
            "client-output-buffer-limit pubsub set again later, the last wins",
            "client-output-buffer-limit pubsub 32mb 8mb 60",
            "client-output-buffer-limit pubsub 32mb 8mb 60\nclient-output-buffer-limit pubsub 64mb 8mb 60",
        ),
        (
            "client-output-buffer-limit pubsub set again to the same",
            "client-output-buffer-limit pubsub 32mb 8mb 60",
            "client-output-buffer-limit pubsub 64mb 8mb 60\nclient-output-buffer-limit pubsub 32mb 8mb 60",
        ),
        ("loglevel warning", "loglevel notice", "loglevel warning"),
        (
            "tcp-keepalive repeated, the last wins",
            "tcp-keepalive 300",
            "tcp-keepalive 60\ntcp-keepalive 300",
        ),
        (
            "tcp-keepalive repeated, the last changed",
            "tcp-keepalive 300",
            "tcp-keepalive 300\ntcp-keepalive 60",
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            a: base.clone(),
            b: base.replacen(from, to, 1),
        });
    }
    // Enum words Debian's redis.conf does not show, on both sides, in other cases: the server
    // reads any case (configEnumGetValue), so the table lists every word it names.
    for (what, from, a, b) in [
        (
            "maxmemory-policy allkeys-lru in capitals",
            "# maxmemory-policy noeviction",
            "maxmemory-policy allkeys-lru",
            "maxmemory-policy ALLKEYS-LRU",
        ),
        (
            "maxmemory-policy allkeys-lru against VOLATILE-LRU",
            "# maxmemory-policy noeviction",
            "maxmemory-policy allkeys-lru",
            "maxmemory-policy VOLATILE-LRU",
        ),
        (
            "syslog-facility local3 in capitals",
            "# syslog-facility local0",
            "syslog-facility local3",
            "syslog-facility LOCAL3",
        ),
    ] {
        assert!(base.contains(from), "{from:?} is not in the sample");
        out.push(Pair {
            what: what.to_string(),
            a: base.replacen(from, a, 1),
            b: base.replacen(from, b, 1),
        });
    }
    out
}

#[test]
fn confdrift_sees_redis_conf_as_redis_7_does() {
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
    let cache: Mutex<HashMap<String, Option<BTreeMap<String, String>>>> =
        Mutex::new(HashMap::new());
    let ask = |conf: &str| {
        if let Some(v) = cache.lock().unwrap().get(conf) {
            return v.clone();
        }
        let v = server(conf);
        cache.lock().unwrap().insert(conf.to_string(), v.clone());
        v
    };
    let results = Mutex::new((0usize, 0usize, Vec::new()));
    crate::verdict::each_in_parallel(&pairs, 4, |_, p| {
        let (Some(a), Some(b)) = (ask(&p.a), ask(&p.b)) else {
            results.lock().unwrap().1 += 1;
            return;
        };
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| canonical(k))
            .collect();
        let mut ours = crate::verdict::diff("redis.conf", "7.0", &p.a, &p.b);
        // A keyed directive's key names its class or command: `CONFIG GET` names the directive.
        ours.keys = ours
            .keys
            .iter()
            .map(|k| k.split('.').next().unwrap_or(k).to_string())
            .collect();
        let mut r = results.lock().unwrap();
        if ours.keys == differ && (ours.code == 0) == differ.is_empty() {
            r.0 += 1;
        } else {
            r.2.push(format!(
                "{}: Redis: {differ:?}; confdrift: exit {}, {:?}",
                p.what, ours.code, ours.keys
            ));
        }
    });
    let (agreed, refused, disagreements) = results.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs, {agreed} agreed, {} disagreed, {refused} refused by the server",
        pairs.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} pairs judged otherwise than {version}:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(agreed >= 150, "only {agreed} pairs were judged");
}

#[test]
fn check_reads_redis_conf_with_the_groups_version() {
    let path = "/etc/redis/redis.conf";
    let config = crate::harness::app_config(&["cache"], &[path]);
    let run = |config: &str| {
        let f = crate::harness::Fleet::new(config);
        f.group_baseline("app", path, "maxmemory 1gb\nslave-read-only yes\n");
        f.commit("baseline");
        f.live(
            "cache",
            path,
            "maxmemory 1024MB\nreplica-read-only YES\nsave 3600 1\nsave 300 100 60 10000\n",
        );
        let out = f.run(&["check", "--format", "json"]);
        let keys: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        (out.code, keys)
    };
    // Units, an old name, case, and `save` lines adding up to Redis 7.0's default: no drift.
    assert_eq!(
        run(&config.replace("files =", "version = \"7.0\"\nfiles =")),
        (0, Vec::new())
    );
    // Without the version the default is not assumed: the save lines are drift.
    assert_eq!(
        run(&config),
        (1, vec!["save[0]".to_string(), "save[1]".to_string()])
    );
}

//! systemd units judged by systemd 252 itself, offline: `systemd --test --system
//! --unit=NAME` (run as an unprivileged user: as root it refuses test mode) loads the unit
//! from `SYSTEMD_UNIT_PATH` with its drop-ins, as the manager would, and dumps what it runs
//! with (`Environment:`, each command's `Command Line:`, `LimitNOFILE:`, ...), warning on
//! stderr with file and line about every line it ignores. (`systemctl show` needs a running
//! manager; `systemd-analyze verify` only warns; `cat-config` only concatenates.) The
//! settings confdrift reads, through the drop-ins, must be the ones systemd dumps, for
//! Debian's own units and for drop-ins that override, grow and empty lists; rewrites systemd
//! reads the same are no drift, edits it reads differently are named by key; a line systemd
//! ignores is trouble at that line.

use crate::harness::Fleet;
use confdrift::normalize::{Document, Format};
use confdrift::normalize::{systemd, systemd_dropins};
use confdrift::tree::Tree;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const SYSTEMD: &str = "/lib/systemd/systemd";

/// What systemd loads for `unit` from the unit files `files` ((path as on the host, text):
/// `/etc/systemd/system/...` before `/lib/systemd/system/...`, as systemd orders them):
/// the dump of the unit, and its warnings.
fn judge(files: &[(&str, &str)], unit: &str) -> (Vec<String>, String) {
    assert!(
        Path::new(SYSTEMD).exists(),
        "{SYSTEMD} is missing: install systemd (.ci/run does)"
    );
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    for d in walk(dir.path()) {
        let mode = if d.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let root = dir.path().display().to_string();
    let path = format!("{root}/etc/systemd/system:{root}/lib/systemd/system:");
    // As root, systemd refuses test mode: run it as nobody.
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if root_user {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--", "env"]);
        c
    } else {
        Command::new("env")
    };
    let out = cmd
        .arg(format!("SYSTEMD_UNIT_PATH={path}"))
        .args([SYSTEMD, "--test", "--system", "--no-pager"])
        .arg(format!("--unit={unit}"))
        .output()
        .expect("runuser");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "systemd --test: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = format!("\t-> Unit {unit}:");
    let lines: Vec<String> = stdout
        .lines()
        .skip_while(|l| *l != head)
        .skip(1)
        .take_while(|l| !l.starts_with("\t-> Unit "))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(!lines.is_empty(), "no {unit} in the dump");
    let warnings = String::from_utf8_lossy(&out.stderr).replace(&root, "");
    (lines, warnings)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The commands of a service.
const COMMANDS: &[&str] = &[
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
];

/// The settings compared, from systemd's dump: Description, Type, KillSignal, LimitNOFILE,
/// each Environment variable, each command in order; and the Wants and After units of the
/// file (`origin-file`: with the ones systemd adds for other settings, `PrivateTmp=` wants
/// `tmp.mount`, so the file's must be among them).
fn from_dump(dump: &[String]) -> (Vec<String>, BTreeSet<String>) {
    let mut out = Vec::new();
    let mut after = BTreeSet::new();
    let mut exec = String::new();
    for l in dump {
        if let Some(k) = l.strip_prefix("-> ").and_then(|k| k.strip_suffix(':')) {
            exec = k.to_string();
            continue;
        }
        let Some((k, v)) = l.split_once(": ") else {
            continue;
        };
        match k {
            "Description" | "Type" | "KillSignal" | "LimitNOFILE" | "Environment" => {
                out.push(format!("{k}={v}"))
            }
            "Command Line" => out.push(format!("{exec}={}", words(v))),
            "Wants" | "After" if v.ends_with("(origin-file)") => {
                after.insert(format!("{k}={}", v.trim_end_matches(" (origin-file)")));
            }
            _ => {}
        }
    }
    out.sort();
    (out, after)
}

/// The same settings from confdrift's reading of the unit, through its drop-ins; what is
/// not set is systemd's default (`defaults`, from a bare unit's dump). `%i`/`%I` are
/// expanded for an instance.
fn from_tree(tree: &Tree, defaults: &[String], instance: &str) -> (Vec<String>, BTreeSet<String>) {
    let expand = |v: String| {
        v.replace("%i", instance)
            .replace("%I", &instance.replace('-', "/"))
    };
    let mut out = Vec::new();
    let mut after = BTreeSet::new();
    for (key, e) in tree.iter() {
        let v = e.value.to_string();
        let (section, rest) = key.split_once('.').unwrap();
        let name = rest.split(['[', '.']).next().unwrap();
        match (section, name) {
            ("Unit", "Description") | ("Service", "Type" | "KillSignal") => {
                out.push(format!("{name}={}", expand(v)))
            }
            ("Service", "LimitNOFILE") => {
                out.push(format!("LimitNOFILE={}", v.rsplit(':').next().unwrap()))
            }
            ("Service", "Environment") if rest.contains('.') => {
                let var = rest.split_once('.').unwrap().1;
                out.push(format!("Environment={var}={}", expand(v)));
            }
            ("Service", exec) if COMMANDS.contains(&exec) && rest.contains('[') => {
                let cmd = v.trim_start_matches(['-', '@', ':', '+', '!']);
                out.push(format!("{exec}={}", words(&expand(cmd.to_string()))));
            }
            ("Unit", "Wants" | "After") => {
                after.extend(v.split(' ').map(|u| format!("{name}={u}")))
            }
            _ => {}
        }
    }
    for d in defaults {
        let name = d.split('=').next().unwrap();
        if matches!(name, "Type" | "KillSignal" | "LimitNOFILE")
            && !out.iter().any(|o| o.starts_with(&format!("{name}=")))
        {
            out.push(d.clone());
        }
    }
    out.sort();
    (out, after)
}

/// A command line as its words (systemd's dump quotes `$` as `"\\$MAINPID"`), each word
/// with blanks in double quotes.
fn words(line: &str) -> String {
    systemd::split(line)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .iter()
        .map(|w| {
            if w.contains(' ') {
                format!("\"{w}\"")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse(text: &str) -> Tree {
    match Format::from_name("systemd").unwrap().parse(text.as_bytes()) {
        Ok(Document::Tree(t)) => t,
        other => panic!("{other:?}"),
    }
}

/// confdrift's reading of `root` among `files`, through its drop-ins.
fn ours(files: &[(&str, &str)], root: &str) -> Tree {
    let trees: Vec<(&str, Tree)> = files.iter().map(|(p, t)| (*p, parse(t))).collect();
    let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let root_tree = &trees.iter().find(|(p, _)| *p == root).unwrap().1;
    let lookup = |p: &str| trees.iter().find(|(q, _)| *q == p).map(|(_, t)| t);
    systemd_dropins::read_through(root, root_tree, &lookup, &paths).tree
}

fn defaults() -> Vec<String> {
    let bare = [(
        "/lib/systemd/system/bare.service",
        "[Service]\nExecStart=/bin/true\n",
    )];
    from_dump(&judge(&bare, "bare.service").0).0
}

/// systemd and confdrift read the same settings for `unit` (loaded from `root`).
fn agree(files: &[(&str, &str)], root: &str, unit: &str, instance: &str, defaults: &[String]) {
    let (dump, warnings) = judge(files, unit);
    let (theirs, their_after) = from_dump(&dump);
    let (mine, my_after) = from_tree(&ours(files, root), defaults, instance);
    assert_eq!(mine, theirs, "{unit}: confdrift (left) and systemd (right)");
    assert!(
        my_after.is_subset(&their_after),
        "{unit}: {my_after:?} {their_after:?}"
    );
    assert!(
        !warnings.contains(&format!("{unit}:")),
        "{unit}: {warnings}"
    );
}

fn upstream(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/upstream/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn debian_units_read_as_systemd_reads_them() {
    let defaults = defaults();
    for (rel, name, unit, instance) in [
        (
            "pgbouncer/pgbouncer.service",
            "pgbouncer.service",
            "pgbouncer.service",
            "",
        ),
        (
            "redis-server/redis-server.service",
            "redis-server.service",
            "redis-server.service",
            "",
        ),
        (
            "nginx-common/nginx.service",
            "nginx.service",
            "nginx.service",
            "",
        ),
        (
            "openssh-server/ssh.service",
            "ssh.service",
            "ssh.service",
            "",
        ),
        (
            "postgresql-common/postgresql@.service",
            "postgresql@.service",
            "postgresql@15-main.service",
            "15-main",
        ),
        (
            "mariadb-server/mariadb@.service",
            "mariadb@.service",
            "mariadb@x.service",
            "x",
        ),
    ] {
        let text = upstream(rel);
        let root = format!("/lib/systemd/system/{name}");
        agree(&[(&root, &text)], &root, unit, instance, &defaults);
    }
    // MariaDB's bootstrap drop-in (an empty ExecStartPre=, ExecStart= then two commands, an
    // empty ExecStartPost=), installed for every instance of the template.
    let unit = upstream("mariadb-server/mariadb@.service");
    let dropin = upstream("mariadb-server/mariadb@bootstrap.service.d/use_galera_new_cluster.conf");
    let files = [
        ("/lib/systemd/system/mariadb@.service", unit.as_str()),
        (
            "/etc/systemd/system/mariadb@.service.d/use_galera_new_cluster.conf",
            dropin.as_str(),
        ),
    ];
    agree(
        &files,
        files[0].0,
        "mariadb@bootstrap.service",
        "bootstrap",
        &defaults,
    );
    let t = ours(&files, files[0].0);
    assert!(t.get("Service.ExecStartPre[0]").is_none());
    assert_eq!(
        t.get("Service.ExecStart[1]").unwrap().value.to_string(),
        "/usr/bin/false"
    );
}

const UNIT: &str = "\
[Unit]
Description=Pool of connections
After=network.target
Wants=network-online.target

[Service]
Type=notify
Environment=POOL_MAX=100 \"GREETING=hello world\"
ExecStartPre=/bin/true
ExecStart=/usr/sbin/pgbouncer /etc/pgbouncer/pgbouncer.ini
ExecReload=/bin/kill -HUP $MAINPID
LimitNOFILE=1024
KillSignal=SIGINT
";

#[test]
fn dropins_merge_as_systemd_merges_them() {
    let defaults = defaults();
    let root = "/lib/systemd/system/pool.service";
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "a later value wins",
            &[(
                "/etc/systemd/system/pool.service.d/10-limits.conf",
                "[Service]\nLimitNOFILE=65536\nType=simple\n",
            )],
        ),
        (
            "an empty ExecStart= empties the list, commands after it are the list",
            &[(
                "/etc/systemd/system/pool.service.d/10-exec.conf",
                "[Service]\nExecStart=\nExecStart=/usr/bin/b -x\n",
            )],
        ),
        (
            "commands without an empty one are added",
            &[(
                "/etc/systemd/system/pool.service.d/10-exec.conf",
                "[Service]\nExecStartPre=/bin/echo one\n",
            )],
        ),
        (
            "the environment by variable, emptied by an empty Environment=",
            &[
                (
                    "/etc/systemd/system/pool.service.d/10-env.conf",
                    "[Service]\nEnvironment=POOL_MAX=200 EXTRA=1\n",
                ),
                (
                    "/etc/systemd/system/pool.service.d/20-env.conf",
                    "[Service]\nEnvironment=\nEnvironment=ONLY=2\n",
                ),
            ],
        ),
        (
            "drop-ins in name order, across directories",
            &[
                (
                    "/etc/systemd/system/pool.service.d/20-b.conf",
                    "[Service]\nLimitNOFILE=2000\n",
                ),
                (
                    "/lib/systemd/system/pool.service.d/10-a.conf",
                    "[Service]\nLimitNOFILE=1000\nKillSignal=SIGTERM\n",
                ),
            ],
        ),
        (
            "a drop-in in /etc hides the one of the same name in /lib",
            &[
                (
                    "/etc/systemd/system/pool.service.d/10-a.conf",
                    "[Service]\nLimitNOFILE=3000\n",
                ),
                (
                    "/lib/systemd/system/pool.service.d/10-a.conf",
                    "[Service]\nLimitNOFILE=1000\nKillSignal=SIGTERM\n",
                ),
            ],
        ),
        (
            "dependencies only grow",
            &[(
                "/etc/systemd/system/pool.service.d/10-deps.conf",
                "[Unit]\nWants=\nWants=postgresql.service\nAfter=postgresql.service\n",
            )],
        ),
        (
            "continued lines, quotes and escapes",
            &[(
                "/etc/systemd/system/pool.service.d/10-x.conf",
                "[Service]\nEnvironment=\"A=x y\" B=e\\x41 \\\n# a comment inside\n  'C=q r'\nExecStart=\nExecStart=/bin/sh -c \"exec sleep 1\"\n",
            )],
        ),
    ];
    for (what, dropins) in cases {
        let mut files = vec![(root, UNIT)];
        files.extend(dropins.iter().copied());
        let theirs = from_dump(&judge(&files, "pool.service").0);
        let mine = from_tree(&ours(&files, root), &defaults, "");
        assert_eq!(
            mine.0, theirs.0,
            "{what}: confdrift (left) and systemd (right)"
        );
        assert!(mine.1.is_subset(&theirs.1), "{what}: {mine:?} {theirs:?}");
        let alone = from_dump(&judge(&files[..1], "pool.service").0);
        assert_ne!(alone, theirs, "{what}: the drop-ins change something");
        // An empty Wants= empties nothing.
        assert!(theirs.1.contains("Wants=network-online.target"), "{what}");
        assert!(mine.1.contains("Wants=network-online.target"), "{what}");
    }
}

/// What `confdrift diff` says: exit code, (file, key) of the findings, (file, line) of the
/// errors.
type Said = (i32, Vec<(String, String)>, Vec<(String, u64)>);

/// An edit: what it is, the files, and the (file, key) findings it must give.
type Edit<'a> = (&'a str, Vec<(&'a str, String)>, Vec<(&'a str, &'a str)>);

/// `confdrift diff` of two directories holding unit files: exit code, (file, key) of each
/// finding, (file, line) of each error.
fn diff(f: &Fleet, a: &[(&str, &str)], b: &[(&str, &str)]) -> Said {
    let _ = std::fs::remove_dir_all(f.path().join("a"));
    let _ = std::fs::remove_dir_all(f.path().join("b"));
    for (side, files) in [("a", a), ("b", b)] {
        for (p, t) in files {
            f.write(&format!("{side}{p}"), t);
        }
    }
    let out = f.run(&["diff", "a", "b", "--format", "json"]);
    let r = out.json();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let findings = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(&x["file"]), s(&x["key"])))
        .collect();
    let errors = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(&x["file"]), x["line"].as_u64().unwrap_or(0)))
        .collect();
    (out.code, findings, errors)
}

#[test]
fn rewrites_systemd_reads_the_same_are_no_drift_and_edits_are_named() {
    let f = Fleet::new("");
    let unit = "/etc/systemd/system/pool.service";
    let dropin = "/etc/systemd/system/pool.service.d/10-limits.conf";
    let base = [(unit, UNIT), (dropin, "[Service]\nLimitNOFILE=65536\n")];
    let (base_view, _) = from_dump(&judge(&base, "pool.service").0);
    let same: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "spacing, comments, quoting, a continued line, the set written in two lines",
            vec![
                (unit, UNIT.replace("Type=notify", "# comment\n; another\nType = notify").replace(
                    "ExecStart=/usr/sbin/pgbouncer /etc/pgbouncer/pgbouncer.ini",
                    "ExecStart=/usr/sbin/pgbouncer \\\n    \"/etc/pgbouncer/pgbouncer.ini\"",
                ).replace("\"GREETING=hello world\"", "GREETING='hello world'")),
                (dropin, "[Service]\nLimitNOFILE=65536\n".to_string()),
            ],
        ),
        (
            "the unit's limit overridden by the drop-in changed",
            vec![
                (unit, UNIT.replace("LimitNOFILE=1024", "LimitNOFILE=4096")),
                (dropin, "[Service]\nLimitNOFILE=65536\n".to_string()),
            ],
        ),
        (
            "a limit as soft:hard with both the same",
            vec![
                (unit, UNIT.to_string()),
                (dropin, "[Service]\nLimitNOFILE=65536:65536\n".to_string()),
            ],
        ),
    ];
    for (what, files) in &same {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (view, _) = from_dump(&judge(&files, "pool.service").0);
        assert_eq!(view, base_view, "{what}: systemd reads the same");
        assert_eq!(diff(&f, &base, &files), (0, vec![], vec![]), "{what}");
    }
    let edits: Vec<Edit> = vec![
        (
            "the drop-in's limit raised",
            vec![
                (unit, UNIT.to_string()),
                (dropin, "[Service]\nLimitNOFILE=100000\n".to_string()),
            ],
            vec![(
                "etc/systemd/system/pool.service.d/10-limits.conf",
                "Service.LimitNOFILE",
            )],
        ),
        (
            "a variable changed",
            vec![
                (unit, UNIT.replace("POOL_MAX=100", "POOL_MAX=500")),
                (dropin, "[Service]\nLimitNOFILE=65536\n".to_string()),
            ],
            vec![(
                "etc/systemd/system/pool.service",
                "Service.Environment.POOL_MAX",
            )],
        ),
        (
            "a drop-in empties ExecStartPre",
            vec![
                (unit, UNIT.to_string()),
                (
                    dropin,
                    "[Service]\nLimitNOFILE=65536\nExecStartPre=\n".to_string(),
                ),
            ],
            // What systemd runs with lost the unit's command: named by the unit's key.
            vec![("etc/systemd/system/pool.service", "Service.ExecStartPre[0]")],
        ),
    ];
    for (what, files, want) in &edits {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (view, _) = from_dump(&judge(&files, "pool.service").0);
        assert_ne!(view, base_view, "{what}: systemd reads it differently");
        let (code, findings, errors) = diff(&f, &base, &files);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!((code, errors), (1, vec![]), "{what}");
        for w in &want {
            assert!(findings.contains(w), "{what}: {w:?} in {findings:?}");
        }
    }
}

#[test]
fn lines_systemd_ignores_are_trouble_at_their_line() {
    let f = Fleet::new("");
    let unit = "/etc/systemd/system/pool.service";
    for (bad, systemd_says) in [
        (
            "LimitNOFLE=1",
            "Unknown key 'LimitNOFLE' in section [Service], ignoring",
        ),
        ("Type simple", "Missing '=', ignoring line"),
        (
            "Environment=A=1 B",
            "Invalid environment assignment, ignoring: B",
        ),
        ("[Servce]", "Unknown section 'Servce'. Ignoring"),
    ] {
        let text = UNIT.replace("KillSignal=SIGINT", &format!("KillSignal=SIGINT\n{bad}"));
        let line = text.lines().position(|l| l == bad).unwrap() + 1;
        let (_, warnings) = judge(&[(unit, &text)], "pool.service");
        assert!(
            warnings.contains(&format!("{unit}:{line}: {systemd_says}")),
            "{bad}: {warnings}"
        );
        let (code, _, errors) = diff(&f, &[(unit, UNIT)], &[(unit, &text)]);
        assert_eq!(code, 2, "{bad}");
        assert_eq!(
            errors,
            vec![("b/etc/systemd/system/pool.service".to_string(), line as u64)],
            "{bad}"
        );
    }
}

#[test]
fn passwords_in_the_environment_never_appear_in_output() {
    let f = Fleet::new("");
    let unit = "/etc/systemd/system/pool.service";
    let dropin = "/etc/systemd/system/pool.service.d/10-secret.conf";
    let with = |pw: &str, url: &str| {
        format!(
            "[Service]\nEnvironment=PGPASSWORD={pw} \"DATABASE_URL=postgres://app:{url}@db/app\"\n"
        )
    };
    let old = with("Old-zQx9-pw", "Url-old-Kp7");
    let new = with("New-wV3r-pw", "Url-new-Jm2");
    for format in ["json", "text"] {
        // The unit's own drop-in, and a type-wide one every service reads.
        let all = "/etc/systemd/system/service.d/10-secret.conf";
        for (a, b) in [(unit, unit), (dropin, dropin), (all, all)] {
            let _ = std::fs::remove_dir_all(f.path().join("a"));
            let _ = std::fs::remove_dir_all(f.path().join("b"));
            f.write(&format!("a{unit}"), UNIT);
            f.write(&format!("b{unit}"), UNIT);
            f.write(&format!("a{a}"), &old);
            f.write(&format!("b{b}"), &new);
            let out = f.run(&["diff", "a", "b", "--format", format]);
            assert_eq!(out.code, 1, "{}", out.stderr);
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(all.contains("PGPASSWORD"), "{all}");
            assert!(all.contains("DATABASE_URL"), "{all}");
            for secret in ["zQx9", "wV3r", "Kp7", "Jm2"] {
                assert!(!all.contains(secret), "{secret} in {all}");
            }
        }
    }
}

/// confdrift's reading of the unit `unit`, loaded from the file `root` among `files`.
fn ours_unit(files: &[(&str, &str)], unit: &str, root: &str) -> Tree {
    let trees: Vec<(&str, Tree)> = files.iter().map(|(p, t)| (*p, parse(t))).collect();
    let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let root_tree = &trees.iter().find(|(p, _)| *p == root).unwrap().1;
    let lookup = |p: &str| trees.iter().find(|(q, _)| *q == p).map(|(_, t)| t);
    systemd_dropins::read_unit(unit, root, root_tree, &lookup, &paths).tree
}

/// A case: what it is, the unit, the file it loads from, the files, the instance.
type UnitCase<'a> = (&'a str, &'a str, &'a str, Vec<(&'a str, String)>, &'a str);

#[test]
fn type_prefix_instance_and_search_path_dropins_as_systemd_finds_them() {
    let defaults = defaults();
    let limit = |n: u32| format!("[Service]\nLimitNOFILE={n}\n");
    let env = |v: &str| format!("[Service]\nEnvironment={v}\n");
    // (what, unit, the file it loads from, files, instance)
    let cases: Vec<UnitCase> = vec![
        (
            "a type-wide service.d drop-in applies to every service",
            "pool.service",
            "/lib/systemd/system/pool.service",
            vec![
                ("/lib/systemd/system/pool.service", UNIT.to_string()),
                ("/etc/systemd/system/service.d/10-all.conf", limit(4242)),
                ("/lib/systemd/system/socket.d/10-all.conf", limit(7)),
            ],
            "",
        ),
        (
            "the unit's own drop-in masks a type-wide one of the same name, in any directory",
            "pool.service",
            "/lib/systemd/system/pool.service",
            vec![
                ("/lib/systemd/system/pool.service", UNIT.to_string()),
                ("/etc/systemd/system/service.d/10-a.conf", limit(4242)),
                ("/lib/systemd/system/pool.service.d/10-a.conf", env("ONE=1")),
                ("/etc/systemd/system/service.d/20-b.conf", env("TWO=2")),
            ],
            "",
        ),
        (
            "dash prefixes: foo-.service.d and foo-bar-.service.d for foo-bar-baz.service",
            "pool-web-a.service",
            "/lib/systemd/system/pool-web-a.service",
            vec![
                ("/lib/systemd/system/pool-web-a.service", UNIT.to_string()),
                ("/lib/systemd/system/pool-.service.d/10-a.conf", limit(2000)),
                (
                    "/lib/systemd/system/pool-web-.service.d/20-b.conf",
                    env("POOL_MAX=7"),
                ),
                (
                    "/etc/systemd/system/pool-web-b.service.d/30-c.conf",
                    limit(9),
                ),
                ("/etc/systemd/system/pool-we-.service.d/30-c.conf", limit(9)),
            ],
            "",
        ),
        (
            "a more specific prefix masks a general one of the same name in the same directory; /etc's general one masks /lib's specific one",
            "pool-web-a.service",
            "/lib/systemd/system/pool-web-a.service",
            vec![
                ("/lib/systemd/system/pool-web-a.service", UNIT.to_string()),
                ("/lib/systemd/system/pool-.service.d/10-a.conf", limit(2000)),
                (
                    "/lib/systemd/system/pool-web-.service.d/10-a.conf",
                    limit(3000),
                ),
                (
                    "/etc/systemd/system/pool-.service.d/20-b.conf",
                    env("A=etc"),
                ),
                (
                    "/lib/systemd/system/pool-web-a.service.d/20-b.conf",
                    env("A=lib"),
                ),
            ],
            "",
        ),
        (
            "an instance: its template's file and drop-ins, then its own",
            "pool@blue.service",
            "/lib/systemd/system/pool@.service",
            vec![
                ("/lib/systemd/system/pool@.service", UNIT.to_string()),
                ("/etc/systemd/system/pool@.service.d/10-a.conf", limit(5000)),
                (
                    "/etc/systemd/system/pool@blue.service.d/20-b.conf",
                    "[Service]\nExecStart=\nExecStart=/usr/bin/blue %i\n".to_string(),
                ),
                (
                    "/etc/systemd/system/pool@green.service.d/30-c.conf",
                    limit(1),
                ),
            ],
            "blue",
        ),
        (
            "an instance with a dash: the template's prefix and the instance's prefix",
            "pool-web@blue.service",
            "/lib/systemd/system/pool-web@.service",
            vec![
                ("/lib/systemd/system/pool-web@.service", UNIT.to_string()),
                ("/lib/systemd/system/pool-.service.d/10-a.conf", limit(5000)),
                (
                    "/etc/systemd/system/pool-@.service.d/20-b.conf",
                    env("B=template"),
                ),
                (
                    "/etc/systemd/system/pool-@blue.service.d/30-c.conf",
                    env("C=blue"),
                ),
                (
                    "/lib/systemd/system/pool-web@.service.d/40-d.conf",
                    env("D=web"),
                ),
                (
                    "/lib/systemd/system/pool-@green.service.d/50-e.conf",
                    limit(1),
                ),
            ],
            "blue",
        ),
        (
            "a unit in /etc hides the one of the same name in /lib; both have drop-ins",
            "pool.service",
            "/etc/systemd/system/pool.service",
            vec![
                (
                    "/etc/systemd/system/pool.service",
                    UNIT.replace("LimitNOFILE=1024", "LimitNOFILE=8192")
                        .replace("Type=notify", "Type=simple"),
                ),
                ("/lib/systemd/system/pool.service", UNIT.to_string()),
                ("/lib/systemd/system/pool.service.d/10-a.conf", env("L=lib")),
            ],
            "",
        ),
    ];
    for (what, unit, root, files, instance) in &cases {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (dump, warnings) = judge(&files, unit);
        let theirs = from_dump(&dump);
        let mine = from_tree(&ours_unit(&files, unit, root), &defaults, instance);
        assert_eq!(
            mine.0, theirs.0,
            "{what}: confdrift (left) and systemd (right)"
        );
        assert!(mine.1.is_subset(&theirs.1), "{what}: {mine:?} {theirs:?}");
        assert!(
            !warnings.contains(&format!("{unit}:")),
            "{what}: {warnings}"
        );
        // A unit named by its file reads the same through read_through, the pipeline's.
        if root.ends_with(&format!("/{unit}")) {
            let through = from_tree(&ours(&files, root), &defaults, instance);
            assert_eq!(through, mine, "{what}");
        }
        let alone: Vec<(&str, &str)> = files.iter().copied().filter(|(p, _)| p == root).collect();
        let bare = from_dump(&judge(&alone, unit).0);
        assert_ne!(bare, theirs, "{what}: the other files change something");
    }
}

#[test]
fn a_hidden_unit_changes_nothing_and_a_type_wide_dropin_is_named() {
    let f = Fleet::new("");
    let etc = "/etc/systemd/system/pool.service";
    let lib = "/lib/systemd/system/pool.service";
    let all = "/etc/systemd/system/service.d/10-all.conf";
    let base = [
        (etc, UNIT),
        (lib, UNIT),
        (all, "[Service]\nLimitNOFILE=4000\n"),
    ];
    let (base_view, _) = from_dump(&judge(&base, "pool.service").0);
    // The package's unit, hidden by /etc's, changed: systemd loads the same.
    let lib_edit = UNIT.replace("KillSignal=SIGINT", "KillSignal=SIGKILL");
    let hidden = [(etc, UNIT), (lib, lib_edit.as_str()), base[2]];
    assert_eq!(from_dump(&judge(&hidden, "pool.service").0).0, base_view);
    assert_eq!(diff(&f, &base, &hidden), (0, vec![], vec![]));
    // The type-wide drop-in's limit: named on that file.
    let raised = [
        (etc, UNIT),
        (lib, UNIT),
        (all, "[Service]\nLimitNOFILE=5000\n"),
    ];
    assert_ne!(from_dump(&judge(&raised, "pool.service").0).0, base_view);
    let (code, findings, errors) = diff(&f, &base, &raised);
    assert_eq!((code, errors), (1, vec![]));
    assert!(
        findings.contains(&(
            "etc/systemd/system/service.d/10-all.conf".to_string(),
            "Service.LimitNOFILE".to_string()
        )),
        "{findings:?}"
    );
    // The unit's own limit, overridden by the type-wide drop-in: no change systemd sees.
    let unit_edit = UNIT.replace("LimitNOFILE=1024", "LimitNOFILE=2048");
    let masked = [(etc, unit_edit.as_str()), (lib, UNIT), base[2]];
    assert_eq!(from_dump(&judge(&masked, "pool.service").0).0, base_view);
    assert_eq!(diff(&f, &base, &masked), (0, vec![], vec![]));
    // The same edit on the hidden unit in /lib alone, without /etc's: found.
    let (code, findings, _) = diff(&f, &base[1..], &[(lib, unit_edit.as_str()), base[2]]);
    assert_eq!(code, 0, "{findings:?}: overridden by the type-wide drop-in");
    let (code, findings, _) = diff(&f, &[(lib, UNIT)], &[(lib, unit_edit.as_str())]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![(
            "lib/systemd/system/pool.service".to_string(),
            "Service.LimitNOFILE".to_string()
        )]
    );
}

#[test]
fn check_collects_the_dropins_systemd_reads_for_a_listed_unit_and_no_others() {
    let unit = "/lib/systemd/system/pool-web.service";
    let f = Fleet::new(&format!(
        "[[group]]\nname = \"g\"\nhosts = [\"h-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{unit}\"]\n\n\
         [[rule]]\nname = \"enough files\"\nfile = \"{unit}\"\nkey = \"Service.LimitNOFILE\"\nmin = 4096\n"
    ));
    let own = "/etc/systemd/system/pool-web.service.d/10-limits.conf";
    let prefix = "/lib/systemd/system/pool-.service.d/20-env.conf";
    let all = "/etc/systemd/system/service.d/30-all.conf";
    let other = "/etc/systemd/system/other.service.d/10-x.conf";
    let hidden = "/etc/systemd/system/pool-web.service.d/.10-old.conf";
    let files = [
        (unit, UNIT),
        (own, "[Service]\nLimitNOFILE=8192\n"),
        (prefix, "[Service]\nEnvironment=POOL_MAX=300\n"),
        (all, "[Service]\nKillSignal=SIGTERM\n"),
        (other, "[Service]\nLimitNOFILE=1\n"),
        (hidden, "[Service]\nLimitNOFILE=1\n"),
    ];
    // systemd reads the unit with the three, not the other unit's or the hidden file.
    let (dump, _) = judge(&files, "pool-web.service");
    let dump = from_dump(&dump).0;
    for want in [
        "LimitNOFILE=8192",
        "Environment=POOL_MAX=300",
        "KillSignal=SIGTERM",
    ] {
        assert!(dump.contains(&want.to_string()), "{want}: {dump:?}");
    }
    for (p, t) in &files {
        f.live("h-1", p, t);
    }
    for (p, t) in &files[..4] {
        f.group_baseline("g", p, t);
    }
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // Each drop-in systemd reads changed is found on it; the other unit's is not read.
    f.live("h-1", own, "[Service]\nLimitNOFILE=1024\n");
    f.live("h-1", prefix, "[Service]\nEnvironment=POOL_MAX=400\n");
    f.live("h-1", all, "[Service]\nKillSignal=SIGKILL\n");
    f.live("h-1", other, "[Service]\nLimitNOFILE=2\n");
    let out = f.run(&["check", "--format", "json"]);
    let r = out.json();
    let mut got: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["file"].as_str().unwrap_or("").to_string(),
                x["key"].as_str().unwrap_or("").to_string(),
                x["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    got.dedup();
    let want: Vec<(String, String, String)> = [
        (all, "Service.KillSignal", "changed"),
        (own, "Service.LimitNOFILE", "changed"),
        (prefix, "Service.Environment.POOL_MAX", "changed"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    let mut want = want;
    want.sort();
    assert_eq!(got, want, "{r:#}");
    // The rule on the unit's limit sees the drop-in's value, as systemd runs it.
    let messages = r.to_string();
    assert!(messages.contains("below the minimum 4096"), "{r:#}");
}

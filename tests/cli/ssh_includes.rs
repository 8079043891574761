//! ssh judges confdrift on ssh_config with its `Include`: Debian's ssh_config
//! (`fixtures/upstream/openssh-client/ssh_config`), which includes
//! `/etc/ssh/ssh_config.d/*.conf` at its top, beside files in ssh_config.d as a fleet has them
//! (a `Host` block per file, a file of `Host *` options, top lines with no block, values that
//! collide with ssh_config's own `Host *` block). Pairs of a host's files where keywords move
//! between ssh_config and the included files, included files override or lose to ssh_config,
//! swap values or change their order, the `Include` moves below `Host *` or into a `Host` block,
//! relative words, nested includes, `Match` blocks in included files. For each pair
//! `ssh -G -F DIR/ssh_config HOST` (the files written under a temp dir with `/etc/ssh/` read as
//! it; `HOME` a temp dir whose `.ssh` is that dir, since ssh reads a relative word of `-F`'s file
//! in `~/.ssh` where it reads the system file's in `/etc/ssh`), for every host the files name and
//! a few more, says which keywords some host gets otherwise, and `confdrift check` (a group
//! listing only /etc/ssh/ssh_config, `version = "9.2"`, following its Include) must name exactly
//! those, and exit 0 when there are none. Pairs ssh refuses are counted apart.

use crate::harness::Fleet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/openssh-client/ssh_config");
const INCLUDE: &str = "Include /etc/ssh/ssh_config.d/*.conf\n";

/// Hosts asked about besides the names the files give.
const EXTRA_HOSTS: &[&str] = &[
    "bastion",
    "db-1",
    "db-old",
    "web1",
    "other.example.com",
    "x",
];

/// One side: the files under /etc/ssh, by name relative to it.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
}

fn side(files: &[(&str, &str)]) -> Side {
    files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

/// Debian's ssh_config with `include` in place of its Include line and `star` added to its
/// `Host *` block, then `after`.
fn conf_with(include: &str, star: &str, after: &str) -> String {
    let text = SAMPLE.replacen(INCLUDE, include, 1);
    format!("{text}{star}{after}")
}

/// Debian's ssh_config, `star` added to its `Host *` block.
fn conf(star: &str) -> String {
    conf_with(INCLUDE, star, "")
}

/// The realistic ssh_config.d of a fleet, with `extra` files.
fn dropins(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = side(&[
        (
            "ssh_config.d/20-bastion.conf",
            "Host bastion\n    HostName bastion.example.com\n    User ops\n    Port 2222\n",
        ),
        (
            "ssh_config.d/30-db.conf",
            "Host db-* !db-old\n    ProxyJump bastion\n    User postgres\n",
        ),
    ]);
    out.extend(side(extra));
    out
}

fn with(root: String, files: Vec<(String, String)>) -> Side {
    let mut out = vec![("ssh_config".to_string(), root)];
    out.extend(files);
    out
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    // keyword, two values: each set in ssh_config's Host *, in an included file, or both.
    for (k, v, w) in [
        ("HashKnownHosts", "yes", "no"),
        ("ServerAliveInterval", "30", "60"),
        ("User", "alice", "bob"),
        ("Port", "2200", "2201"),
        ("ForwardAgent", "yes", "no"),
        ("ConnectTimeout", "10", "20"),
        ("StrictHostKeyChecking", "accept-new", "no"),
        ("GSSAPIAuthentication", "no", "yes"),
    ] {
        let star = |val: &str| format!("    {k} {val}\n");
        let block = |val: &str| format!("Host *\n    {k} {val}\n");
        let top = |val: &str| format!("{k} {val}\n");
        let mut add = |what: &str, base: Side, live: Side| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base,
                live,
            });
        };
        let a = "ssh_config.d/50-a.conf";
        add(
            "moved from ssh_config's Host * into an included Host * block, same value",
            with(conf(&star(v)), dropins(&[])),
            with(conf(""), dropins(&[(a, &block(v))])),
        );
        add(
            "moved into an included file's top lines, value changed",
            with(conf(&star(v)), dropins(&[])),
            with(conf(""), dropins(&[(a, &top(w))])),
        );
        add(
            "edited in ssh_config where an included file, read first, sets it",
            with(conf(&star(v)), dropins(&[(a, &block(w))])),
            with(conf(&star(w)), dropins(&[(a, &block(w))])),
        );
        add(
            "edited in the included file that wins",
            with(conf(&star(v)), dropins(&[(a, &block(w))])),
            with(conf(&star(v)), dropins(&[(a, &block(v))])),
        );
        add(
            "an included Host * block made top lines, same value",
            with(conf(""), dropins(&[(a, &block(v))])),
            with(conf(""), dropins(&[(a, &top(v))])),
        );
        add(
            "edited in an included db-* block",
            with(
                conf(&star(v)),
                dropins(&[(a, &format!("Host db-*\n    {k} {w}\n"))]),
            ),
            with(
                conf(&star(v)),
                dropins(&[(a, &format!("Host db-*\n    {k} {v}\n"))]),
            ),
        );
        add(
            "the Include moved below Host *, so ssh_config's value wins",
            with(conf(&star(v)), dropins(&[(a, &block(w))])),
            with(conf_with("", &star(v), INCLUDE), dropins(&[(a, &block(w))])),
        );
        add(
            "the Include moved below Host *, both values the same",
            with(conf(&star(v)), dropins(&[(a, &block(v))])),
            with(conf_with("", &star(v), INCLUDE), dropins(&[(a, &block(v))])),
        );
        add(
            "the included files swap their values",
            with(
                conf(""),
                dropins(&[
                    ("ssh_config.d/10-a.conf", &block(v)),
                    ("ssh_config.d/60-b.conf", &block(w)),
                ]),
            ),
            with(
                conf(""),
                dropins(&[
                    ("ssh_config.d/10-a.conf", &block(w)),
                    ("ssh_config.d/60-b.conf", &block(v)),
                ]),
            ),
        );
        add(
            "an included file renamed after the other",
            with(
                conf(""),
                dropins(&[
                    ("ssh_config.d/10-a.conf", &block(v)),
                    ("ssh_config.d/60-b.conf", &block(w)),
                ]),
            ),
            with(
                conf(""),
                dropins(&[
                    ("ssh_config.d/70-a.conf", &block(v)),
                    ("ssh_config.d/60-b.conf", &block(w)),
                ]),
            ),
        );
        add(
            "a file that does not end in .conf is not read",
            with(conf(&star(v)), dropins(&[])),
            with(
                conf(&star(v)),
                dropins(&[("ssh_config.d/50-a.conf.bak", &block(w))]),
            ),
        );
        add(
            "a file whose name starts with . is not read",
            with(conf(&star(v)), dropins(&[])),
            with(
                conf(&star(v)),
                dropins(&[("ssh_config.d/.50-a.conf", &block(w))]),
            ),
        );
        add(
            "the Include moved into a Host db-* block at the end",
            with(conf(""), dropins(&[(a, &block(w))])),
            with(
                conf_with("", "", &format!("\nHost db-*\n    {INCLUDE}")),
                dropins(&[(a, &block(w))]),
            ),
        );
    }
    let a = "ssh_config.d/50-a.conf";
    for (what, base, live) in [
        (
            "SendEnv TZ added in an included file",
            with(conf(""), dropins(&[])),
            with(conf(""), dropins(&[(a, "Host *\n    SendEnv TZ\n")])),
        ),
        (
            "SendEnv -LC_* in an included file removes nothing read later",
            with(conf(""), dropins(&[])),
            with(conf(""), dropins(&[(a, "SendEnv -LC_*\n")])),
        ),
        (
            "an IdentityFile of an included file comes first",
            with(conf("    IdentityFile ~/.ssh/id_a\n"), dropins(&[])),
            with(
                conf("    IdentityFile ~/.ssh/id_a\n"),
                dropins(&[(a, "IdentityFile ~/.ssh/id_b\n")]),
            ),
        ),
        (
            "an IdentityFile moved into an included file",
            with(conf("    IdentityFile ~/.ssh/id_a\n"), dropins(&[])),
            with(conf(""), dropins(&[(a, "IdentityFile ~/.ssh/id_a\n")])),
        ),
        (
            "the Include word made relative",
            with(conf(""), dropins(&[(a, "User alice\n")])),
            with(
                conf_with("Include ssh_config.d/*.conf\n", "", ""),
                dropins(&[(a, "User alice\n")]),
            ),
        ),
        (
            "a relative Include naming one file",
            with(conf(""), dropins(&[])),
            with(
                conf_with("Include ssh_config.d/30-db.conf\n", "", ""),
                dropins(&[]),
            ),
        ),
        (
            "a nested include",
            with(conf(""), dropins(&[(a, "Include /etc/ssh/extra.d/*\n")])),
            with(
                conf(""),
                dropins(&[
                    (a, "Include /etc/ssh/extra.d/*\n"),
                    ("extra.d/x", "Host web*\n    User www\n"),
                ]),
            ),
        ),
        (
            "a Match host block in an included file",
            with(conf(""), dropins(&[])),
            with(
                conf(""),
                dropins(&[(a, "Match host *.example.com\n    User ex\n")]),
            ),
        ),
        (
            "a HostName from an included file that Match host in ssh_config takes",
            with(
                conf_with(INCLUDE, "", "\nMatch host *.example.com\n    Port 2022\n"),
                dropins(&[]),
            ),
            with(
                conf_with(INCLUDE, "", "\nMatch host *.example.com\n    Port 2022\n"),
                dropins(&[(a, "Host web1\n    HostName web1.example.com\n")]),
            ),
        ),
        (
            "an included file's Host * does not reach past a Host block it stands in",
            with(
                conf_with("", "", &format!("\nHost bastion\n    {INCLUDE}")),
                dropins(&[(a, "User nobody\n")]),
            ),
            with(
                conf_with("", "", &format!("\nHost bastion\n    {INCLUDE}")),
                dropins(&[(a, "Host *\n    User nobody\n")]),
            ),
        ),
        (
            "a line after an Include stays in the block the Include stands in",
            with(
                conf_with(
                    "",
                    "    User admin\n",
                    &format!("\nHost web1\n    {INCLUDE}    Port 2022\n"),
                ),
                dropins(&[(a, "Host db-1\n    Port 2023\n")]),
            ),
            with(
                conf_with(
                    "",
                    "    User admin\n",
                    &format!("\nHost web1\n    {INCLUDE}    Port 2024\n"),
                ),
                dropins(&[(a, "Host db-1\n    Port 2023\n")]),
            ),
        ),
        (
            "a Match host block in an included file sets the HostName it matched on",
            with(conf(""), dropins(&[])),
            with(
                conf(""),
                dropins(&[(a, "Match host web1\n    HostName web9\n    User m\n")]),
            ),
        ),
        (
            "a Match host block in ssh_config after a HostName from an included file",
            with(
                conf_with(INCLUDE, "", "\nMatch host web9\n    User nine\n"),
                dropins(&[]),
            ),
            with(
                conf_with(INCLUDE, "", "\nMatch host web9\n    User nine\n"),
                dropins(&[(a, "Host web1\n    HostName web9\n")]),
            ),
        ),
        (
            "Match all in an included file ends with that file",
            with(
                conf_with(INCLUDE, "", "\nHost db-1\n    Port 2022\n"),
                dropins(&[(a, "Host *\n    Compression yes\n")]),
            ),
            with(
                conf_with(INCLUDE, "", "\nHost db-1\n    Port 2022\n"),
                dropins(&[(a, "Match all\n    Compression yes\n")]),
            ),
        ),
        (
            "an Include in a Match block",
            with(conf(""), dropins(&[(a, "Port 2030\n")])),
            with(
                conf_with(
                    "Match originalhost web*\n    Include /etc/ssh/ssh_config.d/*.conf\nHost *\n",
                    "",
                    "",
                ),
                dropins(&[(a, "Port 2030\n")]),
            ),
        ),
        (
            "two words on one Include line swapped: read in word order",
            with(
                conf_with(
                    "Include /etc/ssh/ssh_config.d/b.conf ssh_config.d/a.conf\n",
                    "",
                    "",
                ),
                dropins(&[
                    ("ssh_config.d/a.conf", "User a\n"),
                    ("ssh_config.d/b.conf", "User b\n"),
                ]),
            ),
            with(
                conf_with(
                    "Include ssh_config.d/a.conf /etc/ssh/ssh_config.d/b.conf\n",
                    "",
                    "",
                ),
                dropins(&[
                    ("ssh_config.d/a.conf", "User a\n"),
                    ("ssh_config.d/b.conf", "User b\n"),
                ]),
            ),
        ),
        (
            "a glob in the middle of the path",
            with(conf(""), dropins(&[(a, "User a\n")])),
            with(
                conf_with("Include /etc/ssh/ssh_config.?/[0-9]*.conf\n", "", ""),
                dropins(&[(a, "User a\n")]),
            ),
        ),
        (
            "the Include removed, the included files still there",
            with(conf(""), dropins(&[])),
            with(conf_with("", "", ""), dropins(&[])),
        ),
        (
            "a bastion file removed",
            with(conf(""), dropins(&[])),
            with(conf(""), vec![dropins(&[]).remove(1)]),
        ),
        (
            "a keyword written out at ssh's default in an included file",
            with(conf(""), dropins(&[])),
            with(
                conf(""),
                dropins(&[(a, "Host *\n    BatchMode no\n    Port 22\n")]),
            ),
        ),
        (
            "an included file includes itself",
            with(conf(""), dropins(&[])),
            with(
                conf(""),
                dropins(&[(a, "Include /etc/ssh/ssh_config.d/50-a.conf\n")]),
            ),
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            base,
            live,
        });
    }
    out
}

/// The hosts a file names in `Host` and `Match host` lines (patterns made names).
fn hosts_named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let names: Vec<&str> = match words.first().map(|w| w.to_lowercase()).as_deref() {
            Some("host") => words[1..].to_vec(),
            Some("match") => words
                .windows(2)
                .filter(|w| matches!(w[0], "host" | "originalhost"))
                .flat_map(|w| w[1].split(','))
                .collect(),
            _ => Vec::new(),
        };
        for n in names {
            let n = n.trim_start_matches('!').replace(['*', '?'], "q");
            if !n.is_empty() {
                out.insert(n);
            }
        }
    }
    out
}

/// The files of one side written under a temp dir in `dir` (`/etc/ssh/` read as it), and a
/// home whose `.ssh` is that dir.
fn written(files: &Side, dir: &Path) -> (tempfile::TempDir, tempfile::TempDir) {
    let root = tempfile::tempdir_in(dir).unwrap();
    let home = tempfile::tempdir_in(dir).unwrap();
    std::os::unix::fs::symlink(root.path(), home.path().join(".ssh")).unwrap();
    let at = format!("{}/", root.path().display());
    for (name, text) in files {
        let path = root.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("/etc/ssh/", &at)).unwrap();
    }
    (root, home)
}

/// What ssh connects to `host` with: keyword → its lines; `Err` when ssh refuses the files.
fn ssh(root: &Path, home: &Path, host: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let out = Command::new("/usr/bin/ssh")
        .arg("-G")
        .arg("-F")
        .arg(root.join("ssh_config"))
        .arg(host)
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        map.entry(k.to_lowercase()).or_default().push(v.to_string());
    }
    Ok(map)
}

/// confdrift's verdict: its exit code, the keywords it names, and its errors.
fn confdrift(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/ssh_config\"]\n";
    let f = Fleet::new(config);
    for (name, text) in &p.base {
        f.group_baseline("app", &format!("/etc/ssh/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("h", &format!("/etc/ssh/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    let json = out.json();
    let keys = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str())
        .filter(|k| !k.is_empty())
        .map(|k| {
            let k = k.split('[').next().unwrap_or(k);
            k.rsplit('.').next().unwrap_or(k).to_string()
        })
        .collect();
    (
        out.code,
        keys,
        json["errors"].as_array().map_or(0, Vec::len),
    )
}

/// confdrift's verdict as `diff --program-version 9.2 OLD NEW` of two copies of `/` holding
/// each side's files under `etc/ssh/`: its exit code, the keywords it names, its errors.
fn confdrift_diff(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "etc/ssh", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "9.2");
    // A host's key (`host.db1.user`) names its keyword last.
    let keys = v
        .keys
        .iter()
        .map(|k| k.rsplit('.').next().unwrap_or(k).to_string())
        .collect();
    (v.code, keys, v.errors)
}

#[derive(Default)]
struct Tally {
    agreed: usize,
    /// Agreed pairs where some host gets something otherwise.
    changed: usize,
    refused: Vec<String>,
    refused_seen: usize,
    disagreements: Vec<String>,
}

#[test]
fn confdrift_follows_include_as_ssh_does() {
    let version = Command::new("/usr/bin/ssh").arg("-V").output().expect(
        "OpenSSH's ssh is needed for this test: apt-get install openssh-client (.ci/run does)",
    );
    let version = String::from_utf8_lossy(&version.stderr).trim().to_string();
    assert!(
        version.starts_with("OpenSSH_9.2"),
        "the table is OpenSSH 9.2's; this is {version}"
    );
    let pairs = pairs();
    let dir = tempfile::tempdir().unwrap();
    let tally = Mutex::new(Tally::default());
    crate::verdict::each_in_parallel(&pairs, 2, |i, p| {
        let (base, base_home) = written(&p.base, dir.path());
        let (live, live_home) = written(&p.live, dir.path());
        let mut hosts: BTreeSet<String> = EXTRA_HOSTS.iter().map(|h| h.to_string()).collect();
        for (_, text) in p.base.iter().chain(&p.live) {
            hosts.extend(hosts_named(text));
        }
        let mut differ = BTreeSet::new();
        let mut refused = None;
        for h in &hosts {
            match (
                ssh(base.path(), base_home.path(), h),
                ssh(live.path(), live_home.path(), h),
            ) {
                (Ok(a), Ok(b)) => {
                    for k in a.keys().chain(b.keys()) {
                        if a.get(k) != b.get(k) {
                            differ.insert(k.clone());
                        }
                    }
                }
                (Err(e), _) | (_, Err(e)) => refused = Some(e),
            }
        }
        // `diff` compares every file of the two directories: a file no ssh_config reads is a
        // finding there by design (`50-a.conf.bak`; `.50-a.conf`, which glob(3) does not
        // match), so pairs holding one are judged by `check` only.
        let stray = p
            .base
            .iter()
            .chain(&p.live)
            .any(|(n, _)| n != "ssh_config" && (!n.ends_with(".conf") || n.contains("/.")));
        let mut verdicts = vec![("check", confdrift(p))];
        if !stray {
            verdicts.push(("diff", confdrift_diff(p)));
        }
        let mut t = tally.lock().unwrap();
        for (how, (code, keys, errors)) in verdicts {
            if let Some(e) = &refused {
                t.refused
                    .push(format!("{i} {} ({how}): {}", p.what, e.trim()));
                if errors > 0 {
                    t.refused_seen += 1;
                }
            } else if errors > 0 {
                t.disagreements.push(format!(
                    "{i} {}: ssh takes both sides, confdrift {how} reports {errors} errors",
                    p.what
                ));
            } else if keys == differ && (code == 0) == differ.is_empty() {
                t.agreed += 1;
                t.changed += usize::from(!differ.is_empty());
            } else {
                t.disagreements.push(format!(
                    "{i} {}: ssh: {differ:?}; confdrift {how}: exit {code}, {keys:?}",
                    p.what
                ));
            }
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "ssh_config with Include, {version}: {} pairs, {} agreed ({} where a host gets something otherwise), {} disagreed, {} refused by ssh ({} of them reported as trouble by confdrift): {:?}",
        pairs.len(),
        t.agreed,
        t.changed,
        t.disagreements.len(),
        t.refused.len(),
        t.refused_seen,
        t.refused
    );
    assert!(
        t.disagreements.is_empty(),
        "{} of {} pairs judged otherwise than ssh:\n{}",
        t.disagreements.len(),
        pairs.len(),
        t.disagreements.join("\n")
    );
    assert!(t.agreed >= 50, "only {} pairs were judged", t.agreed);
}

#[test]
fn check_names_the_file_that_sets_what_a_host_gets() {
    let root = "/etc/ssh/ssh_config";
    let a = "/etc/ssh/ssh_config.d/a.conf";
    let include = "Include /etc/ssh/ssh_config.d/*.conf\n";
    let run = |base: &[(&str, &str)], live: &[(&str, &str)]| {
        let config = crate::harness::app_config(&["h"], &[root])
            .replace("files =", "version = \"9.2\"\nfiles =");
        let f = Fleet::new(&config);
        for (path, text) in base {
            f.group_baseline("app", path, text);
        }
        f.commit("baseline");
        for (path, text) in live {
            f.live("h", path, text);
        }
        let out = f.run(&["check", "--format", "json"]);
        let json = out.json();
        let findings: Vec<(String, String, String)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                (
                    s("file"),
                    s("key"),
                    format!("{} -> {}", f["baseline"], f["live"]),
                )
            })
            .collect();
        (out.code, findings, json["notices"].to_string())
    };
    // A keyword moved from ssh_config into the included file: every host gets what it got.
    let (code, findings, notices) = run(
        &[
            (root, &format!("{include}Host *\n    User alice\n")),
            (a, ""),
        ],
        &[(root, &format!("{include}Host *\n")), (a, "User alice\n")],
    );
    assert_eq!((code, findings), (0, Vec::new()), "{notices}");
    assert!(
        notices.contains("without changing what any host gets"),
        "{notices}"
    );
    // The Include moved below Host *: ssh_config's User now wins, named where it is set.
    let (code, findings, notices) = run(
        &[
            (root, &format!("{include}Host *\n    User alice\n")),
            (a, "Host *\n    User bob\n"),
        ],
        &[
            (root, &format!("Host *\n    User alice\n{include}")),
            (a, "Host *\n    User bob\n"),
        ],
    );
    assert_eq!(code, 1);
    assert!(!findings.is_empty());
    for (file, key, values) in &findings {
        assert_eq!(file, root);
        assert!(key.starts_with("host.") && key.ends_with(".user"), "{key}");
        assert!(
            values.contains("bob") && values.contains("alice"),
            "{values}"
        );
    }
    assert!(notices.contains("`Include` lines changed"), "{notices}");
    // An edit in the included file that wins is a finding on that file.
    let (code, findings, _) = run(
        &[
            (root, &format!("{include}Host *\n    User alice\n")),
            (a, "Host *\n    User bob\n"),
        ],
        &[
            (root, &format!("{include}Host *\n    User alice\n")),
            (a, "Host *\n    User carol\n"),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, a);
}

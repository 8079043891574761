//! sshd judges confdrift on sshd_config with its `Include`: Debian's sshd_config, which
//! includes `/etc/ssh/sshd_config.d/*.conf` at its top, beside files in sshd_config.d that set
//! keywords too. Pairs of a host's files where keywords move between sshd_config and the
//! included files, the Include moves above or below a keyword, included files swap values or
//! change their order, an included file overrides a hand edit (the first value obtained wins),
//! keywords written out at sshd's default. For each pair `sshd -T` says which keywords it runs
//! with differently, and `confdrift check` (which lists only sshd_config and follows its
//! Include, `version = "9.2"`) must name exactly those, and exit 0 when there are none.

use crate::harness::Fleet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const SAMPLE: &str = include_str!("../../fixtures/upstream/openssh-server/sshd_config");
const INCLUDE: &str = "Include /etc/ssh/sshd_config.d/*.conf\n";

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

/// Debian's sshd_config with `before` above its Include line and `after` at its end; or, with
/// `include` false, without the Include line (then `before` goes where it stood).
fn conf(before: &str, after: &str, include: bool) -> String {
    let at = SAMPLE.find(INCLUDE).unwrap();
    let inc = if include { INCLUDE } else { "" };
    format!(
        "{}{before}{inc}{}{after}",
        &SAMPLE[..at],
        &SAMPLE[at + INCLUDE.len()..]
    )
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    // keyword, three values; the sample either leaves it commented out or sets it (X11Forwarding
    // yes, PrintMotd no: then the pairs edit a keyword the sample sets after the Include).
    for (k, v, w, x) in [
        ("PasswordAuthentication", "no", "yes", "no"),
        ("MaxAuthTries", "3", "4", "5"),
        ("ClientAliveInterval", "30", "60", "2m"),
        ("PermitRootLogin", "no", "yes", "forced-commands-only"),
        ("LogLevel", "VERBOSE", "DEBUG", "ERROR"),
        ("AllowTcpForwarding", "no", "local", "remote"),
    ] {
        let set = |val: &str| format!("{k} {val}\n");
        let (sv, sw, sx) = (set(v), set(w), set(x));
        let mut add = |what: &str, base: &[(&str, &str)], live: &[(&str, &str)]| {
            out.push(Pair {
                what: format!("{k}: {what}"),
                base: side(base),
                live: side(live),
            });
        };
        let c = |before: &str, after: &str| conf(before, after, true);
        add(
            "moved into sshd_config.d, same value",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", ""),
            ],
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/50-a.conf", &sv),
            ],
        );
        add(
            "moved into sshd_config.d, value changed",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", ""),
            ],
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/50-a.conf", &sw),
            ],
        );
        add(
            "edited in sshd_config where the included file, read first, sets it",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
            &[
                ("sshd_config", &c("", &sx)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
        );
        add(
            "edited in the included file where sshd_config sets it before the Include",
            &[
                ("sshd_config", &c(&sv, "")),
                ("sshd_config.d/50-a.conf", &sw),
            ],
            &[
                ("sshd_config", &c(&sv, "")),
                ("sshd_config.d/50-a.conf", &sx),
            ],
        );
        add(
            "edited in the included file that wins",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sx),
            ],
        );
        add(
            "the setting moved from after the Include to before it",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
            &[
                ("sshd_config", &c(&sv, "")),
                ("sshd_config.d/50-a.conf", &sw),
            ],
        );
        add(
            "the setting moved across the Include, both values the same",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sv),
            ],
            &[
                ("sshd_config", &c(&sv, "")),
                ("sshd_config.d/50-a.conf", &sv),
            ],
        );
        add(
            "the included files swap their values",
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/10-a.conf", &sv),
                ("sshd_config.d/20-b.conf", &sw),
            ],
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/10-a.conf", &sw),
                ("sshd_config.d/20-b.conf", &sv),
            ],
        );
        add(
            "an included file renamed after the other",
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/10-a.conf", &sv),
                ("sshd_config.d/20-b.conf", &sw),
            ],
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/30-a.conf", &sv),
                ("sshd_config.d/20-b.conf", &sw),
            ],
        );
        add(
            "a value the first included file repeats removed from the second",
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/10-a.conf", &sv),
                ("sshd_config.d/20-b.conf", &sw),
            ],
            &[
                ("sshd_config", &c("", "")),
                ("sshd_config.d/10-a.conf", &sv),
                ("sshd_config.d/20-b.conf", ""),
            ],
        );
        add(
            "a file that does not end in .conf is not read",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", ""),
            ],
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", ""),
                ("sshd_config.d/50-a.conf.bak", &sw),
            ],
        );
        add(
            "the Include removed, the included file still there",
            &[
                ("sshd_config", &c("", &sv)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
            &[
                ("sshd_config", &conf("", &sv, false)),
                ("sshd_config.d/50-a.conf", &sw),
            ],
        );
    }
    // Defaults through an include: MaxAuthTries 6 and PasswordAuthentication yes are sshd's.
    for (what, text) in [
        ("MaxAuthTries at its default", "MaxAuthTries 6\n"),
        (
            "PasswordAuthentication at its default",
            "PasswordAuthentication yes\n",
        ),
        ("LoginGraceTime 2m, its default", "LoginGraceTime 120\n"),
    ] {
        out.push(Pair {
            what: format!("{what}, written out in an included file"),
            base: side(&[("sshd_config", &conf("", "", true))]),
            live: side(&[
                ("sshd_config", &conf("", "", true)),
                ("sshd_config.d/50-a.conf", text),
            ]),
        });
    }
    // glob(3) matches no name starting with `.` unless the word's own name starts with one.
    out.push(Pair {
        what: "a dot file in sshd_config.d is not read".to_string(),
        base: side(&[
            ("sshd_config", &conf("", "", true)),
            ("sshd_config.d/50-a.conf", "MaxAuthTries 3\n"),
        ]),
        live: side(&[
            ("sshd_config", &conf("", "", true)),
            ("sshd_config.d/50-a.conf", "MaxAuthTries 3\n"),
            (
                "sshd_config.d/.hidden.conf",
                "PasswordAuthentication no\nMaxAuthTries 5\n",
            ),
        ]),
    });
    let dots = "Include /etc/ssh/sshd_config.d/.*.conf\n";
    out.push(Pair {
        what: "a dot file an Include names with a leading dot is read".to_string(),
        base: side(&[
            ("sshd_config", &conf("", dots, true)),
            ("sshd_config.d/.a.conf", "MaxAuthTries 3\n"),
        ]),
        live: side(&[
            ("sshd_config", &conf("", dots, true)),
            ("sshd_config.d/.a.conf", "MaxAuthTries 4\n"),
        ]),
    });
    // What sshd refuses, or does not, in what it reads through its Include (issue 18 item 6).
    let keys_cmd = "AuthorizedKeysCommand /usr/bin/keys %u\n";
    for (what, main_after, drop_in) in [
        (
            "a bad value on a later line of a keyword the drop-in repeats",
            "",
            "PermitRootLogin no\nPermitRootLogin maybe\n",
        ),
        (
            "a Match line sshd cannot read in the drop-in",
            "",
            "Match Foo bar\n",
        ),
        (
            "a keyword sshd does not take in a Match block, in the drop-in",
            "",
            "Match User bob\n  Port 2222\n",
        ),
        ("a port out of range in the drop-in", "", "Port 65536\n"),
        (
            "a cipher sshd does not have in the drop-in",
            "",
            "Ciphers aes128-ctr,bogus\n",
        ),
        (
            "AuthorizedKeysCommand in the drop-in, its user in sshd_config",
            "AuthorizedKeysCommandUser nobody\n",
            keys_cmd,
        ),
        (
            "AuthorizedKeysCommand in the drop-in, no user anywhere",
            "",
            keys_cmd,
        ),
        (
            "a key list sshd selects nothing from after the drop-in's, read first",
            "HostKeyAlgorithms RSA\n",
            "HostKeyAlgorithms ssh-ed25519\n",
        ),
        (
            "a key list sshd selects nothing from in the drop-in, read first",
            "HostKeyAlgorithms ssh-ed25519\n",
            "HostKeyAlgorithms RSA\n",
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            base: side(&[("sshd_config", &conf("", "", true))]),
            live: side(&[
                ("sshd_config", &conf("", main_after, true)),
                ("sshd_config.d/50-a.conf", drop_in),
            ]),
        });
    }
    out.push(Pair {
        what: "a keyword sshd does not know in a dot file sshd does not read".to_string(),
        base: side(&[("sshd_config", &conf("", "", true))]),
        live: side(&[
            ("sshd_config", &conf("", "", true)),
            (
                "sshd_config.d/.hidden.conf",
                "PasswordAuthentification no\n",
            ),
        ]),
    });
    // Lists gather across the files in the order sshd reads them.
    for (what, base, live) in [
        (
            "AcceptEnv TZ added in an included file",
            vec![("sshd_config", conf("", "", true))],
            vec![
                ("sshd_config", conf("", "", true)),
                ("sshd_config.d/50-a.conf", "AcceptEnv TZ\n".to_string()),
            ],
        ),
        (
            "Port moved into an included file",
            vec![
                ("sshd_config", conf("", "Port 22\nPort 2222\n", true)),
                ("sshd_config.d/50-a.conf", String::new()),
            ],
            vec![
                ("sshd_config", conf("", "", true)),
                (
                    "sshd_config.d/50-a.conf",
                    "Port 22\nPort 2222\n".to_string(),
                ),
            ],
        ),
        (
            "Port 2222 added in an included file",
            vec![("sshd_config", conf("", "Port 22\n", true))],
            vec![
                ("sshd_config", conf("", "Port 22\n", true)),
                ("sshd_config.d/50-a.conf", "Port 2222\n".to_string()),
            ],
        ),
    ] {
        let base: Vec<(&str, &str)> = base.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let live: Vec<(&str, &str)> = live.iter().map(|(n, t)| (*n, t.as_str())).collect();
        out.push(Pair {
            what: what.to_string(),
            base: side(&base),
            live: side(&live),
        });
    }
    out
}

/// What sshd runs with: keyword → its lines, in order; `Err` when it refuses the files. The
/// files are written under `dir` with `/etc/ssh/` read as `dir/`.
fn sshd(files: &Side, key: &Path, dir: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let root = tempfile::tempdir_in(dir).unwrap();
    let at = format!("{}/", root.path().display());
    for (name, text) in files {
        let path = root.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("/etc/ssh/", &at)).unwrap();
    }
    let out = Command::new("/usr/sbin/sshd")
        .arg("-T")
        .arg("-f")
        .arg(root.path().join("sshd_config"))
        .arg("-h")
        .arg(key)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        if k != "hostkey" {
            map.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    Ok(map)
}

/// confdrift's verdict: its exit code, the keywords it names, how much trouble it reports.
fn confdrift(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/sshd_config\"]\n";
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
        .map(|k| k.split('[').next().unwrap_or(k).to_string())
        .collect();
    (
        out.code,
        keys,
        json["errors"].as_array().map_or(0, Vec::len),
    )
}

/// confdrift's verdict as `diff --program-version 9.2 OLD NEW` of two copies of `/` holding
/// each side's files under `etc/ssh/` (as `collect --out` writes a host's files).
fn confdrift_diff(p: &Pair) -> (i32, BTreeSet<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "etc/ssh", &p.base, &p.live);
    let v = crate::verdict::diff_dirs(&a, &b, "9.2");
    (v.code, v.keys, v.errors)
}

#[test]
fn confdrift_follows_include_as_sshd_does() {
    std::fs::create_dir_all("/run/sshd").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen is needed for this test (openssh-client; .ci/run installs it)");
    assert!(made.success());
    let pairs = pairs();
    let results = std::sync::Mutex::new(Vec::new());
    crate::verdict::each_in_parallel(&pairs, 2, |_, p| {
        let (a, b) = (
            sshd(&p.base, &key, dir.path()),
            sshd(&p.live, &key, dir.path()),
        );
        // `diff` compares every file of the two directories: a stray file no program reads
        // (`50-a.conf.bak`, `.hidden.conf`) is a finding there by design; `check` reads only
        // what is listed or included.
        let stray = p.live.iter().any(|(n, _)| {
            n.ends_with(".bak") || (n.contains("/.") && !p.base.iter().any(|(m, _)| m == n))
        });
        let mut verdicts = vec![("check", confdrift(p))];
        if !stray {
            verdicts.push(("diff", confdrift_diff(p)));
        }
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(why), _) | (_, Err(why)) => {
                // sshd does not start: confdrift must say so (trouble, exit 2).
                for (how, (code, _, errors)) in verdicts {
                    let verdict = if code == 2 && errors > 0 {
                        Ok(())
                    } else {
                        Err(format!(
                            "{}: sshd refuses it ({}); confdrift {how}: exit {code}, {errors} errors",
                            p.what,
                            why.trim()
                        ))
                    };
                    results.lock().unwrap().push(Err(verdict));
                }
                return;
            }
        };
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let mut differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect();
        // sshd derives its listen addresses from Port: one change, named where it is written.
        differ.remove("listenaddress");
        for (how, (code, keys, errors)) in verdicts {
            let verdict = if keys == differ && (code == 0) == differ.is_empty() && errors == 0 {
                Ok(())
            } else {
                Err(format!(
                    "{}: sshd: {differ:?}; confdrift {how}: exit {code}, {keys:?}, {errors} errors",
                    p.what
                ))
            };
            results.lock().unwrap().push(Ok(verdict));
        }
    });
    // Ok: sshd runs both sides; Err: it refuses one. Inside, whether confdrift agreed.
    let results = results.into_inner().unwrap();
    let refused = results.iter().filter(|r| r.is_err()).count();
    let disagreements: Vec<&String> = results
        .iter()
        .filter_map(|r| match r {
            Ok(v) | Err(v) => v.as_ref().err(),
        })
        .collect();
    eprintln!(
        "sshd_config with Include: {} pairs, {} verdicts (check and diff), {refused} of them on pairs sshd refuses, {} disagreements",
        pairs.len(),
        results.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs judged otherwise than sshd:\n{}",
        disagreements.len(),
        pairs.len(),
        disagreements
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_rule_on_sshd_config_judges_the_value_an_included_file_gives_sshd() {
    // cloud-init's drop-in, included at the top, wins over sshd_config's own line: sshd runs
    // with `PermitRootLogin yes`, and the rule on sshd_config says so at the drop-in's line.
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/sshd_config\"]\n\n\
                  [[rule]]\nfile = \"/etc/ssh/sshd_config\"\nkey = \"permitrootlogin\"\n\
                  one_of = [\"no\", \"prohibit-password\"]\nseverity = \"critical\"\n";
    let f = Fleet::new(config);
    let main = conf("", "PermitRootLogin no\n", true);
    let drop_in = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    for (path, text) in [
        ("/etc/ssh/sshd_config", main.as_str()),
        (drop_in, "PermitRootLogin yes\n"),
    ] {
        f.group_baseline("app", path, text);
        f.live("h", path, text);
    }
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let broken: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .collect();
    assert_eq!(broken.len(), 1, "{r:#}");
    assert_eq!(broken[0]["file"], drop_in, "{r:#}");
    assert_eq!(broken[0]["line"], 1, "{r:#}");
    assert_eq!(broken[0]["live"], "yes", "{r:#}");
    // Without the drop-in, sshd_config's own `no` holds: no finding.
    std::fs::remove_file(f.path().join(format!("fleet/h{drop_in}"))).unwrap();
    f.git(&["rm", "-q", &format!("baselines/groups/app{drop_in}")]);
    f.commit("no cloud-init");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn lint_judges_sshd_config_through_its_includes() {
    // The same rule, on the intended state: lint reads sshd_config through the drop-in the
    // baseline holds beside it (the file entries list only sshd_config), as check does.
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/sshd_config\"]\n\n\
                  [[rule]]\nfile = \"/etc/ssh/sshd_config\"\nkey = \"permitrootlogin\"\n\
                  one_of = [\"no\", \"prohibit-password\"]\nseverity = \"critical\"\n";
    let drop_in = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    let lint = |drop_in_text: &str| {
        let f = Fleet::new(config);
        f.group_baseline(
            "app",
            "/etc/ssh/sshd_config",
            &conf("", "PermitRootLogin no\n", true),
        );
        f.group_baseline("app", drop_in, drop_in_text);
        // sshd does not read a dot file: what it sets counts for nothing.
        f.group_baseline(
            "app",
            "/etc/ssh/sshd_config.d/.50-cloud-init.conf.swp",
            "PermitRootLogin yes\nFoo bar\n",
        );
        f.commit("baseline");
        let out = f.run(&["lint", "--format", "json"]);
        (out.code, out.json())
    };
    let (code, r) = lint("PermitRootLogin yes\n");
    assert_eq!(code, 1, "{r:#}");
    let broken: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .collect();
    assert_eq!(broken.len(), 1, "{r:#}");
    assert_eq!(broken[0]["file"], drop_in, "{r:#}");
    assert_eq!(broken[0]["live"], serde_json::Value::Null, "{r:#}");
    assert_eq!(broken[0]["baseline"], "yes", "{r:#}");
    assert_eq!(broken[0]["baseline_line"], 1, "{r:#}");
    // What sshd refuses in the included file is trouble, at its line.
    let (code, r) = lint("PermitRootLogin no\nMaxAuthTries 3\nMaxAuthTries lots\n");
    assert_eq!(code, 2, "{r:#}");
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{r:#}");
    assert!(
        errors[0]["file"].as_str().unwrap().ends_with(drop_in),
        "{r:#}"
    );
    assert_eq!(errors[0]["line"], 3, "{r:#}");
    // Both as sshd_config says: no finding, no trouble.
    let (code, r) = lint("PermitRootLogin no\n");
    assert_eq!(code, 0, "{r:#}");
}

#[test]
fn check_names_what_sshd_refuses_in_an_included_file() {
    // The drop-in is read with sshd_config's version (the file entries name only sshd_config).
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/sshd_config\"]\n";
    let f = Fleet::new(config);
    let drop_in = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    let main = conf("", "", true);
    f.group_baseline("app", "/etc/ssh/sshd_config", &main);
    f.group_baseline("app", drop_in, "MaxAuthTries 3\n");
    f.commit("baseline");
    f.live("h", "/etc/ssh/sshd_config", &main);
    f.live("h", drop_in, "MaxAuthTries 3\nMaxAuthTries lots\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{r:#}");
    assert_eq!(errors[0]["file"], drop_in, "{r:#}");
    assert_eq!(errors[0]["line"], 2, "{r:#}");
}

#[test]
fn what_sshd_runs_with_is_judged_through_the_includes() {
    // AuthorizedKeysCommand needs AuthorizedKeysCommandUser in what sshd runs with: set in
    // another file it counts, and a drop-in the entries list too is judged as included.
    let config = "[[group]]\nname = \"app\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  version = \"9.2\"\nfiles = [\"/etc/ssh/sshd_config\", \"/etc/ssh/sshd_config.d/*.conf\"]\n";
    let drop_in = "/etc/ssh/sshd_config.d/50-keys.conf";
    let check = |main_after: &str, drop_in_text: &str| {
        let f = Fleet::new(config);
        let main = conf("", main_after, true);
        for (path, text) in [
            ("/etc/ssh/sshd_config", main.as_str()),
            (drop_in, drop_in_text),
        ] {
            f.group_baseline("app", path, text);
            f.live("h", path, text);
        }
        f.commit("baseline");
        let out = f.run(&["check", "--format", "json"]);
        (out.code, out.json())
    };
    let (code, r) = check(
        "AuthorizedKeysCommandUser nobody\n",
        "AuthorizedKeysCommand /usr/bin/keys %u\n",
    );
    assert_eq!(code, 0, "{r:#}");
    let (code, r) = check("", "AuthorizedKeysCommand /usr/bin/keys %u\n");
    assert_eq!(code, 2, "{r:#}");
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{r:#}");
    assert_eq!(errors[0]["file"], drop_in, "{r:#}");
    assert_eq!(errors[0]["line"], 1, "{r:#}");
    // sshd selects from the value it runs with: the drop-in's, read first.
    let (code, r) = check("HostKeyAlgorithms RSA\n", "HostKeyAlgorithms ssh-ed25519\n");
    assert_eq!(code, 0, "{r:#}");
    let (code, r) = check("HostKeyAlgorithms ssh-ed25519\n", "HostKeyAlgorithms RSA\n");
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(r["errors"][0]["file"], drop_in, "{r:#}");
}

//! sshd's verdict on a pair of sshd_config files, and confdrift's held to it (the shared part
//! of tests/cli/sshd_effective.rs and sshd_refused.rs). Whether sshd starts is `sshd -t`;
//! what it runs with is `sshd -T` (throwaway host key). A pair sshd refuses (either side) must
//! be trouble in `confdrift diff --program-version 9.2` (exit 2), naming the line sshd names
//! when it names one; a pair it takes must have no trouble, and the keywords `sshd -T` prints
//! differently are the keys confdrift names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/openssh-server/sshd_config");

pub struct Pair {
    pub what: String,
    pub a: String,
    pub b: String,
}

/// The sample without its Include line (sshd would read this machine's sshd_config.d).
pub fn base() -> String {
    SAMPLE
        .lines()
        .filter(|l| !l.starts_with("Include "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What sshd does with one file.
enum Sshd {
    /// It does not start (`sshd -t` fails): its message.
    Refuses(String),
    /// It starts, and runs with these keywords' lines.
    Runs(BTreeMap<String, Vec<String>>),
    /// It starts, but `sshd -T` needs a connection to print (`Match LocalPort`).
    Unprinted,
}

fn sshd(conf: &str, key: &Path) -> Sshd {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sshd_config");
    std::fs::write(&file, conf).unwrap();
    let run = |flag: &str| {
        Command::new("/usr/sbin/sshd")
            .arg(flag)
            .arg("-f")
            .arg(&file)
            .arg("-h")
            .arg(key)
            .output()
            .unwrap()
    };
    let test = run("-t");
    if !test.status.success() {
        return Sshd::Refuses(String::from_utf8_lossy(&test.stderr).replace('\r', ""));
    }
    let out = run("-T");
    if !out.status.success() {
        return Sshd::Unprinted;
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        if k != "hostkey" {
            map.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    Sshd::Runs(map)
}

/// What the judging found.
#[derive(Default)]
pub struct Figures {
    pub version: String,
    pub pairs: usize,
    /// Taken by sshd on both sides, and judged alike.
    pub agreed: usize,
    /// Refused by sshd (either side).
    pub refused: usize,
    /// Of those, reported as trouble by confdrift at the line sshd names.
    pub flagged: usize,
    /// Refused for a name this machine's resolver does not know (`ListenAddress`).
    pub unresolved: usize,
    /// Taken by `sshd -t` on both sides, printed by neither `sshd -T` (no connection), with no
    /// trouble from confdrift.
    pub unprinted: usize,
    pub disagreements: Vec<String>,
}

/// The line numbers sshd's messages name (`conf line 3: ...`, `... at line 3`).
fn lines_named(message: &str) -> BTreeSet<u32> {
    message
        .split("line ")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// Every pair judged by sshd and by confdrift.
pub fn judge(pairs: &[Pair]) -> Figures {
    let version = Command::new("/usr/sbin/sshd").arg("-V").output().expect(
        "OpenSSH's sshd is needed for this test: apt-get install openssh-server (.ci/run does)",
    );
    let version = String::from_utf8_lossy(&version.stderr).trim().to_string();
    assert!(
        version.starts_with("OpenSSH_9.2"),
        "the table is OpenSSH 9.2's; this is {version}"
    );
    std::fs::create_dir_all("/run/sshd").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let figures = Mutex::new(Figures {
        version,
        pairs: pairs.len(),
        ..Figures::default()
    });
    crate::verdict::each_in_parallel(pairs, 2, |_, p| {
        let ours = crate::verdict::diff("sshd_config", "9.2", &p.a, &p.b);
        let (a, b) = (sshd(&p.a, &key), sshd(&p.b, &key));
        let mut f = figures.lock().unwrap();
        let (a, b) = match (a, b) {
            (Sshd::Runs(a), Sshd::Runs(b)) => (a, b),
            (Sshd::Refuses(why), _) | (_, Sshd::Refuses(why)) => {
                // sshd would not start: confdrift must say so (trouble, exit 2), at its line.
                f.refused += 1;
                let named = lines_named(&why);
                let at_line =
                    named.is_empty() || named.iter().any(|l| ours.error_lines.contains(l));
                if ours.errors > 0 && ours.code == 2 && at_line {
                    f.flagged += 1;
                } else if why.contains("Name or service not known") {
                    // A ListenAddress whose name does not resolve on this machine: that depends
                    // on the host's resolver, which confdrift does not ask.
                    f.unresolved += 1;
                } else {
                    f.disagreements.push(format!(
                        "{}: sshd refuses it ({}); confdrift: exit {}, errors at lines {:?}",
                        p.what,
                        why.trim(),
                        ours.code,
                        ours.error_lines
                    ));
                }
                return;
            }
            _ => {
                if ours.errors == 0 {
                    f.unprinted += 1;
                } else {
                    f.disagreements.push(format!(
                        "{}: sshd takes both sides, confdrift reports errors at lines {:?}",
                        p.what, ours.error_lines
                    ));
                }
                return;
            }
        };
        if ours.errors > 0 {
            f.disagreements.push(format!(
                "{}: sshd takes both sides, confdrift reports errors at lines {:?}",
                p.what, ours.error_lines
            ));
            return;
        }
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let mut differ: BTreeSet<String> = names
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect();
        // sshd derives its listen addresses from Port when no ListenAddress is written: one
        // change, which confdrift names where it is written.
        let listens = |c: &str| c.lines().any(|l| l.starts_with("ListenAddress"));
        if differ.contains("port") && !listens(&p.a) && !listens(&p.b) {
            differ.remove("listenaddress");
        }
        let (code, keys) = (ours.code, &ours.keys);
        if *keys == differ && (code == 0) == differ.is_empty() {
            f.agreed += 1;
        } else {
            f.disagreements.push(format!(
                "{}: sshd: {differ:?}; confdrift: exit {code}, {keys:?}",
                p.what
            ));
        }
    });
    let mut f = figures.into_inner().unwrap();
    f.disagreements.sort();
    f
}

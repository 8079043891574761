//! ssh itself judges confdrift on ssh_config: pairs built from Debian's ssh_config
//! (`fixtures/upstream/openssh-client/ssh_config`, its `Include` line left out so that ssh reads
//! only the file) and from a user's config with several blocks (a bastion, `ProxyJump`, `db-*`
//! with a negation, `Match host`, `Host *`), by rewrites that keep what every host gets (a
//! keyword written out at its default, capitals, time units, a repeated keyword after the first,
//! blocks moved where no match changes) and edits that change it (values, a block moved after
//! `Host *`, a pattern changed, a negation dropped). For each pair `ssh -G -F FILE HOST`, for
//! every host either side names and a few more, says which keywords some host gets otherwise,
//! and `confdrift diff --program-version 9.2` must name exactly those. Pairs ssh refuses are
//! counted apart; confdrift must report trouble only where ssh refuses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

const SAMPLE: &str = include_str!("../../fixtures/upstream/openssh-client/ssh_config");

const USER: &str = "\
# ~/.ssh/config of an operator
Host bastion
    HostName bastion.example.com
    Port 2222
    User ops
    IdentityFile ~/.ssh/id_bastion
    ForwardAgent yes

Host db-* !db-old
    ProxyJump bastion
    User postgres
    ServerAliveInterval 30
    LocalForward 5432 localhost:5432

Host db-old
    HostName 10.0.0.9
    User legacy

Host web1 web2
    User deploy
    SendEnv LANG LC_*

Match host *.example.com
    StrictHostKeyChecking yes

Host *
    User admin
    ServerAliveInterval 60
    ServerAliveCountMax 3
    IdentityFile ~/.ssh/id_ed25519
    SendEnv LANG
    HashKnownHosts yes
    ConnectTimeout 10
    ControlMaster auto
    ControlPath ~/.ssh/cm-%r@%h:%p
    ControlPersist 10m
";

/// Hosts asked about besides the names the two files give.
const EXTRA_HOSTS: &[&str] = &[
    "bastion",
    "db-1",
    "db-old",
    "web1",
    "web3",
    "other.example.com",
    "elsewhere",
];

struct Pair {
    what: String,
    a: String,
    b: String,
}

/// The sample without its Include line (ssh would read this machine's ssh_config.d).
fn sample() -> String {
    SAMPLE
        .lines()
        .filter(|l| !l.starts_with("Include "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// An edited value ssh should see as different.
fn edited(value: &str) -> String {
    match value {
        "yes" => "no".into(),
        "no" => "yes".into(),
        "ask" => "accept-new".into(),
        "any" => "inet".into(),
        "~" => "%".into(),
        v if v.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}", v.parse::<u64>().unwrap() + 1)
        }
        v => format!("{v}x"),
    }
}

/// Swaps two blocks of `text`, each given by its first line and running to the next blank line.
fn swap_blocks(text: &str, first: &str, second: &str) -> String {
    let blocks: Vec<&str> = text.split("\n\n").collect();
    let at = |head: &str| {
        blocks
            .iter()
            .position(|b| b.lines().any(|l| l.starts_with(head)))
            .unwrap()
    };
    let (i, j) = (at(first), at(second));
    let mut out: Vec<String> = blocks.iter().map(|b| b.trim_end().to_string()).collect();
    out.swap(i, j);
    out.join("\n\n") + "\n"
}

/// Moves the block of `text` that has the line `head` to the end.
fn to_end(text: &str, head: &str) -> String {
    let mut blocks: Vec<String> = text
        .split("\n\n")
        .map(|b| b.trim_end().to_string())
        .collect();
    let i = blocks
        .iter()
        .position(|b| b.lines().any(|l| l.starts_with(head)))
        .unwrap();
    let moved = blocks.remove(i);
    blocks.push(moved);
    blocks.join("\n\n") + "\n"
}

fn sample_pairs() -> Vec<Pair> {
    let base = sample();
    let mut out = Vec::new();
    let replace = |from: &str, to: &str| base.replacen(from, to, 1);
    for line in base.lines() {
        let Some(rest) = line.strip_prefix("#   ") else {
            continue;
        };
        let Some((keyword, value)) = rest.split_once(' ') else {
            continue;
        };
        if !keyword.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let on = format!("    {rest}");
        out.push(Pair {
            what: format!("{keyword}: written out as the sample has it"),
            a: base.clone(),
            b: replace(line, &on),
        });
        out.push(Pair {
            what: format!("{keyword}: the sample's value in capitals"),
            a: replace(line, &on),
            b: replace(
                line,
                &format!("    {} {}", keyword.to_uppercase(), value.to_uppercase()),
            ),
        });
        if !value.contains(char::is_whitespace) {
            out.push(Pair {
                what: format!("{keyword}: edited"),
                a: replace(line, &on),
                b: replace(line, &format!("    {keyword} {}", edited(value))),
            });
        }
    }
    for (what, from, to) in [
        (
            "SendEnv on two lines",
            "SendEnv LANG LC_*",
            "SendEnv LANG\n    SendEnv LC_*",
        ),
        (
            "SendEnv reordered",
            "SendEnv LANG LC_*",
            "SendEnv LC_* LANG",
        ),
        (
            "SendEnv: a word removed again",
            "SendEnv LANG LC_*",
            "SendEnv LANG LC_* TZ\n    SendEnv -TZ",
        ),
        ("SendEnv removed", "    SendEnv LANG LC_*\n", ""),
        (
            "HashKnownHosts YES",
            "HashKnownHosts yes",
            "HashKnownHosts YES",
        ),
        (
            "HashKnownHosts true",
            "HashKnownHosts yes",
            "HashKnownHosts true",
        ),
        ("HashKnownHosts removed", "    HashKnownHosts yes\n", ""),
        (
            "GSSAPIAuthentication removed",
            "    GSSAPIAuthentication yes\n",
            "",
        ),
        (
            "HashKnownHosts repeated, first wins",
            "HashKnownHosts yes",
            "HashKnownHosts yes\n    HashKnownHosts no",
        ),
        (
            "HashKnownHosts repeated, first changed",
            "HashKnownHosts yes",
            "HashKnownHosts no\n    HashKnownHosts yes",
        ),
        (
            "a keyword before Host * (the same for every host)",
            "Host *\n",
            "ConnectTimeout 30\nHost *\n",
        ),
        (
            "ConnectTimeout 0 is not its default (none)",
            "#   ConnectTimeout 0",
            "    ConnectTimeout 0",
        ),
        (
            "ConnectTimeout 1m is 60",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    ConnectTimeout 1m",
        ),
        (
            "ServerAliveInterval 0 written out",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    ServerAliveInterval 0",
        ),
        (
            "an old keyword: ChallengeResponseAuthentication yes is the default",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    ChallengeResponseAuthentication yes",
        ),
        (
            "an old keyword: ChallengeResponseAuthentication no",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    ChallengeResponseAuthentication no",
        ),
        (
            "a keyword ssh takes but ignores",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    UseRoaming no",
        ),
        (
            "a keyword ssh does not know",
            "    HashKnownHosts yes",
            "    HashKnownHosts yes\n    HashKnownHost yes",
        ),
        (
            "a value ssh does not take",
            "HashKnownHosts yes",
            "HashKnownHosts maybe",
        ),
        ("Host * narrowed", "Host *\n", "Host *.example.com\n"),
        (
            "Host * with a negation",
            "Host *\n",
            "Host * !other.example.com\n",
        ),
    ] {
        out.push(Pair {
            what: format!("sample: {what}"),
            a: base.clone(),
            b: replace(from, to),
        });
    }
    out
}

fn user_pairs() -> Vec<Pair> {
    let base = USER.to_string();
    let mut out = Vec::new();
    let replace = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        base.replacen(from, to, 1)
    };
    let insert_after = |at: &str, line: &str| replace(at, &format!("{at}\n    {line}"));
    let mut same: Vec<(&str, String)> = vec![
        (
            "comments and blank lines",
            base.replace("\n\n", "\n# --\n\n"),
        ),
        ("indented with tabs", base.replace("    ", "\t")),
        (
            "keywords in capitals",
            replace("HostName bastion", "HOSTNAME bastion"),
        ),
        (
            "a host name in capitals (ssh lowercases it)",
            replace("bastion.example.com", "BASTION.example.com"),
        ),
        (
            "ForwardAgent YES",
            replace("ForwardAgent yes", "ForwardAgent YES"),
        ),
        (
            "ControlMaster AUTO",
            replace("ControlMaster auto", "ControlMaster AUTO"),
        ),
        (
            "ConnectTimeout 10s",
            replace("ConnectTimeout 10", "ConnectTimeout 10s"),
        ),
        (
            "ControlPersist 600",
            replace("ControlPersist 10m", "ControlPersist 600"),
        ),
        (
            "ServerAliveInterval 1m",
            replace("ServerAliveInterval 60", "ServerAliveInterval 1m"),
        ),
        (
            "ServerAliveCountMax 3 removed (the default)",
            replace("    ServerAliveCountMax 3\n", ""),
        ),
        (
            "User repeated after the first",
            insert_after("User ops", "User root"),
        ),
        (
            "Port 22 in Host * (bastion keeps 2222)",
            insert_after("User admin", "Port 22"),
        ),
        (
            "Compression no written out",
            insert_after("User admin", "Compression no"),
        ),
        (
            "BatchMode no written out",
            insert_after("User admin", "BatchMode no"),
        ),
        (
            "AddressFamily any written out",
            insert_after("User admin", "AddressFamily any"),
        ),
        (
            "CheckHostIP no written out",
            insert_after("User admin", "CheckHostIP no"),
        ),
        ("Port 22 written out", insert_after("User admin", "Port 22")),
        (
            "IdentityFile repeated",
            insert_after(
                "IdentityFile ~/.ssh/id_ed25519",
                "IdentityFile ~/.ssh/id_ed25519",
            ),
        ),
        (
            "SendEnv on two lines",
            replace("SendEnv LANG LC_*", "SendEnv LANG\n    SendEnv LC_*"),
        ),
        (
            "Host patterns reordered",
            replace("Host web1 web2", "Host web2 web1"),
        ),
        (
            "negation written first",
            replace("Host db-* !db-old", "Host !db-old db-*"),
        ),
        (
            "bastion and web blocks swapped",
            swap_blocks(&base, "Host bastion", "Host web1"),
        ),
        (
            "db-old before db-* (the negation keeps them apart)",
            swap_blocks(&base, "Host db-*", "Host db-old"),
        ),
        (
            "Match after Host * (Host * sets no StrictHostKeyChecking)",
            swap_blocks(&base, "Match host", "Host *"),
        ),
        ("db-old moved after Host * (Host * sets no HostName)", {
            let t = swap_blocks(&base, "Host db-old", "Match host");
            swap_blocks(&t, "Host db-old", "Host *")
        }),
        ("HostName %h", insert_after("Host web1 web2", "HostName %h")),
        ("a key written with =", replace("Port 2222", "Port=2222")),
        (
            "Match host in capitals (ssh lowercases both)",
            replace("Match host *.example.com", "MATCH HOST *.EXAMPLE.COM"),
        ),
        (
            "Match all after Host * setting what Host * does not",
            format!("{base}\nMatch all\n    Compression no\n"),
        ),
        (
            "ProxyCommand after ProxyJump is ignored",
            insert_after("ProxyJump bastion", "ProxyCommand ssh -W %h:%p other"),
        ),
        (
            "UserKnownHostsFile written at its default (UpdateHostKeys stays on)",
            insert_after(
                "User admin",
                "UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2",
            ),
        ),
        (
            "a Host block no host uses the keywords of",
            insert_after("User admin", "ProxyCommand none"),
        ),
    ];
    let mut differ: Vec<(&str, String)> = vec![
        ("Port edited", replace("Port 2222", "Port 2223")),
        (
            "ProxyJump edited",
            replace("ProxyJump bastion", "ProxyJump bastion2"),
        ),
        (
            "ServerAliveInterval of db-* edited",
            replace("ServerAliveInterval 30", "ServerAliveInterval 45"),
        ),
        (
            "ConnectTimeout 10m",
            replace("ConnectTimeout 10", "ConnectTimeout 10m"),
        ),
        (
            "Host * moved first",
            swap_blocks(&base, "Host bastion", "Host *"),
        ),
        ("bastion moved after Host *", to_end(&base, "Host bastion")),
        ("db-* moved after Host *", to_end(&base, "Host db-*")),
        ("web moved after Host *", to_end(&base, "Host web1")),
        (
            "the negation dropped",
            replace("Host db-* !db-old", "Host db-*"),
        ),
        (
            "a pattern changed",
            replace("Host db-* !db-old", "Host db* !db-old"),
        ),
        (
            "a name added to a Host line",
            replace("Host web1 web2", "Host web1 web2 web3"),
        ),
        (
            "Match host narrowed",
            replace("Match host *.example.com", "Match host *.example.org"),
        ),
        (
            "Match originalhost",
            replace(
                "Match host *.example.com",
                "Match originalhost *.example.com",
            ),
        ),
        (
            "Match host negated",
            replace("Match host *.example.com", "Match host !*.example.com,*"),
        ),
        ("User of Host * edited", replace("User admin", "User root")),
        (
            "IdentityFile added",
            insert_after(
                "IdentityFile ~/.ssh/id_ed25519",
                "IdentityFile ~/.ssh/id_rsa",
            ),
        ),
        (
            "IdentityFile order",
            insert_after("Host *", "IdentityFile ~/.ssh/id_bastion"),
        ),
        (
            "SendEnv reordered",
            replace("SendEnv LANG LC_*", "SendEnv LC_* LANG"),
        ),
        (
            "SendEnv -LANG for web",
            insert_after("SendEnv LANG LC_*", "SendEnv -LANG"),
        ),
        (
            "HostName of db-old edited",
            replace("HostName 10.0.0.9", "HostName 10.0.0.10"),
        ),
        (
            "a block for a new host",
            format!("Host new1\n    User other\n\n{base}"),
        ),
        (
            "LocalForward changed",
            replace(
                "LocalForward 5432 localhost:5432",
                "LocalForward 5433 localhost:5432",
            ),
        ),
        (
            "ForwardAgent no",
            replace("ForwardAgent yes", "ForwardAgent no"),
        ),
        (
            "HashKnownHosts removed",
            replace("    HashKnownHosts yes\n", ""),
        ),
        (
            "StrictHostKeyChecking accept-new",
            replace(
                "StrictHostKeyChecking yes",
                "StrictHostKeyChecking accept-new",
            ),
        ),
        (
            "a HostName that Match host then takes",
            insert_after("Host web1 web2", "HostName web.example.com"),
        ),
        (
            "Match exec: its block's lines as written",
            replace(
                "Match host *.example.com",
                "Match exec \"true\" host *.example.com",
            )
            .replace("StrictHostKeyChecking yes", "StrictHostKeyChecking no"),
        ),
        (
            "Match exec that fails: a block added",
            format!("Match exec \"false\"\n    User nobody\n\n{base}"),
        ),
        (
            "a keyword ssh does not know",
            insert_after("User admin", "ForwardAgentt yes"),
        ),
        (
            "ControlMaster maybe",
            replace("ControlMaster auto", "ControlMaster maybe"),
        ),
    ];
    // The same rewrites of the sample's Host * with the user's blocks before it.
    let sample_tail = sample().replace("Host *\n", "Host *.internal\n");
    same.push((
        "the sample after the user's blocks",
        format!("{base}\n{sample_tail}"),
    ));
    differ.push((
        "the sample before the user's blocks",
        format!("{sample_tail}\n{base}"),
    ));
    for (what, b) in same.into_iter().chain(differ) {
        out.push(Pair {
            what: format!("user: {what}"),
            a: base.clone(),
            b,
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

/// What ssh connects to `host` with: keyword → its lines; `Err` when ssh refuses the file.
fn ssh(conf: &Path, home: &Path, host: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let out = Command::new("/usr/bin/ssh")
        .arg("-G")
        .arg("-F")
        .arg(conf)
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

/// The keyword a finding's key names (`host."db-x".user` → `user`).
fn keyword_of(key: &str) -> String {
    key.rsplit('.').next().unwrap_or(key).to_string()
}

#[derive(Default)]
struct Tally {
    agreed: usize,
    refused: usize,
    refused_seen: usize,
    /// Pairs with a `Match exec` block, which confdrift compares as written.
    exec: usize,
    disagreements: Vec<String>,
}

#[test]
fn confdrift_sees_ssh_config_as_ssh_does() {
    let version = Command::new("/usr/bin/ssh").arg("-V").output().expect(
        "OpenSSH's ssh is needed for this test: apt-get install openssh-client (.ci/run does)",
    );
    let version = String::from_utf8_lossy(&version.stderr).trim().to_string();
    assert!(
        version.starts_with("OpenSSH_9.2"),
        "the table is OpenSSH 9.2's; this is {version}"
    );
    let mut pairs = sample_pairs();
    pairs.extend(user_pairs());
    let tally = Mutex::new(Tally::default());
    crate::verdict::each_in_parallel(&pairs, 2, |i, p| {
        let dir = tempfile::tempdir().unwrap();
        let (fa, fb) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&fa, &p.a).unwrap();
        std::fs::write(&fb, &p.b).unwrap();
        let mut hosts = hosts_named(&p.a);
        hosts.extend(hosts_named(&p.b));
        hosts.extend(EXTRA_HOSTS.iter().map(|h| h.to_string()));
        let mut differ = BTreeSet::new();
        let mut refused = false;
        for h in &hosts {
            match (ssh(&fa, dir.path(), h), ssh(&fb, dir.path(), h)) {
                (Ok(a), Ok(b)) => {
                    for k in a.keys().chain(b.keys()) {
                        if a.get(k) != b.get(k) {
                            differ.insert(k.clone());
                        }
                    }
                }
                _ => refused = true,
            }
        }
        // ssh expands ControlPath with the user, host and port: one change, which confdrift
        // names where it is written.
        let path_lines = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.to_lowercase().contains("controlpath"))
                .map(str::to_string)
                .collect()
        };
        if path_lines(&p.a) == path_lines(&p.b) {
            differ.remove("controlpath");
        }
        let ours = crate::verdict::diff("ssh_config", "9.2", &p.a, &p.b);
        let keys: BTreeSet<String> = ours.keys.iter().map(|k| keyword_of(k)).collect();
        let mut t = tally.lock().unwrap();
        if refused {
            t.refused += 1;
            if [&p.a, &p.b].iter().any(|t| t.contains("Match exec")) {
                // confdrift does not run `Match exec` commands: that block's lines are compared as
                // written. It must still see all that ssh sees here.
                t.exec += 1;
                if !keys.is_superset(&differ) || (ours.code == 0) != keys.is_empty() {
                    t.disagreements.push(format!(
                        "{i} {}: ssh: {differ:?}; confdrift: exit {}, {keys:?}",
                        p.what, ours.code
                    ));
                }
            } else if ours.errors > 0 {
                t.refused_seen += 1;
            }
            return;
        }
        if [&p.a, &p.b].iter().any(|t| t.contains("Match exec")) {
            // confdrift does not run `Match exec` commands: that block's lines are compared as
            // written. It must still see all that ssh sees here.
            t.exec += 1;
            if !keys.is_superset(&differ) || (ours.code == 0) != keys.is_empty() {
                t.disagreements.push(format!(
                    "{i} {}: ssh: {differ:?}; confdrift: exit {}, {keys:?}",
                    p.what, ours.code
                ));
            }
        } else if ours.errors > 0 {
            t.disagreements.push(format!(
                "{i} {}: ssh takes both sides, confdrift reports {} errors",
                p.what, ours.errors
            ));
        } else if keys == differ && (ours.code == 0) == differ.is_empty() {
            t.agreed += 1;
        } else {
            t.disagreements.push(format!(
                "{i} {}: ssh: {differ:?}; confdrift: exit {}, {keys:?}",
                p.what, ours.code
            ));
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "{version}: {} pairs, {} agreed, {} disagreed, {} with Match exec (as written), {} refused by ssh ({} of them reported as trouble by confdrift)",
        pairs.len(),
        t.agreed,
        t.disagreements.len(),
        t.exec,
        t.refused,
        t.refused_seen
    );
    assert!(
        t.disagreements.is_empty(),
        "{} pairs judged otherwise than {version}:\n{}",
        t.disagreements.len(),
        t.disagreements.join("\n")
    );
    assert!(t.agreed >= 100, "only {} pairs were judged", t.agreed);
}

#[test]
fn check_reads_ssh_config_host_by_host() {
    let path = "/etc/ssh/ssh_config";
    let base = "Host db1\n    User alice\n\nHost *\n    User admin\n";
    let run = |config: &str, live: &str| {
        let f = crate::harness::Fleet::new(config);
        f.group_baseline("app", path, base);
        f.commit("baseline");
        f.live("db", path, live);
        let out = f.run(&["check", "--format", "json"]);
        let json = out.json();
        let findings: Vec<(String, String, String)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["key"].as_str().unwrap_or("").to_string(),
                    f["baseline"].to_string(),
                    f["live"].to_string(),
                )
            })
            .collect();
        let errors = json["errors"].as_array().map_or(0, Vec::len);
        (out.code, findings, errors)
    };
    let plain = crate::harness::app_config(&["db"], &[path]);
    let versioned = plain.replace("files =", "version = \"9.2\"\nfiles =");
    // A keyword written out at ssh's default, in capitals: every host gets what it got.
    let (code, findings, _) = run(
        &versioned,
        "Host db1\n    USER alice\n\nHost *\n    User admin\n    Port 22\n    BatchMode NO\n",
    );
    assert_eq!((code, findings), (0, Vec::new()));
    // db1's block moved after Host *: no line changed, but db1 now gets admin.
    let (code, findings, _) = run(
        &versioned,
        "Host *\n    User admin\n\nHost db1\n    User alice\n",
    );
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "host.db1.user");
    assert!(
        findings[0].1.contains("alice") && findings[0].2.contains("admin"),
        "{findings:?}"
    );
    // A keyword ssh does not know is trouble, with the version known.
    let (code, _, errors) = run(
        &versioned,
        "Host db1\n    User alice\n\nHost *\n    User admin\n    Usr bob\n",
    );
    assert_eq!((code != 0, errors), (true, 1));
    // Without the version, an explicit default stays drift.
    let (code, findings, _) = run(
        &plain,
        "Host db1\n    User alice\n\nHost *\n    User admin\n    Port 22\n",
    );
    assert_eq!(code, 1);
    assert_eq!(findings[0].0, "host.*.port");
}
